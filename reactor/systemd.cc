// Socket activation and sd_notify through libsystemd.
#include "reactor/systemd.h"

#include <fcntl.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include <cstdlib>
#include <cstring>

namespace berth {

Result<ActivatedSockets> TakeActivatedSockets() {
  char** names = nullptr;
  int count = sd_listen_fds_with_names(1, &names);
  if (count < 0)
    return Status::Invalid(std::string("cannot read the sockets systemd passed: ") +
                           strerror(-count));
  ActivatedSockets sockets;
  Status status = Status::Ok();
  for (int i = 0; i < count; ++i) {
    int fd = SD_LISTEN_FDS_START + i;
    std::string name = names && names[i] ? names[i] : "unknown";
    free(names ? names[i] : nullptr);
    UniqueFd owned(fd);
    if (!status.ok()) continue;  // still free the names and close the fds
    if (sd_is_socket(fd, AF_UNSPEC, SOCK_STREAM, 1) <= 0) {
      status = Status::Invalid("systemd passed fd " + std::to_string(fd) + " named \"" + name +
                               "\", which is not a listening stream socket");
      continue;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    std::string address = ListenerAddress(fd);
    sockets[name].push_back(Listener{std::move(owned), address});
  }
  free(names);
  if (!status.ok()) return status;
  return sockets;
}

SystemdNotifier::SystemdNotifier(EventLoop* loop)
    : enabled_(getenv("NOTIFY_SOCKET") != nullptr), watchdog_(loop, [this] { PingWatchdog(); }) {
  if (enabled_ && sd_watchdog_enabled(0, &watchdog_usec_) > 0 && watchdog_usec_ > 0) {
    long half_ms = static_cast<long>(watchdog_usec_ / 2000);
    watchdog_.StartRepeating(half_ms > 0 ? half_ms : 1);
  } else {
    watchdog_usec_ = 0;
  }
}

void SystemdNotifier::Ready() { Send("READY=1"); }

void SystemdNotifier::Status(const std::string& text) {
  if (text == last_status_) return;
  last_status_ = text;
  Send("STATUS=" + text);
}

void SystemdNotifier::Reloading() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  uint64_t usec = static_cast<uint64_t>(now.tv_sec) * 1000000 + now.tv_nsec / 1000;
  Send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec));
}

void SystemdNotifier::Stopping() { Send("STOPPING=1"); }

void SystemdNotifier::PingWatchdog() { Send("WATCHDOG=1"); }

void SystemdNotifier::Send(const std::string& message) {
  if (enabled_) sd_notify(0, message.c_str());
}

}  // namespace berth
