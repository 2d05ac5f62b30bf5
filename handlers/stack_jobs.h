// StackJobs: the control commands of the /stacks API (start, stop, restart, pause, unpause)
// as upstream's background jobs: each is issued at once, and recorded in `stack_jobs` once the
// app has got where it was sent (or failed to, or not within kJobTimeoutMs), then told to the
// stacks' log streams. Owned by the Api.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "reactor/event_loop.h"
#include "store/stacks_repository.h"
#include "supervise/supervisor.h"

namespace berth {

class StackJobs {
 public:
  using JobFn = std::function<void(const StackJob&)>;
  static constexpr long kJobTimeoutMs = 120000;

  StackJobs(EventLoop* loop, Supervisor* supervisor);
  ~StackJobs();
  StackJobs(const StackJobs&) = delete;
  StackJobs& operator=(const StackJobs&) = delete;

  // Runs `action` ("start", "stop", "restart", "pause" or "unpause") on `app`.
  void Run(App* app, const std::string& action);
  // Records a job that ended as it began (a command the app refused).
  void Record(const std::string& app, const std::string& action, bool succeeded,
              const std::string& message);
  // `fn` hears of every job recorded from now on.
  uint64_t Subscribe(JobFn fn);
  void Unsubscribe(uint64_t id);

 private:
  struct Pending {
    std::string app;
    std::string action;
    AppState target;
    bool moved = false;  // restart: the app left running first
    std::unique_ptr<Timer> timeout;
  };
  void OnTransition(const TransitionEvent& event);
  void OnTimeout(uint64_t id);
  void Finish(uint64_t id, bool succeeded, const std::string& message);

  EventLoop* loop_;
  Supervisor* supervisor_;
  uint64_t transitions_ = 0;
  uint64_t config_ = 0;
  uint64_t next_id_ = 1;
  std::map<uint64_t, Pending> pending_;
  std::map<uint64_t, JobFn> subscribers_;
};

}  // namespace berth
