// ProcessRuntime: runs a native process app as its own user, in its own process group, with
// its output cut into lines.
#pragma once

#include <memory>
#include <set>

#include "reactor/child_process.h"
#include "supervise/isolation.h"
#include "supervise/process_group_ledger.h"
#include "supervise/runtime.h"

namespace berth {

class ProcessRuntime;

// The process runtimes waiting for the rest of a stopped app's process group to go: any reaped
// child may have been its last member. The owner of the reaper calls OnAnyReaped().
class GroupWaiters {
 public:
  void Add(ProcessRuntime* runtime) { waiting_.insert(runtime); }
  void Remove(ProcessRuntime* runtime) { waiting_.erase(runtime); }
  void OnAnyReaped();

 private:
  std::set<ProcessRuntime*> waiting_;
};

struct ProcessContext {
  EventLoop* loop;
  ChildReaper* reaper;
  AdminCommands* admin;
  const BerthPaths* paths;
  ProcessGroupLedger* groups;  // where each started group is recorded until it ends
  GroupWaiters* waiters;
};

class ProcessRuntime : public Runtime {
 public:
  ProcessRuntime(ProcessContext context, Events events);
  ~ProcessRuntime() override;

  void Prepare(const AppSpec& spec) override;
  void Start(const AppSpec& spec) override;
  bool Stop(int signo, double timeout_s) override;
  // CPU time and resident memory of the app's process group, from /proc.
  void Stats(StatsFn done) override;
  void Pause(std::function<void(Status)> done) override;
  void Resume(std::function<void(Status)> done) override;
  // The app's own port on the address it binds (HOST), loopback when that is a wildcard.
  std::vector<std::string> Endpoints(int port, const std::string& service) const override;
  // As the app's own user, in its directory, with its environment, in a process group of its
  // own.
  Result<std::unique_ptr<RuntimeCommand>> Exec(const std::vector<std::string>& argv,
                                               CommandDone done) override;
  // A child was reaped: the group being waited for may be empty now.
  void OnAnyReaped();

 private:
  void Launch(const AppSpec& spec, AppIdentity identity);
  void OnOutput(OutputStream stream, std::string_view data, bool eof);
  void OnChildFinished(int wait_status);
  void OnStopTimeout();
  void Finish();

  ProcessContext context_;
  Events events_;
  std::unique_ptr<ChildProcess> child_;
  SpawnOptions launch_options_;  // how the running app was started: for Exec()
  LineSplitter splitters_[2];
  std::vector<std::string_view> batch_;  // lines of the read being handled
  pid_t group_ = 0;
  bool stopping_ = false;
  bool dirs_ready_ = false;  // set up by Prepare() (or the last start) and not touched since
  bool awaiting_group_ = false;
  int wait_status_ = 0;
  // The previous Stats() sample, for CPU %: the group's CPU ticks and when they were read.
  uint64_t last_cpu_ticks_ = 0;
  int64_t last_sample_ms_ = 0;
  Timer stop_timer_;
  // Guards callbacks of work still running when this runtime is stopped or destroyed.
  std::shared_ptr<int> generation_ = std::make_shared<int>(0);
};

}  // namespace berth
