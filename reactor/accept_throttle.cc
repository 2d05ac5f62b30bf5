// Pausing listeners whose accept() fails.
#include "reactor/accept_throttle.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <string>

namespace berth {
namespace {

// libevent hands the error callback the listener's user data, which belongs to whoever
// accepts (evhttp): the throttle of each listener is found here instead.
std::map<evconnlistener*, AcceptThrottle*>& Throttles() {
  static std::map<evconnlistener*, AcceptThrottle*> throttles;
  return throttles;
}

bool OutOfDescriptors(int error) { return error == EMFILE || error == ENFILE; }

// At most this many waiting connections are closed per failure, so the loop moves on.
constexpr int kMaxClosedPerFailure = 1024;

}  // namespace

AcceptThrottle::AcceptThrottle(EventLoop* loop)
    : spare_(open("/dev/null", O_RDONLY | O_CLOEXEC)),
      resume_(loop, [this] { Resume(); }),
      warning_(loop, std::chrono::seconds(10), [this](uint64_t count) {
        return std::string("cannot accept API connections: ") + strerror(last_error_) + " (" +
               std::to_string(count) + " failed accept() calls since the last warning); each " +
               "time accepting pauses " + std::to_string(kPauseMs) + " ms" +
               (OutOfDescriptors(last_error_)
                    ? " and waiting connections are closed; raise LimitNOFILE (the hard "
                      "RLIMIT_NOFILE) or lower --max-connections"
                    : "");
      }) {}

AcceptThrottle::~AcceptThrottle() {
  for (evconnlistener* listener : std::vector<evconnlistener*>(listeners_)) Forget(listener);
}

void AcceptThrottle::Watch(evconnlistener* listener) {
  listeners_.push_back(listener);
  Throttles()[listener] = this;
  evconnlistener_set_error_cb(listener, &AcceptThrottle::OnAcceptError);
}

void AcceptThrottle::Forget(evconnlistener* listener) {
  evconnlistener_set_error_cb(listener, nullptr);
  Throttles().erase(listener);
  listeners_.erase(std::remove(listeners_.begin(), listeners_.end(), listener), listeners_.end());
}

void AcceptThrottle::OnAcceptError(evconnlistener* listener, void*) {
  int error = errno;
  auto it = Throttles().find(listener);
  if (it != Throttles().end()) it->second->Throttle(listener, error);
}

void AcceptThrottle::Throttle(evconnlistener* listener, int error) {
  last_error_ = error;
  warning_.Note();
  if (OutOfDescriptors(error)) CloseWaiting(listener);
  // Every listener pauses: descriptors are short for all of them, not just this one.
  for (evconnlistener* each : listeners_) evconnlistener_disable(each);
  if (!resume_.pending()) resume_.Start(kPauseMs);
}

// Gives the spare descriptor up to accept each waiting connection and close it at once.
void AcceptThrottle::CloseWaiting(evconnlistener* listener) {
  if (!spare_.valid()) return;
  int fd = evconnlistener_get_fd(listener);
  spare_.reset();
  for (int i = 0; i < kMaxClosedPerFailure; ++i) {
    int accepted = accept4(fd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (accepted < 0) break;
    close(accepted);
  }
  spare_.reset(open("/dev/null", O_RDONLY | O_CLOEXEC));
}

void AcceptThrottle::Resume() {
  if (!spare_.valid()) spare_.reset(open("/dev/null", O_RDONLY | O_CLOEXEC));
  for (evconnlistener* listener : listeners_) evconnlistener_enable(listener);
}

}  // namespace berth
