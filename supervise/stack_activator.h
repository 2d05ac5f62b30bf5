// StackActivator: what the activators of compose apps share, whether a release is brought up
// by Compose on this host (ComposeActivator) or deployed to a swarm (SwarmActivator). It runs
// each step (a child with the stack's environment, its lines in the deployment's log) under a
// timer that kills it, and, once the stack was touched, goes back to the previous release's
// files when the new one fails, then reports why.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "supervise/compose_process.h"
#include "supervise/compose_stack.h"
#include "supervise/release_activator.h"

namespace berth {

class StackActivator : public ReleaseActivator {
 public:
  ~StackActivator() override;

  InstallPlan Prepare(const std::string&) const override { return {}; }

 protected:
  using StepDone = std::function<void(Status)>;

  StackActivator(AppSpec spec, ComposeContext context);

  // Brings the stack up on the files of the release in `workdir` (file_ among them), for a
  // rollback; ends in `then` (Ok, or why it failed).
  virtual void BringUp(const std::string& workdir, StepDone then) = 0;
  // Waits, within the deploy timeout, until the stack is ready; `then` gets Ok or why not.
  virtual void Wait(StepDone then) = 0;
  // How BringUp() reads in the log ("up -d --remove-orphans").
  virtual std::string BringUpName() const = 0;

  // Takes `activation` and `done`; finds the compose file of the release (file_), and the
  // Compose tool (tool_). False: the activation has ended.
  bool Begin(const Activation& activation, Done done);
  // Calls `then` once the Engine is up; ends the activation when it is not.
  void WhenEngineUp(std::function<void(docker::DockerEngine*)> then);
  // Runs `argv` in `workdir` with the stack's environment, killed after `timeout_ms`; its
  // lines go to the log (stdout to `*capture` instead, when given). `then` gets Ok or
  // Invalid("<what> failed (<how>): <why>").
  void RunStep(const std::string& workdir, std::vector<std::string> argv, const std::string& what,
               long timeout_ms, StepDone then, std::string* capture = nullptr);
  // The Compose tool's argv for `command` on file_ in `workdir`.
  std::vector<std::string> ComposeArgv(const std::string& workdir,
                                       const std::vector<std::string>& command) const;
  // After the stack was touched: brings activation_.previous back, then reports `reason`.
  void RollBack(const std::string& reason);
  void End(ActivationResult result);
  void Log(const std::string& line);
  long TimeoutMs() const;

  AppSpec spec_;
  ComposeContext context_;
  ComposeTool tool_;
  Activation activation_;
  std::string file_;  // the compose file of the release being brought up
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);

 private:
  void RolledBack(Status status);

  Done done_;
  std::string reason_;  // why the release is being rolled back
  std::unique_ptr<ComposeProcess> run_;
  Timer step_timer_;
  bool step_timed_out_ = false;
};

}  // namespace berth
