// Bringing a compose app's release up with the Compose tool, and back down to the previous one
// when it does not become healthy.
#include "supervise/compose_activator.h"

#include "reactor/atomic_file.h"

namespace berth {
namespace {

// `config` reads files only; a pull may fetch large images.
constexpr long kConfigMs = 2 * 60 * 1000;
constexpr long kPullMs = 30 * 60 * 1000;

}  // namespace

ComposeActivator::ComposeActivator(AppSpec spec, ComposeContext context)
    : StackActivator(std::move(spec), std::move(context)) {}

ComposeActivator::~ComposeActivator() = default;

void ComposeActivator::Activate(const Activation& activation, Done done) {
  if (!Begin(activation, std::move(done))) return;
  Log("==> Compose: " + tool_.description);
  if (size_t files = spec_.compose()->env_files.size(); tool_.v1 && files > 1)
    return End({Status::Invalid(
        "compose.env_files names " + std::to_string(files) +
            " files, but docker-compose v1, the Compose of this host, takes one: merge them or "
            "install the Compose v2 plugin",
        "compose.env_files")});
  WhenEngineUp([this](docker::DockerEngine*) {
    Log("==> validating " + file_ + " (config --quiet)");
    RunStep(activation_.release.workdir,
            ComposeArgv(activation_.release.workdir, {"config", "--quiet"}), "compose config",
            kConfigMs, [this](Status s) { Validated(std::move(s)); });
  });
}

void ComposeActivator::Validated(Status status) {
  // The running stack is untouched: a broken file fails the deployment here.
  if (!status.ok()) return End({status});
  rendered_.clear();
  RunStep(
      activation_.release.workdir,
      ComposeArgv(activation_.release.workdir, {"config", "--no-interpolate"}),
      "compose config --no-interpolate", kConfigMs, [this](Status s) { Rendered(std::move(s)); },
      &rendered_);
}

void ComposeActivator::Rendered(Status status) {
  std::string path = activation_.release.dir + "/" + kRenderedComposeFile;
  if (!status.ok()) {
    Log("    the rendered config is not kept: " + status.message());
  } else if (Status s = WriteFileAtomically(path, rendered_, 0640, Durability::kProcessCrash);
             !s.ok()) {
    Log("    the rendered config is not kept: " + s.message());
  } else {
    Log("    rendered config (without variables) kept in " + path);
  }
  if (activation_.rollback) return Pulled(Status::Ok());
  Log("==> pull --ignore-pull-failures");
  RunStep(activation_.release.workdir,
          ComposeArgv(activation_.release.workdir, {"pull", "--ignore-pull-failures"}),
          "compose pull", kPullMs, [this](Status s) { Pulled(std::move(s)); });
}

void ComposeActivator::Pulled(Status status) {
  // docker-compose 1.29 exits 1 even with --ignore-pull-failures when a registry cannot be
  // reached: an image that exists only on this host (or a registry down for a while) must not
  // stop the deployment. `up` fails if an image is really missing.
  if (!status.ok()) Log("    " + status.message() + ": going on with the images this host has");
  Log("==> up -d --remove-orphans");
  BringUp(activation_.release.workdir, [this](Status s) { Up(std::move(s)); });
}

void ComposeActivator::BringUp(const std::string& workdir, StepDone then) {
  RunStep(workdir, ComposeArgv(workdir, {"up", "-d", "--remove-orphans"}), "compose up",
          TimeoutMs(), std::move(then));
}

void ComposeActivator::Up(Status status) {
  // From here on the stack was touched: a failure brings the previous release back.
  if (!status.ok()) return RollBack(status.message());
  Log("==> waiting up to " + std::to_string(spec_.deploy.timeout_s) +
      " s for every service to run and be healthy");
  Wait([this](Status ready) { Ready(std::move(ready)); });
}

void ComposeActivator::Wait(StepDone then) {
  waiter_ = std::make_unique<StackWaiter>(
      context_.loop, context_.engine(), ComposeProjectName(spec_.name), true, TimeoutMs(),
      [this, then](Status ready) {
        context_.loop->Defer([waiter = std::shared_ptr<StackWaiter>(std::move(waiter_))] {});
        then(std::move(ready));
      });
}

void ComposeActivator::Ready(Status status) {
  if (!status.ok()) return RollBack("the stack did not become ready: " + status.message());
  Log("    every service runs");
  End({PointCurrentAt(activation_.root, activation_.release.id)});
}

}  // namespace berth
