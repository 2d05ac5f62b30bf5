// SourceDeployer: the deployments of an app with a source. A deployment fetches the source into
// a new release directory (berth-fetch, as the app's user), then hands the release to the
// ReleaseActivator of the app's kind (release_activator.h): its prepare steps run (a process
// app's install), then it activates the release (a process app's `current` points at it), and
// the deployment reports back so the app restarts; a step that fails leaves the serving release
// alone. Every fetch and prepare step is a child process whose output goes to the deployment's
// log.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "supervise/deployer.h"

namespace berth {

class SourceDeployer : public Deployer {
 public:
  // `handover`: puts a prepared release to work before it is activated (none: the app
  // restarts on it afterwards).
  SourceDeployer(DeployContext* context, std::string app, HandoverFn handover = {});
  ~SourceDeployer() override;

  // The release `current` points at, or nullopt before the first good deploy.
  std::optional<Release> Current(const AppSpec& spec) const override;
  std::optional<int64_t> running() const override;
  // The revision the current release was deployed from ("" when unknown).
  std::string ServingRevision(const AppSpec& spec) const override;
  // Without `force`, "skipped" when the source's revision is the one the current release came
  // from. Conflict for a kind without a ReleaseActivator (processes and compose stacks have
  // one: the fetch and the prepare steps run as the app's user, in its dirs).
  Status Deploy(const AppSpec& spec, const std::string& trigger, bool force,
                DoneFn done) override;
  // Activates `release` again (a process app's `current` points back at it; a compose stack
  // is brought up on its files).
  Status Rollback(const AppSpec& spec, const std::string& release, DoneFn done) override;

 private:
  class Job;
  Status StartJob(const AppSpec& spec, const std::string& trigger, bool force,
                  const std::string& rollback_to, DoneFn done);
  void Finished();
  Result<std::string> RollbackTarget(const AppSpec& spec, const std::string& wanted) const;

  DeployContext* context_;
  std::string app_;
  HandoverFn handover_;
  std::unique_ptr<Job> job_;
};

}  // namespace berth
