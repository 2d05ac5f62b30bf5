// Rewriting heads between clients and upstreams (see forward_heads.h).
#include "proxy/forward_heads.h"

#include <arpa/inet.h>

#include <cstring>

namespace berth {
namespace {

// Hop-by-hop headers (RFC 9110 7.6.1) that do not describe the body; the body's framing
// headers stay because the body is passed on as it came.
constexpr const char* kHopByHop[] = {"Connection", "Keep-Alive",          "Proxy-Connection",
                                     "TE",         "Upgrade",             "Proxy-Authorization",
                                     "Proxy-Authenticate"};

bool IsHopByHop(const std::string& name, const std::string* connection) {
  for (const char* hop : kHopByHop)
    if (EqualsIgnoreCase(name, hop)) return true;
  // Headers the Connection header names are hop-by-hop too, unless they frame the body.
  if (connection && !EqualsIgnoreCase(name, "Transfer-Encoding") &&
      !EqualsIgnoreCase(name, "Content-Length") && HasToken(*connection, name))
    return true;
  return false;
}

bool IsForwarding(const std::string& name) {
  return EqualsIgnoreCase(name, "X-Forwarded-For") || EqualsIgnoreCase(name, "X-Forwarded-Proto") ||
         EqualsIgnoreCase(name, "X-Forwarded-Host") || EqualsIgnoreCase(name, "Forwarded");
}

void AppendHeader(std::string* out, std::string_view name, std::string_view value) {
  out->append(name).append(": ").append(value).append("\r\n");
}

// All values of `name`, joined with ", " as one header (RFC 9110 5.3).
std::string Joined(const MessageHead& head, std::string_view name) {
  std::string joined;
  for (const auto& [field, value] : head.headers)
    if (EqualsIgnoreCase(field, name)) joined += (joined.empty() ? "" : ", ") + value;
  return joined;
}

void AppendForwarding(const MessageHead& request, const ClientInfo& client, std::string* out) {
  const char* proto = client.tls ? "https" : "http";
  const std::string* host = request.Find("Host");
  std::string xff = client.trusted ? Joined(request, "X-Forwarded-For") : "";
  AppendHeader(out, "X-Forwarded-For", xff.empty() ? client.ip : xff + ", " + client.ip);
  const std::string* xfp = client.trusted ? request.Find("X-Forwarded-Proto") : nullptr;
  AppendHeader(out, "X-Forwarded-Proto", xfp ? *xfp : proto);
  const std::string* xfh = client.trusted ? request.Find("X-Forwarded-Host") : nullptr;
  if (xfh || host) AppendHeader(out, "X-Forwarded-Host", xfh ? *xfh : *host);
  // RFC 7239: an IPv6 node is quoted and bracketed; a host with odd characters is quoted.
  std::string node = client.ip.find(':') != std::string::npos ? "\"[" + client.ip + "]\""
                                                               : client.ip;
  std::string element = "for=" + node + ";proto=" + proto;
  if (host && host->find_first_of("\";,\\ ") == std::string::npos)
    element += ";host=\"" + *host + "\"";
  std::string forwarded = client.trusted ? Joined(request, "Forwarded") : "";
  AppendHeader(out, "Forwarded", forwarded.empty() ? element : forwarded + ", " + element);
}

}  // namespace

bool ParseNetwork(const std::string& text, Network* network) {
  size_t slash = text.find('/');
  std::string address = text.substr(0, slash);
  Network n;
  if (inet_pton(AF_INET, address.c_str(), n.bytes) == 1) {
    n.family = AF_INET;
    n.prefix = 32;
  } else if (inet_pton(AF_INET6, address.c_str(), n.bytes) == 1) {
    n.family = AF_INET6;
    n.prefix = 128;
  } else {
    return false;
  }
  if (slash != std::string::npos) {
    std::string len = text.substr(slash + 1);
    if (len.empty() || len.size() > 3 || len.find_first_not_of("0123456789") != std::string::npos)
      return false;
    int prefix = std::stoi(len);
    if (prefix > n.prefix) return false;
    n.prefix = prefix;
  }
  *network = n;
  return true;
}

bool InNetworks(const std::vector<Network>& networks, const std::string& ip) {
  unsigned char bytes[16];
  int family = inet_pton(AF_INET, ip.c_str(), bytes) == 1    ? AF_INET
               : inet_pton(AF_INET6, ip.c_str(), bytes) == 1 ? AF_INET6
                                                            : 0;
  for (const Network& n : networks) {
    if (n.family != family) continue;
    int full = n.prefix / 8, rest = n.prefix % 8;
    if (memcmp(n.bytes, bytes, full) != 0) continue;
    unsigned char mask = static_cast<unsigned char>(0xff << (8 - rest));
    if (rest == 0 || (n.bytes[full] & mask) == (bytes[full] & mask)) return true;
  }
  return false;
}

std::string UpstreamRequestHead(const MessageHead& request, const std::string& target,
                                const ClientInfo& client) {
  std::string out;
  out.reserve(512);
  bool http10 = request.major == 1 && request.minor == 0;
  out.append(request.method).append(" ").append(target).append(http10 ? " HTTP/1.0\r\n"
                                                                       : " HTTP/1.1\r\n");
  const std::string* connection = request.Find("Connection");
  for (const auto& [name, value] : request.headers)
    if (!IsHopByHop(name, connection) && !IsForwarding(name)) AppendHeader(&out, name, value);
  if (request.upgrade) {
    if (const std::string* upgrade = request.Find("Upgrade")) {
      AppendHeader(&out, "Connection", "upgrade");
      AppendHeader(&out, "Upgrade", *upgrade);
    }
  } else if (http10) {
    AppendHeader(&out, "Connection", "keep-alive");
  }
  AppendForwarding(request, client, &out);
  out.append("\r\n");
  return out;
}

std::string ClientResponseHead(const MessageHead& response, const MessageHead& request,
                               bool close) {
  std::string out;
  out.reserve(512);
  out.append("HTTP/1.1 ").append(std::to_string(response.status)).append(" ");
  out.append(response.reason).append("\r\n");
  const std::string* connection = response.Find("Connection");
  for (const auto& [name, value] : response.headers)
    if (!IsHopByHop(name, connection)) AppendHeader(&out, name, value);
  if (response.status == 101) {
    AppendHeader(&out, "Connection", "upgrade");
    if (const std::string* upgrade = response.Find("Upgrade")) AppendHeader(&out, "Upgrade", *upgrade);
  } else if (close) {
    AppendHeader(&out, "Connection", "close");
  } else if (request.major == 1 && request.minor == 0) {
    AppendHeader(&out, "Connection", "keep-alive");
  }
  out.append("\r\n");
  return out;
}

}  // namespace berth
