// systemd integration on the loop: sockets passed by socket activation, and sd_notify messages
// (readiness, status, reload, stop, watchdog). Without systemd every call here is a no-op.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "reactor/event_loop.h"
#include "reactor/listeners.h"
#include "base/status.h"

namespace berth {

// Listening sockets passed by systemd, by FileDescriptorName= ("api", later "proxy", ...).
using ActivatedSockets = std::map<std::string, std::vector<Listener>>;

// Takes the sockets systemd passed (LISTEN_FDS for this pid), made non-blocking; empty when
// berthd was not socket-activated. LISTEN_* are unset so no child sees them. Fails when a
// passed fd is not a listening stream socket.
Result<ActivatedSockets> TakeActivatedSockets();

// Sends sd_notify messages to $NOTIFY_SOCKET. Pings the watchdog from the loop every half of
// $WATCHDOG_USEC, so a loop that is stuck stops the pings and systemd restarts berthd.
class SystemdNotifier {
 public:
  explicit SystemdNotifier(EventLoop* loop);

  // READY=1 once berthd serves; again after a reload.
  void Ready();
  // STATUS=<text>, sent only when it differs from the last one.
  void Status(const std::string& text);
  // RELOADING=1 with MONOTONIC_USEC, at the start of a reload.
  void Reloading();
  // STOPPING=1 when shutdown begins.
  void Stopping();
  // Whether $NOTIFY_SOCKET is set (else every call does nothing).
  bool enabled() const { return enabled_; }
  // The watchdog period in microseconds (0 when systemd asked for none).
  uint64_t watchdog_usec() const { return watchdog_usec_; }

 private:
  void Send(const std::string& message);
  void PingWatchdog();

  bool enabled_;
  uint64_t watchdog_usec_ = 0;
  std::string last_status_;
  Timer watchdog_;
};

}  // namespace berth
