// Deploying a compose app's release to a swarm with `docker stack deploy`, and back to the
// previous release when it does not become ready.
#include "supervise/swarm_activator.h"

#include <sys/wait.h>

#include <algorithm>

#include "reactor/child_process.h"
#include "reactor/clock.h"
#include "supervise/compose_activator.h"

namespace berth {
namespace {

// `config` reads files only.
constexpr long kConfigMs = 2 * 60 * 1000;

}  // namespace

SwarmActivator::SwarmActivator(AppSpec spec, ComposeContext context)
    : spec_(std::move(spec)), context_(std::move(context)), step_timer_(context_.loop, [this] {
        step_timed_out_ = true;
        if (run_) run_->Kill();
      }) {}

SwarmActivator::~SwarmActivator() = default;

void SwarmActivator::Log(const std::string& line) {
  if (activation_.log) activation_.log(line);
}

long SwarmActivator::TimeoutMs() const { return std::max(spec_.deploy.timeout_s, 1) * 1000L; }

void SwarmActivator::Activate(const Activation& activation, Done done) {
  activation_ = activation;
  done_ = std::move(done);
  auto tool = FindComposeTool();
  if (!tool.ok()) return End({tool.status()});
  tool_ = *tool;
  auto docker = FindDockerCli();
  if (!docker.ok()) return End({docker.status()});
  docker_ = *docker;
  auto file = ResolveComposeFile(*spec_.compose(), activation_.release.workdir);
  if (!file.ok()) return End({file.status()});
  file_ = *file;
  docker::DockerEngine* engine = context_.engine();
  engine->WhenReady([this, engine, alive = std::weak_ptr<int>(alive_)] {
    if (!alive.lock()) return;
    if (!engine->up()) return End({Status::Unavailable(engine->error())});
    check_ = CheckSwarmManager(engine, [this](Status manager) {
      context_.loop->Defer([call = std::shared_ptr<HttpCall>(std::move(check_))] {});
      OnManager(std::move(manager));
    });
  });
}

void SwarmActivator::OnManager(Status status) {
  if (!status.ok()) return End({status});
  Log("==> Compose: " + tool_.description + "; validating " + file_ + " (config --quiet)");
  std::vector<std::string> argv =
      ComposeCommand(tool_, spec_.name, *spec_.compose(), activation_.release.workdir, file_,
                     {"config", "--quiet"});
  Run(activation_.release.workdir, argv, "compose config", kConfigMs, &SwarmActivator::Validated);
}

void SwarmActivator::Run(const std::string& workdir, std::vector<std::string> argv,
                         const std::string& what, long timeout_ms, Next next) {
  step_timed_out_ = false;
  step_timer_.Start(timeout_ms);
  auto run = ComposeProcess::StartArgv(
      context_.loop, context_.reaper, spec_, context_.docker_host, workdir, std::move(argv),
      [this](OutputStream, std::string_view line) { Log(std::string(line)); },
      [this, what, next, alive = std::weak_ptr<int>(alive_)](int wait_status,
                                                             const std::string& last_error) {
        if (!alive.lock()) return;
        step_timer_.Stop();
        if (WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0)
          return (this->*next)(Status::Ok());
        std::string why = step_timed_out_ ? "it took too long and was killed" : last_error;
        (this->*next)(Status::Invalid(what + " failed (" + DescribeWaitStatus(wait_status) + ")" +
                                      (why.empty() ? "" : ": " + why)));
      });
  if (!run.ok()) {
    step_timer_.Stop();
    return End({run.status()});
  }
  if (run_) context_.loop->Defer([old = std::shared_ptr<ComposeProcess>(std::move(run_))] {});
  run_ = std::move(run).value();
}

std::vector<std::string> SwarmActivator::DeployArgv(const std::string& workdir) const {
  std::vector<std::string> argv = {docker_};
  for (std::string& arg : StackDeployArgs(spec_.name, *spec_.compose(), workdir, file_))
    argv.push_back(std::move(arg));
  return argv;
}

void SwarmActivator::Validated(Status status) {
  // The running stack is untouched: a broken file fails the deployment here.
  if (!status.ok()) return End({status});
  Log("==> docker stack deploy " + ComposeProjectName(spec_.name));
  Run(activation_.release.workdir, DeployArgv(activation_.release.workdir), "docker stack deploy",
      TimeoutMs(), &SwarmActivator::Deployed);
}

void SwarmActivator::Wait(std::function<void(Status)> then) {
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

void SwarmActivator::RollBack(const std::string& reason) {
  reason_ = reason;
  Log("==> " + reason);
  auto file = PreviousComposeFile(activation_, *spec_.compose(), reason);
  if (!file.ok()) return End({file.status()});
  const std::optional<Release>& previous = activation_.previous;
  file_ = *file;
  Log("==> rolling back to release " + previous->id + ": docker stack deploy");
  Run(previous->workdir, DeployArgv(previous->workdir), "docker stack deploy", TimeoutMs(),
      &SwarmActivator::RolledBackDeployed);
}

void SwarmActivator::RolledBackDeployed(Status status) {
  if (!status.ok())
    return End({Status::Invalid(reason_ + "; going back to release " + activation_.previous->id +
                                " failed too: " + status.message())});
  Wait([this](Status ready) {
    Log(ready.ok() ? "    release " + activation_.previous->id + " serves again"
                   : "    release " + activation_.previous->id +
                         " is deployed again, but not ready: " + ready.message());
    End({Status::Invalid(reason_), true});
  });
}

void SwarmActivator::End(ActivationResult result) {
  Done done = std::move(done_);
  done_ = nullptr;
  if (done) done(std::move(result));
}

}  // namespace berth
