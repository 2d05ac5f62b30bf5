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

#include "supervise/stack_activator.h"
#include "supervise/swarm_stack.h"

namespace berth {

class SwarmActivator : public StackActivator {
 public:
  SwarmActivator(AppSpec spec, ComposeContext context);
  ~SwarmActivator() override;

  void Activate(const Activation& activation, Done done) override;

 private:
  // `docker stack deploy` of file_ in `workdir`.
  void BringUp(const std::string& workdir, StepDone then) override;
  // Until every service runs its desired replicas of its new spec.
  void Wait(StepDone then) override;
  std::string BringUpName() const override { return "docker stack deploy"; }

  void OnManager(Status status);
  void Validated(Status status);
  void Deployed(Status status);
  void Ready(Status status);

  std::string docker_;
  std::unique_ptr<HttpCall> check_;
  std::unique_ptr<SwarmWaiter> waiter_;
};

}  // namespace berth
