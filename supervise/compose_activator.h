// ComposeActivator: how a compose app's release becomes the serving one. Nothing to prepare as
// the app's user; activating runs the Compose tool (as berthd, which has the Docker socket) on
// the release's files: `config --quiet` validates them without touching the running stack,
// `config --no-interpolate` keeps the rendered config in the release (variables and secrets
// left as ${NAME}), `pull --ignore-pull-failures` (best effort: a failed pull is logged and the
// images this host has are used, so an image that exists only here works), then `up -d --remove-orphans` (only changed services are recreated), and a
// wait until every container runs and is healthy, within the app's deploy.timeout. Once `up`
// began, a failure brings the previous release back up the same way.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "supervise/compose_process.h"
#include "supervise/compose_stack.h"
#include "supervise/release_activator.h"

namespace berth {

// The file, beside a release's sources, that keeps the config it was deployed with.
inline constexpr char kRenderedComposeFile[] = ".berth-compose.yml";

// For going back after `reason` (a stack deployment that failed once it began): the compose file
// of `activation.previous`, or the Invalid that ends the activation (no earlier release, or its
// file is missing). Shared with the swarm activator.
Result<std::string> PreviousComposeFile(const Activation& activation, const ComposeSpec& compose,
                                        const std::string& reason);

class ComposeActivator : public ReleaseActivator {
 public:
  ComposeActivator(AppSpec spec, ComposeContext context);
  ~ComposeActivator() override;

  InstallPlan Prepare(const std::string&) const override { return {}; }
  void Activate(const Activation& activation, Done done) override;

 private:
  using Next = void (ComposeActivator::*)(int wait_status, const std::string& last_error);

  // Runs the tool on `workdir`'s files; its lines go to the log (stdout to `*capture` instead,
  // when given); `next` follows.
  void Run(const std::string& workdir, const std::vector<std::string>& command, Next next,
           long timeout_ms, std::string* capture = nullptr);
  bool Succeeded(int wait_status, const std::string& last_error, const std::string& what);
  void Validated(int wait_status, const std::string& last_error);
  void Rendered(int wait_status, const std::string& last_error);
  void Pulled(int wait_status, const std::string& last_error);
  void Up(int wait_status, const std::string& last_error);
  void Ready(Status status);
  // After `up` began: brings activation_.previous back up, then reports `reason`.
  void RollBack(const std::string& reason);
  void RolledBackUp(int wait_status, const std::string& last_error);
  void End(ActivationResult result);
  void Log(const std::string& line);

  AppSpec spec_;
  ComposeContext context_;
  ComposeTool tool_;
  Activation activation_;
  Done done_;
  std::string file_;      // the compose file of the release being brought up
  std::string rendered_;  // `config --no-interpolate`'s output
  std::string reason_;    // why the release is being rolled back
  std::unique_ptr<ComposeProcess> run_;
  std::unique_ptr<StackWaiter> waiter_;
  Timer step_timer_;
  bool step_timed_out_ = false;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace berth
