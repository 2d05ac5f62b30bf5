// The heads the built-in proxy sends on: a client's request rewritten for the upstream
// (hop-by-hop headers dropped, X-Forwarded-For/-Proto/-Host and Forwarded set, trusting the
// incoming ones only from a trusted proxy), and an upstream's response head for the client.
// Bodies are passed on byte for byte, so Content-Length, Transfer-Encoding and Trailer stay.
#pragma once

#include <string>
#include <vector>

#include "proxy/http_parser.h"

namespace berth {

// Who sent a request, as the proxy saw the connection.
struct ClientInfo {
  std::string ip;        // "203.0.113.7", "2001:db8::1"
  bool trusted = false;  // from a --trusted-proxy network: its X-Forwarded-* are kept
  bool tls = false;      // arrived over TLS
};

// A network of --trusted-proxy: "10.0.0.0/8", "::1/128", "192.168.1.7" (one address).
struct Network {
  unsigned char bytes[16] = {};
  int family = 0;  // AF_INET or AF_INET6
  int prefix = 0;
};
// Parses "addr" or "addr/len"; false when it is neither.
bool ParseNetwork(const std::string& text, Network* network);
bool InNetworks(const std::vector<Network>& networks, const std::string& ip);

// The head of the request the upstream gets: `target` (maybe prefix-stripped), HTTP/1.1 (or
// 1.0 with keep-alive asked for a 1.0 client), the client's headers less hop-by-hop ones, and
// the forwarding headers. An upgrade request keeps its Upgrade header.
std::string UpstreamRequestHead(const MessageHead& request, const std::string& target,
                                const ClientInfo& client);
// The head the client gets for the upstream's `response`; `close`: the proxy closes the client
// connection after this response.
std::string ClientResponseHead(const MessageHead& response, const MessageHead& request,
                               bool close);

}  // namespace berth
