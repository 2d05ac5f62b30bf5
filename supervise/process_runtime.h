// ProcessRuntime: runs a native process app as its own user, in its own process group, with
// its output cut into lines.
#pragma once

#include <memory>

#include "reactor/child_process.h"
#include "supervise/isolation.h"
#include "supervise/process_group_ledger.h"
#include "supervise/runtime.h"

namespace berth {

struct ProcessContext {
  EventLoop* loop;
  ChildReaper* reaper;
  AdminCommands* admin;
  const BerthPaths* paths;
  ProcessGroupLedger* groups;  // where each started group is recorded until it ends
};

class ProcessRuntime : public Runtime {
 public:
  ProcessRuntime(ProcessContext context, Events events);
  ~ProcessRuntime() override;

  void Prepare(const AppSpec& spec) override;
  void Start(const AppSpec& spec) override;
  bool Stop(int signo, double timeout_s) override;
  pid_t pid() const override { return child_ ? child_->pid() : 0; }
  void OnAnyReaped() override;

 private:
  void Launch(const AppSpec& spec, AppIdentity identity);
  void OnOutput(OutputStream stream, std::string_view data, bool eof);
  void OnChildFinished(int wait_status);
  void OnStopTimeout();
  void Finish();

  ProcessContext context_;
  Events events_;
  std::unique_ptr<ChildProcess> child_;
  LineSplitter splitters_[2];
  std::vector<std::string_view> batch_;  // lines of the read being handled
  pid_t group_ = 0;
  bool stopping_ = false;
  bool dirs_ready_ = false;  // set up by Prepare() (or the last start) and not touched since
  bool awaiting_group_ = false;
  int wait_status_ = 0;
  Timer stop_timer_;
  // Guards callbacks of work still running when this runtime is stopped or destroyed.
  std::shared_ptr<int> generation_ = std::make_shared<int>(0);
};

}  // namespace berth
