// ComposeActivator: how a compose app's release becomes the serving one. Nothing to prepare as
// the app's user; activating runs the Compose tool (as berthd, which has the Docker socket) on
// the release's files: `config --quiet` validates them without touching the running stack,
// `config --no-interpolate` keeps the rendered config in the release (variables and secrets
// left as ${NAME}), `pull --ignore-pull-failures` (best effort: a failed pull is logged and the
// images this host has are used, so an image that exists only here works), then `up -d --remove-orphans` (only changed services are recreated), and a
// wait until every container runs and is healthy, within the app's deploy.timeout. Once `up`
// began, a failure brings the previous release back up the same way.
#pragma once

#include <string>

#include "supervise/stack_activator.h"

namespace berth {

// The file, beside a release's sources, that keeps the config it was deployed with.
inline constexpr char kRenderedComposeFile[] = ".berth-compose.yml";

class ComposeActivator : public StackActivator {
 public:
  ComposeActivator(AppSpec spec, ComposeContext context);
  ~ComposeActivator() override;

  void Activate(const Activation& activation, Done done) override;

 private:
  // `up -d --remove-orphans` on the files in `workdir`.
  void BringUp(const std::string& workdir, StepDone then) override;
  // Until every container runs, and is healthy where it has a healthcheck.
  void Wait(StepDone then) override;
  std::string BringUpName() const override { return "up -d --remove-orphans"; }

  void Validated(Status status);
  void Rendered(Status status);
  void Pulled(Status status);
  void Up(Status status);
  void Ready(Status status);

  std::string rendered_;  // `config --no-interpolate`'s output
  std::unique_ptr<StackWaiter> waiter_;
};

}  // namespace berth
