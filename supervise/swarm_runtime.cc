// Starting, stopping, adopting and watching Swarm stacks.
#include "supervise/swarm_runtime.h"

#include <sys/wait.h>

#include <algorithm>
#include <utility>

#include "reactor/child_process.h"
#include "reactor/clock.h"
#include "reactor/log.h"

namespace berth {
namespace {

using nlohmann::json;

// Swarm sends no task events to berthd: its stack is read again this often.
constexpr long kPollMs = 2000;

int64_t NowS() { return WallClockMs() / 1000; }

}  // namespace

SwarmRuntime::SwarmRuntime(ComposeContext context, Events events)
    : context_(std::move(context)),
      events_(std::move(events)),
      poll_timer_(context_.loop, [this] { Poll(); }) {}

SwarmRuntime::~SwarmRuntime() = default;

docker::DockerEngine* SwarmRuntime::Engine() {
  if (!engine_) engine_ = context_.engine();
  return engine_;
}

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
        if (WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0) return done(Status::Ok());
        done(Status::Unavailable(what + " failed (" + DescribeWaitStatus(wait_status) + ")" +
                                 (last_error.empty() ? "" : ": " + last_error)));
      });
  if (!run.ok()) return done(run.status());
  if (run_) context_.loop->Defer([old = std::shared_ptr<ComposeProcess>(std::move(run_))] {});
  run_ = std::move(run).value();
}

void SwarmRuntime::Start(const AppSpec& spec) {
  spec_ = spec;
  project_ = ComposeProjectName(spec_.name);
  starting_ = true;
  stopping_ = false;
  docker::DockerEngine* engine = Engine();
  engine->WhenReady([this, engine, alive = std::weak_ptr<int>(alive_)] {
    if (!alive.lock() || !starting_) return;
    if (!engine->up()) return FailStart(engine->error());
    check_ = CheckSwarmManager(engine, [this](Status manager) {
      context_.loop->Defer([call = std::shared_ptr<HttpCall>(std::move(check_))] {});
      if (!starting_) return;
      if (!manager.ok()) return FailStart(manager.message());
      Deploy();
    });
  });
}

void SwarmRuntime::Deploy() {
  const ComposeSpec& compose = *spec_.compose();
  if (compose.release_workdir.empty())
    return FailStart("the stack has no release to run yet: deploy it");
  auto file = ResolveComposeFile(compose, compose.release_workdir);
  if (!file.ok()) return FailStart(file.status().message());
  // A service's output from its start (the stack is new, or was deployed by the deployment).
  logs_since_s_ = 0;
  Run(StackDeployArgs(spec_.name, compose, compose.release_workdir, *file),
      [this](Status deployed) {
        if (!starting_) return;
        if (!deployed.ok()) return FailStart(deployed.message());
        waiter_ = std::make_unique<SwarmWaiter>(
            context_.loop, Engine(), project_, WallClockMs(),
            std::max(spec_.deploy.timeout_s, 1) * 1000L, [this](Status ready) {
              context_.loop->Defer([old = std::shared_ptr<SwarmWaiter>(std::move(waiter_))] {});
              if (!starting_) return;
              if (!ready.ok()) return FailStart(ready.message());
              Started();
            });
      });
}

void SwarmRuntime::FailStart(const std::string& error) {
  starting_ = false;
  events_.start_failed(error);
}

void SwarmRuntime::Started() {
  starting_ = false;
  running_ = true;
  Poll();
  events_.started(RuntimeInfo{});
}

bool SwarmRuntime::Stop(int, double) {
  if (starting_) {
    // Not started yet: what the deploy made stays, removed by the next stop or removal.
    starting_ = false;
    if (run_) context_.loop->Defer([old = std::shared_ptr<ComposeProcess>(std::move(run_))] {});
    if (waiter_) context_.loop->Defer([old = std::shared_ptr<SwarmWaiter>(std::move(waiter_))] {});
    FinishOnNextTurn(context_.loop, alive_, &events_);
    return true;
  }
  if (!running_) return false;
  if (stopping_) return true;
  stopping_ = true;
  // Swarm stops each task within the service's stop_grace_period; the stack is gone once its
  // last task is (seen by Poll).
  Run({"stack", "rm", project_}, [this](Status removed) {
    if (!stopping_) return;
    if (!removed.ok()) return Stopped(std::move(removed));
    Poll();
  });
  return true;
}

void SwarmRuntime::Stopped(Status status) {
  if (!status.ok()) LogWarn("app " + spec_.name + ": " + status.message());
  running_ = stopping_ = false;
  poll_timer_.Stop();
  for (auto& [id, logs] : logs_)
    context_.loop->Defer([old = std::shared_ptr<ContainerLogs>(std::move(logs))] {});
  logs_.clear();
  logs_ended_s_.clear();
  ReportProblem("");
  events_.finished(RuntimeExit{
      .exit_code = status.ok() ? 0 : -1,
      .clean = status.ok(),
      .description = status.ok() ? "the stack was removed from the swarm" : status.message()});
}

void SwarmRuntime::Recover(const AppSpec& spec, RecoverFn done) {
  spec_ = spec;
  project_ = ComposeProjectName(spec_.name);
  docker::DockerEngine* engine = Engine();
  engine->WhenReady([this, engine, done, alive = std::weak_ptr<int>(alive_)] {
    if (!alive.lock()) return;
    if (!engine->up()) return done(std::nullopt);
    reader_ = std::make_unique<SwarmStackReader>(
        engine, project_, [this, done](Result<SwarmStack> found) {
          context_.loop->Defer([old = std::shared_ptr<SwarmStackReader>(std::move(reader_))] {});
          if (!found.ok() || found->services.empty()) return done(std::nullopt);
          // Adopted as it runs: no second deploy; its output from now on.
          running_ = true;
          logs_since_s_ = NowS();
          OnStack(std::move(found));
          poll_timer_.Start(kPollMs);
          done(RuntimeInfo{});
        });
  });
}

void SwarmRuntime::Poll() {
  poll_timer_.Stop();
  if (reader_ || !engine_) return;
  reader_ = std::make_unique<SwarmStackReader>(engine_, project_, [this](Result<SwarmStack> stack) {
    context_.loop->Defer([old = std::shared_ptr<SwarmStackReader>(std::move(reader_))] {});
    OnStack(std::move(stack));
    if (running_) poll_timer_.Start(kPollMs);
  });
}

void SwarmRuntime::OnStack(Result<SwarmStack> stack) {
  if (!running_) return;
  if (!stack.ok()) return ReportProblem(stack.status().message());
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
  FollowLogs();
  std::string why;
  ReportProblem(SwarmReadiness(stack_, WallClockMs(), &why) == StackReadiness::kReady ? "" : why);
}

void SwarmRuntime::ReportProblem(const std::string& problem) {
  if (problem == problem_) return;
  problem_ = problem;
  if (!problem.empty()) LogWarn("app " + spec_.name + ": " + problem);
  if (events_.problem) events_.problem(problem);
}

void SwarmRuntime::FollowLogs() {
  for (const SwarmService& s : stack_.services) {
    auto it = logs_.find(s.id);
    if (it != logs_.end() && !it->second->ended()) continue;
    if (it != logs_.end())
      context_.loop->Defer([old = std::shared_ptr<ContainerLogs>(std::move(it->second))] {});
    auto ended = logs_ended_s_.find(s.id);
    int64_t since = ended != logs_ended_s_.end() ? ended->second : logs_since_s_;
    std::string id = s.id, service = s.service;
    logs_[id] = std::make_unique<ContainerLogs>(
        context_.loop, engine_, id, false,
        ContainerLogs::Callbacks{.line =
                                     [this, service](LogStream stream, std::string_view line) {
                                       lines_.assign(1, line);
                                       events_.service_lines(service, stream, lines_);
                                     },
                                 .ended = [this, id] { logs_ended_s_[id] = NowS(); }},
        since, "services");
  }
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
  if (project_.empty()) project_ = ComposeProjectName(app);
  Run({"stack", "rm", project_}, [app, done](Status removed) {
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
