// Binding TCP and unix listening sockets.
#include "reactor/listeners.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>

namespace berth {
namespace {

Status Errno(const std::string& what) { return Status::IOError(what + ": " + strerror(errno)); }

Result<Listener> BindUnix(const std::string& address, const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr.sun_path)
    return Status::Invalid("listen address " + address + ": the socket path is empty or too long");
  memcpy(addr.sun_path, path.data(), path.size());
  UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return Errno("socket for " + address);
  struct stat st {};
  if (lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) unlink(path.c_str());
  mode_t old = umask(0117);  // the socket is for root and berthd's group
  int rc = bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  umask(old);
  if (rc != 0) return Errno("cannot listen on " + address);
  if (listen(fd.get(), 512) != 0) return Errno("listen on " + address);
  return Listener{std::move(fd), address};
}

// Splits "host:port" / "[v6]:port".
Status SplitHostPort(const std::string& address, std::string* host, std::string* port) {
  size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon + 1 == address.size())
    return Status::Invalid("listen address " + address +
                           " needs a port: host:port, [v6]:port or unix:/path");
  *host = address.substr(0, colon);
  *port = address.substr(colon + 1);
  if (host->size() >= 2 && host->front() == '[' && host->back() == ']')
    *host = host->substr(1, host->size() - 2);
  bool digits = port->size() <= 5 && port->find_first_not_of("0123456789") == std::string::npos;
  if (!digits || std::stoi(*port) > 65535)
    return Status::Invalid("listen address " + address +
                           ": the port must be a number from 0 to 65535");
  return Status::Ok();
}

std::string BoundAddress(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  char host[INET6_ADDRSTRLEN] = "";
  char port[8] = "";
  getnameinfo(reinterpret_cast<sockaddr*>(&ss), len, host, sizeof host, port, sizeof port,
              NI_NUMERICHOST | NI_NUMERICSERV);
  if (ss.ss_family == AF_INET6) return std::string("[") + host + "]:" + port;
  return std::string(host) + ":" + port;
}

Result<Listener> BindTcp(const std::string& address) {
  std::string host, port;
  if (Status s = SplitHostPort(address, &host, &port); !s.ok()) return s;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  int rc = getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &found);
  if (rc != 0) return Status::Invalid("listen address " + address + ": " + gai_strerror(rc));
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owner(found, &freeaddrinfo);
  UniqueFd fd(socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return Errno("socket for " + address);
  int one = 1;
  setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd.get(), found->ai_addr, found->ai_addrlen) != 0)
    return Errno("cannot listen on " + address);
  if (listen(fd.get(), 512) != 0) return Errno("listen on " + address);
  std::string bound = BoundAddress(fd.get());
  return Listener{std::move(fd), bound};
}

}  // namespace

std::string ListenerAddress(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  if (ss.ss_family != AF_UNIX) return BoundAddress(fd);
  const auto* un = reinterpret_cast<const sockaddr_un*>(&ss);
  size_t path_len =
      len > offsetof(sockaddr_un, sun_path) ? len - offsetof(sockaddr_un, sun_path) : 0;
  std::string path(un->sun_path, strnlen(un->sun_path, path_len));
  return "unix:" + (path.empty() ? std::string("(unnamed)") : path);
}

Result<Listener> BindListener(const std::string& address) {
  if (address.rfind("unix:", 0) == 0) return BindUnix(address, address.substr(5));
  return BindTcp(address);
}

Result<std::vector<Listener>> BindListeners(const std::vector<std::string>& addresses) {
  std::vector<Listener> listeners;
  for (const auto& address : addresses) {
    auto listener = BindListener(address);
    if (!listener.ok()) return listener.status();
    listeners.push_back(std::move(listener).value());
  }
  return listeners;
}

}  // namespace berth
