// Starting, stopping, adopting and watching Swarm stacks.
#include "supervise/swarm_runtime.h"

#include <algorithm>
#include <utility>

#include "reactor/clock.h"
#include "reactor/log.h"

namespace berth {
namespace {

using nlohmann::json;

// Swarm sends no task events to berthd: its stack is read again this often.
constexpr long kPollMs = 2000;

}  // namespace

SwarmRuntime::SwarmRuntime(ComposeContext context, Events events)
    : StackRuntime(std::move(context), std::move(events)),
      poll_timer_(context_.loop, [this] { Poll(); }) {}

SwarmRuntime::~SwarmRuntime() = default;

void SwarmRuntime::Run(const std::vector<std::string>& args, RunDone done) {
  const ComposeSpec* compose = spec_.compose();
  // `stack rm` needs no files: it runs where the release is, or in / when there is none.
  std::string workdir =
      compose && !compose->release_workdir.empty() ? compose->release_workdir : "/";
  auto docker = FindDockerCli();
  if (!docker.ok()) return done(docker.status());
  std::vector<std::string> argv = {*docker};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string app = spec_.name, what = "docker " + args[0] + " " + args[1];
  auto run = ComposeProcess::StartArgv(
      context_.loop, context_.reaper, spec_, context_.docker_host, workdir, std::move(argv),
      [app](OutputStream, std::string_view line) {
        if (!line.empty()) LogInfo("app " + app + ": docker stack: " + std::string(line));
      },
      [what, done](int wait_status, const std::string& last_error) {
        done(ToolStatus(what, wait_status, last_error));
      });
  if (!run.ok()) return done(run.status());
  Keep(&run_, std::move(run).value());
}

void SwarmRuntime::Launch() {
  check_ = CheckSwarmManager(engine_, [this](Status manager) {
    FreeLater(check_);
    if (!starting_) return;
    if (!manager.ok()) return FailStart(manager.message());
    Deploy();
  });
}

void SwarmRuntime::Deploy() {
  const ComposeSpec& compose = *spec_.compose();
  if (compose.release_workdir.empty())
    return FailStart("the stack has no release to run yet: deploy it");
  auto file = ResolveComposeFile(compose, compose.release_workdir);
  if (!file.ok()) return FailStart(file.status().message());
  Run(StackDeployArgs(spec_.name, compose, compose.release_workdir, *file),
      [this](Status deployed) {
        if (!starting_) return;
        if (!deployed.ok()) return FailStart(deployed.message());
        waiter_ = std::make_unique<SwarmWaiter>(context_.loop, Engine(), project(), WallClockMs(),
                                                std::max(spec_.deploy.timeout_s, 1) * 1000L,
                                                [this](Status ready) {
                                                  FreeLater(waiter_);
                                                  if (!starting_) return;
                                                  if (!ready.ok())
                                                    return FailStart(ready.message());
                                                  Started();
                                                });
      });
}

void SwarmRuntime::AbandonStart() { FreeLater(waiter_); }

void SwarmRuntime::StopRunning(double) {
  // Swarm stops each task within the service's stop_grace_period; the stack is gone once its
  // last task is (seen by Poll).
  Run({"stack", "rm", project()}, [this](Status removed) {
    if (!stopping_) return;
    if (!removed.ok()) return Stopped(std::move(removed));
    Poll();
  });
}

void SwarmRuntime::OnStopped() {
  poll_timer_.Stop();
  // The next deploy makes new services: no stream goes on where an old one ended.
  logs_ended_s_.clear();
}

void SwarmRuntime::Find(RecoverFn done) {
  auto on_found = [this, done](Result<SwarmStack> found) {
    FreeLater(reader_);
    if (!found.ok() || found->services.empty()) return done(std::nullopt);
    Adopted();
    OnStack(std::move(found));
    poll_timer_.Start(kPollMs);
    done(RuntimeInfo{});
  };
  reader_ = std::make_unique<SwarmStackReader>(engine_, project(), std::move(on_found));
}

void SwarmRuntime::Poll() {
  poll_timer_.Stop();
  if (reader_ || !engine_) return;
  reader_ =
      std::make_unique<SwarmStackReader>(engine_, project(), [this](Result<SwarmStack> stack) {
        FreeLater(reader_);
        OnStack(std::move(stack));
        if (running_) poll_timer_.Start(kPollMs);
      });
}

void SwarmRuntime::OnStack(Result<SwarmStack> stack) {
  if (!running_) return;
  if (!stack.ok()) return SetProblem(stack.status().message());
  json detail = SwarmStackJson(*stack);
  if (detail != detail_) ++detail_version_;
  detail_ = std::move(detail);
  stack_ = std::move(stack).value();
  if (stopping_) {
    if (stack_.services.empty() && stack_.task_count == 0) Stopped(Status::Ok());
    return;
  }
  if (stack_.services.empty())
    return Stopped(Status::Unavailable("the stack's services were removed from the swarm"));
  std::vector<LogSource> sources;
  for (const SwarmService& s : stack_.services) sources.push_back({s.id, s.service});
  FollowLogs(sources, "services");
  std::string why;
  SetProblem(SwarmReadiness(stack_, WallClockMs(), &why) == StackReadiness::kReady ? "" : why);
}

void SwarmRuntime::Stats(StatsFn done) {
  RuntimeStats stats;
  stats.services = json::array();
  for (const SwarmService& s : stack_.services)
    stats.services.push_back({{"name", s.service}, {"desired", s.desired}, {"running", s.running}});
  done(std::move(stats));
}

Status SwarmRuntime::PauseSupported() const {
  return Status::Conflict(
      "pause is not supported for swarm apps: stop the app (docker stack rm; named volumes "
      "stay), or set the replicas in the compose file and deploy");
}

void SwarmRuntime::Pause(std::function<void(Status)> done) { done(PauseSupported()); }

void SwarmRuntime::Resume(std::function<void(Status)> done) { Pause(std::move(done)); }

void SwarmRuntime::Remove(std::function<void()> done) {
  std::string app = spec_.name;
  Run({"stack", "rm", project()}, [app, done](Status removed) {
    if (!removed.ok()) LogWarn("app " + app + ": its stack is left: " + removed.message());
    done();
  });
}

json SwarmRuntime::Detail() const {
  json detail = detail_.is_object() ? detail_ : SwarmStackJson(stack_);
  detail["stats"] = "replicas only: the usage of a swarm's containers is not gathered";
  return detail;
}

bool SwarmRuntime::Healthy() const {
  std::string why;
  return SwarmReadiness(stack_, WallClockMs(), &why) == StackReadiness::kReady;
}

}  // namespace berth
