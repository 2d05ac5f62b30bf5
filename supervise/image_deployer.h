// ImageDeployer: the deployments of a container app. A deployment finds the image id the app's
// `image` names (pulled when it is missing; pulled again by a redeploy), records it as the
// deployment's revision, and that deployment becomes the app's release: every start of the app
// runs that image id, until the next deployment or a rollback. A redeploy that finds the id
// the current release runs is "skipped" (unless forced). A rollback serves an earlier
// release's image id again, when Docker still has it. Pull progress is the deployment's log.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "supervise/deployer.h"
#include "supervise/deployment_log.h"
#include "supervise/runtime.h"

namespace berth {

class ImageDeployer : public Deployer {
 public:
  // REQUIRES: `context` outlives the deployer. `runtime`: the app's, which pulls. `handover`:
  // puts a deployed release to work (none: the app restarts on it).
  ImageDeployer(DeployContext* context, std::string app, RuntimeAccess runtime,
                HandoverFn handover = {});
  // A deployment under way is recorded as failed: the app was deleted.
  ~ImageDeployer() override;

  // The newest succeeded deployment, when it deployed `spec`'s image (a changed `image` has no
  // release until it is deployed).
  std::optional<Release> Current(const AppSpec& spec) const override;
  std::optional<int64_t> running() const override;
  // The image id the current release runs.
  std::string ServingRevision(const AppSpec& spec) const override;
  // Triggers "start" and "change" pull only a missing image; every other one pulls.
  Status Deploy(const AppSpec& spec, const std::string& trigger, bool force,
                DoneFn done) override;
  Status Rollback(const AppSpec& spec, const std::string& release, DoneFn done) override;

 private:
  struct Job;
  Status Begin(const AppSpec& spec, const std::string& trigger, bool force,
               std::optional<Release> target, DoneFn done);
  void OnFetched(Result<std::string> image);
  void OnChecked(const Status& status);
  // Hands the release found to the app (handover_), then finishes.
  void HandOver();
  void Finish(DeployOutcome outcome, const std::string& error);
  void Publish(const std::string& phase, const std::string& error = "");
  // The release a rollback serves: `wanted`, or the newest good one before the current.
  Result<Release> RollbackTarget(const AppSpec& spec, const std::string& wanted) const;

  DeployContext* context_;
  std::string app_;
  RuntimeAccess runtime_;
  HandoverFn handover_;
  std::unique_ptr<Job> job_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace berth
