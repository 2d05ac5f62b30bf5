// ReleaseActivator: the per-kind end of a deployment (deployer.h). Once the source is fetched
// into a release, the deployment runs the kind's prepare steps, then asks the kind to activate
// the release. For a process: the install of release_plan, then `current` pointed at the
// release (the app restarts on it afterwards). A container app will pull its image to
// prepare, and record the image's digest and recreate its container to activate.
#pragma once

#include <functional>
#include <memory>
#include <string>

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

class ReleaseActivator {
 public:
  using Done = std::function<void(const Status&)>;

  virtual ~ReleaseActivator() = default;
  // The commands that make the release in `workdir` ready to serve: the deployment runs them
  // in order, in `workdir`, as the app's user, each a child whose output goes to its log,
  // with `path_dirs` first on PATH. None: nothing to prepare.
  virtual InstallPlan Prepare(const std::string& workdir) const = 0;
  // Makes `release` (of the app whose files are under `root`) the one the app serves, fresh or
  // older (a rollback), and calls `done` with Ok or what failed: at once or later on the
  // loop, never after the activator is destroyed. Deployer::Current() then names `release`:
  // every kind points `<root>/current` at it (PointCurrentAt) once it serves.
  virtual void Activate(const std::string& root, const Release& release, Done done) = 0;
};

// The activator for `spec`'s kind; nullptr for a kind that cannot deploy from a source yet.
std::unique_ptr<ReleaseActivator> MakeReleaseActivator(const AppSpec& spec);

// Points <root>/current at releases/<id>, atomically (a new link renamed over the old one).
Status PointCurrentAt(const std::string& root, const std::string& id);

}  // namespace berth
