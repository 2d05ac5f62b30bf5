// SwarmActivator: how a release of a compose app with compose.target swarm becomes the serving
// one. It checks that the Docker berthd talks to is a swarm manager, validates the release's
// files with the Compose tool (`config --quiet`, the same interpolation rules as a local stack),
// runs `docker stack deploy --with-registry-auth --prune` on them (the app's variables, env and
// secrets as the child's environment, never on disk), then waits, within deploy.timeout, until
// every service runs its desired replicas of its new spec (healthy where it has a healthcheck).
// Swarm's own update_config.failure_action is left to Swarm: when it rolls a service back, or
// pauses its update, the deployment fails with that reason. Once the deploy began, a failure
// deploys the previous release's files again.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "supervise/compose_process.h"
#include "supervise/compose_stack.h"
#include "supervise/release_activator.h"
#include "supervise/swarm_stack.h"

namespace berth {

class SwarmActivator : public ReleaseActivator {
 public:
  SwarmActivator(AppSpec spec, ComposeContext context);
  ~SwarmActivator() override;

  InstallPlan Prepare(const std::string&) const override { return {}; }
  void Activate(const Activation& activation, Done done) override;

 private:
  using Next = void (SwarmActivator::*)(Status status);

  void OnManager(Status status);
  // Runs `argv` in `workdir` with the stack's environment; its lines go to the log; `next` gets
  // Ok or why it failed (`what` names the step).
  void Run(const std::string& workdir, std::vector<std::string> argv, const std::string& what,
           long timeout_ms, Next next);
  // `docker stack deploy` of file_ in `workdir`.
  std::vector<std::string> DeployArgv(const std::string& workdir) const;
  void Validated(Status status);
  void Deployed(Status status);
  void Ready(Status status);
  // After the deploy began: deploys activation_.previous again, then reports `reason`.
  void RollBack(const std::string& reason);
  void RolledBackDeployed(Status status);
  void Wait(std::function<void(Status)> then);
  void End(ActivationResult result);
  void Log(const std::string& line);
  long TimeoutMs() const;

  AppSpec spec_;
  ComposeContext context_;
  ComposeTool tool_;
  std::string docker_;
  Activation activation_;
  Done done_;
  std::string file_;
  std::string reason_;
  std::unique_ptr<HttpCall> check_;
  std::unique_ptr<ComposeProcess> run_;
  std::unique_ptr<SwarmWaiter> waiter_;
  Timer step_timer_;
  bool step_timed_out_ = false;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace berth
