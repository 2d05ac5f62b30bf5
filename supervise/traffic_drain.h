// TrafficDrain: what a proxy does for a zero-downtime deploy once an app's routes lead to its
// new instance: it lets what it still has in flight to the old instance finish, so that the
// App stops the old one only when nothing is lost. The built-in proxy implements it; without
// one (no proxy), the old instance is stopped at once.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace berth {

class TrafficDrain {
 public:
  virtual ~TrafficDrain() = default;
  // Calls `done` (never synchronously) once nothing is in flight to any of `endpoints` ("host:port"
  // of the old instance) any more: requests under way finish, idle connections to them are
  // closed, and tunnels (WebSockets) are given `seconds` before they are closed; at most
  // `seconds` after the call either way.
  virtual void Drain(const std::vector<std::string>& endpoints, int seconds,
                     std::function<void()> done) = 0;
};

}  // namespace berth
