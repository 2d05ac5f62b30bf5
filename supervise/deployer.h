// Deployer: the deployments of one app, for the kinds that deploy: what the app serves now
// (Current), a fresh deployment (Deploy) and going back to an earlier one (Rollback). Every
// deployment is a row of the deployments table with its trigger, revision, outcome and log.
// An app with a source deploys with a SourceDeployer (source_deployer.h: fetch, install, point
// `current` at the release); a container app with an ImageDeployer (image_deployer.h: pull,
// and pin the image id the container runs).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "base/status.h"
#include "reactor/child_reaper.h"
#include "reactor/event_loop.h"
#include "store/deployments_repository.h"
#include "supervise/app_spec.h"
#include "supervise/docker/docker_engine.h"
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
  // The Docker Engine, connected on first use: compose deployments wait on it.
  std::function<docker::DockerEngine*()> docker;
};

// How a deployment puts its release to work before it counts as done, for apps that deploy
// without downtime (App::HandOver: the release starts beside the serving instance, and the
// routes switch to it once it is healthy). `done` runs once, later or at once:
// (Ok, true) the release serves now; (error) the deployment fails, the old release serves on;
// (Ok, false) not this way: the app restarts on the release once the deployment succeeded.
using HandoverDone = std::function<void(const Status& status, bool handed_over)>;
using HandoverFn = std::function<void(const Release& release,
                                      std::function<void(std::string_view line)> log,
                                      HandoverDone done)>;

// Kept releases, the serving one included.
inline constexpr int kKeptReleases = 5;

class Deployer {
 public:
  // `switched`: the app now serves another release (it should restart on it).
  using DoneFn = std::function<void(const Status& status, bool switched)>;

  virtual ~Deployer() = default;

  // The release the app serves, or nullopt before the first good deployment (then a start
  // deploys first).
  virtual std::optional<Release> Current(const AppSpec& spec) const = 0;
  // The deployment under way, if any.
  virtual std::optional<int64_t> running() const = 0;
  // What the current release was deployed from, as a poll compares it with what the source
  // offers now: a git commit sha, an image's repo digest; "" when unknown.
  virtual std::string ServingRevision(const AppSpec& spec) const = 0;
  // Starts a deployment of `spec`. Without `force` it stops early ("skipped") when what it
  // found is what the current release serves. Conflict while another one runs. `done` runs
  // once, later, never after the Deployer is destroyed.
  virtual Status Deploy(const AppSpec& spec, const std::string& trigger, bool force,
                        DoneFn done) = 0;
  // Serves `release` again, or the newest good release before the current one when `release`
  // is empty. NotFound for a release that is not kept; Conflict when there is none earlier.
  virtual Status Rollback(const AppSpec& spec, const std::string& release, DoneFn done) = 0;
};

// <state>/apps/<name>: where an app's repo cache, releases and `current` live.
std::string AppRootDir(const BerthPaths& paths, const std::string& app);

}  // namespace berth
