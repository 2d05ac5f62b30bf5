// Listening sockets from --listen addresses: "host:port", "[v6]:port" or "unix:/path".
#pragma once

#include <string>
#include <vector>

#include "reactor/handles.h"
#include "base/status.h"

namespace berth {

struct Listener {
  UniqueFd fd;
  std::string address;  // as bound: the real port when 0 was asked, "unix:/path" for sockets
};

// Binds and listens (non-blocking, close-on-exec). A unix socket path left by an earlier run
// is replaced; its parent directory must exist.
Result<Listener> BindListener(const std::string& address);
// BindListener() for each address; the first failure.
Result<std::vector<Listener>> BindListeners(const std::vector<std::string>& addresses);

// How a listening socket is named in logs and <run>/listeners: "host:port", "[v6]:port" or
// "unix:/path".
std::string ListenerAddress(int fd);

}  // namespace berth
