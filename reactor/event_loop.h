// The single-threaded event loop and its small helpers: timers, signal watchers and the
// deferred-work list drained at a loop boundary (so callbacks never delete their own object).
#pragma once

#include <signal.h>

#include <functional>
#include <vector>

#include "reactor/handles.h"

namespace berth {

class EventLoop {
 public:
  EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  event_base* base() const { return base_.get(); }

  // Runs until Exit() is called.
  void Run();
  void Exit();

  // Runs `work` on the next loop turn, outside any callback that is running now.
  void Defer(std::function<void()> work);

 private:
  static void OnDeferred(evutil_socket_t, short, void* self);
  void DrainDeferred();

  EventBasePtr base_;
  EventPtr deferred_event_;
  std::vector<std::function<void()>> deferred_;
};

// A one-shot or repeating timer. Stopping or destroying it cancels the callback.
class Timer {
 public:
  Timer(EventLoop* loop, std::function<void()> callback);
  void Start(long ms);
  void StartRepeating(long ms);
  void Stop();
  bool pending() const;

 private:
  static void OnFire(evutil_socket_t, short, void* self);

  EventLoop* loop_;
  std::function<void()> callback_;
  EventPtr event_;
};

// Delivers a signal to `callback` from the loop (libevent turns the signal into a wake-up).
class SignalWatcher {
 public:
  SignalWatcher(EventLoop* loop, int signo, std::function<void()> callback);

 private:
  static void OnSignal(evutil_socket_t, short, void* self);

  std::function<void()> callback_;
  EventPtr event_;
};

// Ignores `signo` in berthd (e.g. SIGPIPE); recorded so children get the default back.
void IgnoreSignal(int signo);
// Every signal berthd has given a handler or ignored: what a new child must reset.
const sigset_t& ChangedSignals();

// Calls `callback` whenever `fd` is readable, until destroyed.
class FdWatcher {
 public:
  FdWatcher(EventLoop* loop, int fd, std::function<void()> callback);

 private:
  static void OnReadable(evutil_socket_t, short, void* self);

  std::function<void()> callback_;
  EventPtr event_;
};

}  // namespace berth
