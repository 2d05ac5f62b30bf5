// The state machine and log streams shared by the runtimes of compose apps.
#include "supervise/stack_runtime.h"

#include <utility>

#include "reactor/clock.h"
#include "reactor/log.h"

namespace berth {
namespace {

int64_t NowS() { return WallClockMs() / 1000; }

}  // namespace

StackRuntime::StackRuntime(ComposeContext context, Events events)
    : context_(std::move(context)), events_(std::move(events)) {}

StackRuntime::~StackRuntime() = default;

docker::DockerEngine* StackRuntime::Engine() {
  if (!engine_) {
    engine_ = context_.engine();
    OnEngine(engine_);
  }
  return engine_;
}

void StackRuntime::Start(const AppSpec& spec) {
  spec_ = spec;
  starting_ = true;
  stopping_ = false;
  docker::DockerEngine* engine = Engine();
  engine->WhenReady([this, engine, alive = std::weak_ptr<int>(alive_)] {
    if (!alive.lock() || !starting_) return;
    if (!engine->up()) return FailStart(engine->error());
    // A container's output from its start (or from where an earlier stream of it ended).
    logs_since_s_ = 0;
    Launch();
  });
}

void StackRuntime::FailStart(const std::string& error) {
  starting_ = false;
  events_.start_failed(error);
}

void StackRuntime::Started() {
  starting_ = false;
  running_ = true;
  Refresh();
  events_.started(RuntimeInfo{});
}

bool StackRuntime::Stop(int, double timeout_s) {
  if (starting_) {
    // Not started yet: what the start made stays as it is, for the next stop or removal.
    starting_ = false;
    FreeLater(run_);
    AbandonStart();
    FinishOnNextTurn(context_.loop, alive_, &events_);
    return true;
  }
  if (!running_) return false;
  if (stopping_) return true;
  stopping_ = true;
  StopRunning(timeout_s);
  return true;
}

void StackRuntime::Stopped(Status status) {
  if (!status.ok()) LogWarn("app " + spec_.name + ": " + status.message());
  running_ = stopping_ = false;
  for (auto& [id, logs] : logs_) {
    logs_ended_s_[id] = NowS();
    FreeLater(logs);
  }
  logs_.clear();
  SetProblem("");
  OnStopped();
  events_.finished(
      RuntimeExit{.exit_code = status.ok() ? 0 : -1,
                  .clean = status.ok(),
                  .description = status.ok() ? StoppedDescription() : status.message()});
}

void StackRuntime::Recover(const AppSpec& spec, RecoverFn done) {
  spec_ = spec;
  docker::DockerEngine* engine = Engine();
  engine->WhenReady([this, engine, done, alive = std::weak_ptr<int>(alive_)] {
    if (!alive.lock()) return;
    if (!engine->up()) return done(std::nullopt);
    Find(done);
  });
}

void StackRuntime::Adopted() {
  // Adopted as it runs: no second start; its output from now on.
  running_ = true;
  logs_since_s_ = NowS();
}

void StackRuntime::SetProblem(const std::string& problem) {
  if (problem == problem_) return;
  problem_ = problem;
  if (!problem.empty()) LogWarn("app " + spec_.name + ": " + problem);
  if (events_.problem) events_.problem(problem);
}

void StackRuntime::FollowLogs(const std::vector<LogSource>& sources, const char* collection) {
  for (const LogSource& source : sources) {
    auto it = logs_.find(source.id);
    if (it != logs_.end() && !it->second->ended()) continue;
    if (it != logs_.end()) FreeLater(it->second);
    auto ended = logs_ended_s_.find(source.id);
    int64_t since = ended != logs_ended_s_.end() ? ended->second : logs_since_s_;
    std::string id = source.id, service = source.service;
    logs_[id] = std::make_unique<ContainerLogs>(
        context_.loop, engine_, id, false,
        ContainerLogs::Callbacks{.line =
                                     [this, service](LogStream stream, std::string_view line) {
                                       lines_.assign(1, line);
                                       events_.service_lines(service, stream, lines_);
                                     },
                                 .ended = [this, id] { logs_ended_s_[id] = NowS(); }},
        since, collection);
  }
}

void StackRuntime::Keep(std::unique_ptr<ComposeProcess>* slot,
                        std::unique_ptr<ComposeProcess> run) {
  FreeLater(*slot);
  *slot = std::move(run);
}

}  // namespace berth
