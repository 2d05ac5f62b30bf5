// BackgroundWorker: one thread for CPU-bound work the loop must not wait for (a password's
// key derivation takes a quarter of a second by design). The work runs on the thread; its
// result comes back as a closure run on the loop, woken through an eventfd.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "reactor/event_loop.h"
#include "reactor/handles.h"

namespace berth {

class BackgroundWorker {
 public:
  // What the thread runs: it returns what the loop then runs with the result.
  using Work = std::function<std::function<void()>()>;

  explicit BackgroundWorker(EventLoop* loop);
  // Waits for the work running now; work still queued is dropped, and no result is delivered.
  ~BackgroundWorker();
  BackgroundWorker(const BackgroundWorker&) = delete;
  BackgroundWorker& operator=(const BackgroundWorker&) = delete;

  // Queues `work`. REQUIRES: called on the loop. `work` must touch nothing the loop owns.
  void Post(Work work);
  // Work queued or running, not yet delivered.
  size_t pending() const { return pending_; }

 private:
  void RunThread();
  void Deliver();

  UniqueFd wake_;
  FdWatcher watcher_;
  std::mutex mutex_;
  std::condition_variable queued_;
  std::deque<Work> work_;
  std::deque<std::function<void()>> results_;
  bool stopping_ = false;
  size_t pending_ = 0;  // loop side only
  std::thread thread_;
};

}  // namespace berth
