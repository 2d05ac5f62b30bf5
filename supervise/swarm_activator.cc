// Deploying a compose app's release to a swarm with `docker stack deploy`, and back to the
// previous release when it does not become ready.
#include "supervise/swarm_activator.h"

#include "reactor/clock.h"

namespace berth {
namespace {

// `config` reads files only.
constexpr long kConfigMs = 2 * 60 * 1000;

}  // namespace

SwarmActivator::SwarmActivator(AppSpec spec, ComposeContext context)
    : StackActivator(std::move(spec), std::move(context)) {}

SwarmActivator::~SwarmActivator() = default;

void SwarmActivator::Activate(const Activation& activation, Done done) {
  if (!Begin(activation, std::move(done))) return;
  auto docker = FindDockerCli();
  if (!docker.ok()) return End({docker.status()});
  docker_ = *docker;
  WhenEngineUp([this](docker::DockerEngine* engine) {
    check_ = CheckSwarmManager(engine, [this](Status manager) {
      context_.loop->Defer([call = std::shared_ptr<HttpCall>(std::move(check_))] {});
      OnManager(std::move(manager));
    });
  });
}

void SwarmActivator::OnManager(Status status) {
  if (!status.ok()) return End({status});
  Log("==> Compose: " + tool_.description + "; validating " + file_ + " (config --quiet)");
  RunStep(activation_.release.workdir,
          ComposeArgv(activation_.release.workdir, {"config", "--quiet"}), "compose config",
          kConfigMs, [this](Status s) { Validated(std::move(s)); });
}

void SwarmActivator::Validated(Status status) {
  // The running stack is untouched: a broken file fails the deployment here.
  if (!status.ok()) return End({status});
  Log("==> docker stack deploy " + ComposeProjectName(spec_.name));
  BringUp(activation_.release.workdir, [this](Status s) { Deployed(std::move(s)); });
}

void SwarmActivator::BringUp(const std::string& workdir, StepDone then) {
  std::vector<std::string> argv = {docker_};
  for (std::string& arg : StackDeployArgs(spec_.name, *spec_.compose(), workdir, file_))
    argv.push_back(std::move(arg));
  RunStep(workdir, std::move(argv), "docker stack deploy", TimeoutMs(), std::move(then));
}

void SwarmActivator::Wait(StepDone then) {
  waiter_ = std::make_unique<SwarmWaiter>(
      context_.loop, context_.engine(), ComposeProjectName(spec_.name), WallClockMs(), TimeoutMs(),
      [this, then](Status ready) {
        context_.loop->Defer([old = std::shared_ptr<SwarmWaiter>(std::move(waiter_))] {});
        then(std::move(ready));
      });
}

void SwarmActivator::Deployed(Status status) {
  // From here on the stack was touched: a failure brings the previous release back.
  if (!status.ok()) return RollBack(status.message());
  Log("==> waiting up to " + std::to_string(spec_.deploy.timeout_s) +
      " s for every service to run its replicas");
  Wait([this](Status ready) { Ready(std::move(ready)); });
}

void SwarmActivator::Ready(Status status) {
  if (!status.ok()) return RollBack("the stack did not become ready: " + status.message());
  Log("    every service runs its replicas");
  End({PointCurrentAt(activation_.root, activation_.release.id)});
}

}  // namespace berth
