// ReleaseActivator: the per-kind end of a deployment (deployer.h). Once the source is fetched
// into a release, the deployment runs the kind's prepare steps, then asks the kind to activate
// the release. For a process: the install of release_plan, then `current` pointed at the
// release (the app restarts on it afterwards). For a compose stack (compose_activator.h): the
// Compose tool validates, pulls and brings up the release's files, and the deployment waits
// until the stack is healthy, going back to the previous release when it is not.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "supervise/app_spec.h"
#include "supervise/release_plan.h"

namespace berth {

// A release of an app: for an app with a source, <app root>/releases/<id>, its workdir the
// source's subdir in it; for a container app, the image id its deployment pulled.
struct Release {
  std::string id;
  std::string dir;
  std::string workdir;
  std::string image;  // "sha256:…" (container apps)
};

// What an activation is asked to do.
struct Activation {
  std::string root;                 // the app's files: <state>/apps/<name>
  Release release;                  // the release to serve, fresh or older (a rollback)
  std::optional<Release> previous;  // what serves now; nullopt on a first deployment
  bool rollback = false;            // by hand, to an earlier release: nothing is pulled
  std::function<void(std::string_view line)> log;  // the deployment's log
};

// How an activation ended: Ok, or what failed; `rolled_back` when it had already changed what
// runs and put `previous` back.
struct ActivationResult {
  Status status;
  bool rolled_back = false;
};

struct DeployContext;

class ReleaseActivator {
 public:
  using Done = std::function<void(ActivationResult)>;

  virtual ~ReleaseActivator() = default;
  // The commands that make the release in `workdir` ready to serve: the deployment runs them
  // in order, in `workdir`, as the app's user, each a child whose output goes to its log,
  // with `path_dirs` first on PATH. None: nothing to prepare.
  virtual InstallPlan Prepare(const std::string& workdir) const = 0;
  // Makes `activation.release` the one the app serves, and calls `done` with how that went: at
  // once or later on the loop, never after the activator is destroyed (which stops what it
  // runs). Deployer::Current() then names the release: every kind points `<root>/current` at
  // it (PointCurrentAt) once it serves, and leaves it alone otherwise.
  virtual void Activate(const Activation& activation, Done done) = 0;
};

// The activator for `spec`'s kind; nullptr for a kind that cannot deploy from a source (a
// compose app's needs `context`, for Docker).
std::unique_ptr<ReleaseActivator> MakeReleaseActivator(const AppSpec& spec,
                                                       const DeployContext* context = nullptr);

// Points <root>/current at releases/<id>, atomically (a new link renamed over the old one).
Status PointCurrentAt(const std::string& root, const std::string& id);

}  // namespace berth
