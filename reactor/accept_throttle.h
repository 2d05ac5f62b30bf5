// AcceptThrottle: keeps a listening socket from spinning when accept() fails, above all when
// berthd has run out of file descriptors (EMFILE/ENFILE). Without it libevent retries at once,
// forever, and logs each failure. Here the listeners pause for a moment, the connections
// waiting in the backlog are closed at once through a spare descriptor (so their clients are
// told instead of left hanging), and one warning with a count is logged per 10 s at most.
#pragma once

#include <event2/listener.h>

#include <vector>

#include "reactor/event_loop.h"
#include "reactor/handles.h"
#include "reactor/throttled_warning.h"

namespace berth {

class AcceptThrottle {
 public:
  explicit AcceptThrottle(EventLoop* loop);
  ~AcceptThrottle();
  AcceptThrottle(const AcceptThrottle&) = delete;
  AcceptThrottle& operator=(const AcceptThrottle&) = delete;

  // Handles accept errors of `listener`, which must outlive this object or be forgotten first.
  void Watch(evconnlistener* listener);
  void Forget(evconnlistener* listener);

  // How long every listener pauses after a failed accept().
  static constexpr long kPauseMs = 250;

 private:
  static void OnAcceptError(evconnlistener* listener, void* unused);
  void Throttle(evconnlistener* listener, int error);
  void CloseWaiting(evconnlistener* listener);
  void Resume();

  std::vector<evconnlistener*> listeners_;
  UniqueFd spare_;  // given up for a moment to accept (and close) a waiting connection
  Timer resume_;
  ThrottledWarning warning_;
  int last_error_ = 0;
};

}  // namespace berth
