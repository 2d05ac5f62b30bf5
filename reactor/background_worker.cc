// BackgroundWorker: a queue, one thread, and an eventfd back to the loop.
#include "reactor/background_worker.h"

#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>

namespace berth {

namespace {

// Starts `body` on a thread born with every signal blocked (a thread inherits its creator's
// mask), so process signals only ever reach the loop thread. Otherwise a SIGTERM could land
// on the worker after the loop's watchers gave SIGTERM back its default action, and kill a
// berthd that was exiting cleanly.
std::thread StartWithSignalsBlocked(std::function<void()> body) {
  sigset_t all;
  sigset_t before;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &before);
  std::thread thread(std::move(body));
  pthread_sigmask(SIG_SETMASK, &before, nullptr);
  return thread;
}

}  // namespace

BackgroundWorker::BackgroundWorker(EventLoop* loop)
    : wake_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)),
      watcher_(loop, wake_.get(), [this] { Deliver(); }),
      thread_(StartWithSignalsBlocked([this] { RunThread(); })) {}

BackgroundWorker::~BackgroundWorker() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    work_.clear();
  }
  queued_.notify_one();
  thread_.join();
}

void BackgroundWorker::Post(Work work) {
  ++pending_;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    work_.push_back(std::move(work));
  }
  queued_.notify_one();
}

void BackgroundWorker::RunThread() {
  for (;;) {
    Work work;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      queued_.wait(lock, [this] { return stopping_ || !work_.empty(); });
      if (stopping_) return;
      work = std::move(work_.front());
      work_.pop_front();
    }
    std::function<void()> result = work();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      results_.push_back(std::move(result));
    }
    uint64_t one = 1;
    (void)!write(wake_.get(), &one, sizeof one);  // a full counter still wakes the loop
  }
}

void BackgroundWorker::Deliver() {
  uint64_t count;
  (void)!read(wake_.get(), &count, sizeof count);
  std::deque<std::function<void()>> ready;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ready.swap(results_);
  }
  for (auto& result : ready) {
    --pending_;
    if (result) result();
  }
}

}  // namespace berth
