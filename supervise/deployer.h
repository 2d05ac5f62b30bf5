// Deployer: the deployments of one app with a source. A deployment fetches the source into a
// new release directory (berth-fetch, as the app's user), then hands the release to the
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

#include "reactor/child_reaper.h"
#include "reactor/event_loop.h"
#include "store/deployments_repository.h"
#include "supervise/app_spec.h"
#include "supervise/event_bus.h"
#include "supervise/isolation.h"
#include "supervise/release_activator.h"

namespace berth {

struct DeployContext {
  EventLoop* loop;
  ChildReaper* reaper;
  AdminCommands* admin;
  const BerthPaths* paths;
  EventBus* bus;
  DeploymentsRepository* deployments;
  std::string fetch_program;  // berth-fetch
};

// Kept releases, the serving one included.
inline constexpr int kKeptReleases = 5;

class Deployer {
 public:
  // `switched`: `current` now points at another release (the app should restart on it).
  using DoneFn = std::function<void(const Status& status, bool switched)>;

  Deployer(DeployContext* context, std::string app);
  ~Deployer();

  // The release `current` points at, or nullopt before the first good deploy.
  std::optional<Release> Current(const AppSpec& spec) const;
  // The deployment under way, if any.
  std::optional<int64_t> running() const;

  // Starts a deployment of `spec`. Without `force` it stops early ("skipped") when the source's
  // revision is the one the current release came from. Conflict while another one runs, and
  // for a kind without a ReleaseActivator (only processes have one so far: the fetch and the
  // prepare steps run as a process app's user, in its dirs).
  Status Deploy(const AppSpec& spec, const std::string& trigger, bool force, DoneFn done);
  // Activates `release` again (a process app's `current` points back at it), or the newest
  // good release before the current one when `release` is empty.
  Status Rollback(const AppSpec& spec, const std::string& release, DoneFn done);

 private:
  class Job;
  Status StartJob(const AppSpec& spec, const std::string& trigger, bool force,
                  const std::string& rollback_to, DoneFn done);
  void Finished();
  Result<std::string> RollbackTarget(const AppSpec& spec, const std::string& wanted) const;

  DeployContext* context_;
  std::string app_;
  std::unique_ptr<Job> job_;
};

// <state>/apps/<name>: where an app's repo cache, releases and `current` live.
std::string AppRootDir(const BerthPaths& paths, const std::string& app);

}  // namespace berth
