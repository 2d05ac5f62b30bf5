// The event loop, timers, signal and fd watchers on libevent.
#include "reactor/event_loop.h"

#include <unistd.h>

#include <cassert>
#include <utility>

namespace berth {

void UniqueFd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

EventLoop::EventLoop() : base_(event_base_new()) {
  assert(base_);
  deferred_event_.reset(event_new(base_.get(), -1, 0, &EventLoop::OnDeferred, this));
}

void EventLoop::Run() { event_base_dispatch(base_.get()); }

void EventLoop::Exit() { event_base_loopexit(base_.get(), nullptr); }

void EventLoop::Defer(std::function<void()> work) {
  deferred_.push_back(std::move(work));
  if (!event_pending(deferred_event_.get(), EV_TIMEOUT, nullptr)) {
    timeval now{0, 0};
    event_add(deferred_event_.get(), &now);
  }
}

void EventLoop::OnDeferred(evutil_socket_t, short, void* self) {
  static_cast<EventLoop*>(self)->DrainDeferred();
}

void EventLoop::DrainDeferred() {
  // Work may defer more work; that runs on the next turn.
  std::vector<std::function<void()>> batch;
  batch.swap(deferred_);
  for (auto& work : batch) work();
}

Timer::Timer(EventLoop* loop, std::function<void()> callback)
    : loop_(loop), callback_(std::move(callback)) {}

void Timer::Start(long ms) {
  event_.reset(event_new(loop_->base(), -1, 0, &Timer::OnFire, this));
  timeval tv{ms / 1000, (ms % 1000) * 1000};
  event_add(event_.get(), &tv);
}

void Timer::StartRepeating(long ms) {
  event_.reset(event_new(loop_->base(), -1, EV_PERSIST, &Timer::OnFire, this));
  timeval tv{ms / 1000, (ms % 1000) * 1000};
  event_add(event_.get(), &tv);
}

void Timer::Stop() { event_.reset(); }

bool Timer::pending() const { return event_ && event_pending(event_.get(), EV_TIMEOUT, nullptr); }

void Timer::OnFire(evutil_socket_t, short, void* self) {
  // Copy: the callback may stop or restart this timer.
  auto callback = static_cast<Timer*>(self)->callback_;
  callback();
}

namespace {

sigset_t& MutableChangedSignals() {
  static sigset_t changed = [] {
    sigset_t set;
    sigemptyset(&set);
    return set;
  }();
  return changed;
}

}  // namespace

void IgnoreSignal(int signo) {
  sigaddset(&MutableChangedSignals(), signo);
  signal(signo, SIG_IGN);
}

const sigset_t& ChangedSignals() { return MutableChangedSignals(); }

SignalWatcher::SignalWatcher(EventLoop* loop, int signo, std::function<void()> callback)
    : callback_(std::move(callback)),
      event_(evsignal_new(loop->base(), signo, &SignalWatcher::OnSignal, this)) {
  sigaddset(&MutableChangedSignals(), signo);
  evsignal_add(event_.get(), nullptr);
}

void SignalWatcher::OnSignal(evutil_socket_t, short, void* self) {
  static_cast<SignalWatcher*>(self)->callback_();
}

FdWatcher::FdWatcher(EventLoop* loop, int fd, std::function<void()> callback)
    : callback_(std::move(callback)),
      event_(event_new(loop->base(), fd, EV_READ | EV_PERSIST, &FdWatcher::OnReadable, this)) {
  event_add(event_.get(), nullptr);
}

void FdWatcher::OnReadable(evutil_socket_t, short, void* self) {
  static_cast<FdWatcher*>(self)->callback_();
}

}  // namespace berth
