// The app state machine: starting, crash restarts, backoff, stopping.
#include "supervise/app.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "reactor/clock.h"
#include "supervise/container_runtime.h"
#include "supervise/git_remote_probe.h"
#include "supervise/image_deployer.h"
#include "supervise/registry_digest_probe.h"
#include "supervise/release_plan.h"
#include "supervise/source_deployer.h"

namespace berth {
namespace {

// The delay before retry number `failures` (1-based): initial * 2^(failures-1), capped.
long BackoffDelayMs(const Backoff& backoff, int failures) {
  double delay = backoff.initial_ms * std::pow(2.0, std::max(0, failures - 1));
  return static_cast<long>(std::min<double>(delay, backoff.max_ms));
}

nlohmann::json OrNull(const std::optional<int>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

// True for the apps that deploy: those with a source, and container apps (their image).
bool Deploys(const AppSpec& spec) { return spec.source || spec.container(); }

// " (pid 42)" or " (container 0123456789ab)" for the log; "" before a start.
std::string Describe(const RuntimeInfo& info) {
  if (!info.container_id.empty()) return " (container " + info.container_id.substr(0, 12) + ")";
  return info.pid ? " (pid " + std::to_string(info.pid) + ")" : "";
}

// A new poller is needed when what it polls, or how often, changed.
bool ChangesPolling(const AppSpec& before, const AppSpec& after) {
  return before.deploy.strategy != after.deploy.strategy ||
         before.deploy.interval_s != after.deploy.interval_s || before.source != after.source;
}

}  // namespace

const char* to_string(WebhookResult result) {
  switch (result) {
    case WebhookResult::kAccepted:
      return "accepted";
    case WebhookResult::kPing:
      return "ping";
    case WebhookResult::kSkipped:
      return "skipped";
    case WebhookResult::kDuplicate:
      return "duplicate";
    case WebhookResult::kUnauthorized:
      return "unauthorized";
    case WebhookResult::kConflict:
      return "conflict";
    case WebhookResult::kQueued:
      return "queued";
  }
  return "accepted";
}

App::App(AppContext* context, AppSpec spec, std::string source)
    : context_(context),
      spec_(std::move(spec)),
      source_(std::move(source)),
      since_ms_(WallClockMs()),
      start_timer_(context->loop, [this] { OnStartWindowPassed(); }),
      backoff_timer_(context->loop,
                     [this] {
                       ++restarts_;
                       Launch();
                     }),
      logs_(spec_.log_ring),
      log_writer_(spec_.name) {
  runtime_id_ = next_runtime_id_++;
  runtime_ = MakeRuntime(spec_, runtime_id_);
  runtime_->Prepare(spec_);
  EnsureDeployer();
  EnsurePoller();
}

App::~App() = default;

std::unique_ptr<Runtime> App::MakeRuntime(const AppSpec& spec, uint64_t id) {
  auto handover = [this, id]() -> Handover* {
    return handover_ && handover_->id() == id ? handover_.get() : nullptr;
  };
  Runtime::Events events;
  events.started = [this, id, handover](const RuntimeInfo& info) {
    if (id == runtime_id_) return OnStarted(info);
    if (Handover* h = handover()) h->OnStarted(info);
  };
  events.start_failed = [this, id, handover](const std::string& error) {
    if (id == runtime_id_) return OnStartFailed(error);
    if (Handover* h = handover()) h->OnStartFailed(error);
  };
  events.finished = [this, id, handover](const RuntimeExit& exit) {
    if (id == runtime_id_) return OnFinished(exit);
    if (Handover* h = handover()) return h->OnFinished(exit);
    OnRetiredFinished(id);
  };
  events.problem = [this, id](const std::string& problem) {
    if (id == runtime_id_) runtime_problem_ = problem;
  };
  // Every instance's output is the app's log.
  events.lines = [this](LogStream stream, const std::vector<std::string_view>& lines) {
    OnLines(stream, lines);
  };
  events.service_lines = [this](std::string_view service, LogStream stream,
                                const std::vector<std::string_view>& lines) {
    OnLines(stream, lines, service);
  };
  return (*context_->runtimes)(spec, std::move(events));
}

void App::EnsureDeployer() {
  if (deployer_ || !context_->deploy) return;
  auto handover = [this](const Release& release, Handover::LineFn log, HandoverDone done) {
    HandOver(release, std::move(log), std::move(done));
  };
  if (spec_.container())
    deployer_ = std::make_unique<ImageDeployer>(
        context_->deploy, spec_.name, [this] { return runtime_.get(); }, handover);
  else if (spec_.source)
    deployer_ = std::make_unique<SourceDeployer>(context_->deploy, spec_.name, handover);
}

void App::EnsurePoller() {
  bool git = spec_.source && spec_.source->type == SourceSpec::Type::kGit;
  bool image = spec_.container() && context_->registries;
  bool wanted =
      spec_.deploy.strategy == DeployStrategy::kPolling && context_->deploy && (git || image);
  if (!wanted) return poller_.reset();
  if (poller_) return;
  auto serving = [this] { return deployer_ ? deployer_->ServingRevision(spec_) : std::string(); };
  std::unique_ptr<RevisionProbe> probe;
  if (git)
    probe = std::make_unique<GitRemoteProbe>(context_->deploy);
  else
    probe = std::make_unique<RegistryDigestProbe>(
        context_->loop, context_->registries, [this] { return runtime_.get(); }, serving);
  Poller::Target target{.spec = [this]() -> const AppSpec& { return spec_; },
                        .serving = serving,
                        .deploying = [this] { return deploying().has_value(); },
                        .deploy = [this] { return BeginDeploy("poll", false); }};
  poller_ = std::make_unique<Poller>(context_->loop, spec_.deploy.interval_s, std::move(probe),
                                     std::move(target), &poll_counts_);
}

bool App::Transition(AppState to) {
  if (!IsLegalTransition(state_, to)) {
    LogError("app " + spec_.name + ": illegal transition " + to_string(state_) + " -> " +
             to_string(to));
    return false;
  }
  AppState from = state_;
  state_ = to;
  since_ms_ = WallClockMs();
  if (from == AppState::kBackoff) start_limited_until_ms_ = 0;
  LogInfo("app " + spec_.name + ": " + to_string(from) + " -> " + to_string(to) +
          Describe(info_));
  bool ended = to == AppState::kExited || to == AppState::kFailed || to == AppState::kBackoff ||
               (to == AppState::kStopped && exit_code_);
  context_->bus->Publish(
      TransitionEvent{spec_.name, from, to, since_ms_, info_.pid, ended ? exit_code_ : std::nullopt});
  UpdateHealthChecker();
  return true;
}

void App::UpdateHealthChecker() {
  bool wanted = spec_.health && (state_ == AppState::kRunning || state_ == AppState::kPaused);
  if (!wanted) return StopHealthChecker();
  if (health_) return;
  HealthChecker::Callbacks callbacks{
      .checked = [this](const HealthStatus&) { ++health_version_; },
      .changed = [this](const HealthStatus& status,
                        HealthState from) { OnHealthChanged(status, from); }};
  health_ = std::make_unique<HealthChecker>(
      context_->loop, context_->http, *spec_.health,
      [this] {
        return runtime_->Endpoints(InstancePort(HealthPort(spec_).value_or(0)),
                                   spec_.health->service);
      },
      [this](const std::vector<std::string>& argv, Runtime::CommandDone done) {
        return runtime_->Exec(argv, std::move(done));
      },
      std::move(callbacks));
  health_->Start();
  PublishHealth();
}

void App::StopHealthChecker() {
  if (!health_) return;
  health_.reset();
  PublishHealth();
}

void App::PublishHealth() {
  ++health_version_;
  context_->bus->Publish(HealthEvent{
      spec_.name, health_ ? HealthStatusJson(health_->status()) : nlohmann::json(nullptr),
      WallClockMs()});
}

void App::OnHealthChanged(const HealthStatus& status, HealthState from) {
  std::string move = std::string(to_string(from)) + " -> " + to_string(status.state);
  if (status.state == HealthState::kUnhealthy)
    LogWarn("app " + spec_.name + ": health " + move + ": " + status.last_error);
  else
    LogInfo("app " + spec_.name + ": health " + move);
  PublishHealth();
}

std::vector<std::string> App::Endpoints(const RouteSpec& route) const {
  std::optional<int> port = RoutePort(spec_, route);
  if (!healthy() || !port) return {};
  return runtime_->Endpoints(InstancePort(*port), route.service);
}

int App::InstancePort(int port) const {
  const ProcessSpec* process = spec_.process();
  if (instance_port_ && process && process->port == port) return *instance_port_;
  return port;
}

std::vector<std::string> App::ServingEndpoints() const {
  std::vector<std::string> endpoints;
  for (const RouteSpec& route : spec_.routes) {
    std::optional<int> port = RoutePort(spec_, route);
    if (!port) continue;
    for (std::string& endpoint : runtime_->Endpoints(InstancePort(*port), route.service))
      if (std::find(endpoints.begin(), endpoints.end(), endpoint) == endpoints.end())
        endpoints.push_back(std::move(endpoint));
  }
  return endpoints;
}

void App::Start() {
  restart_after_stop_ = false;
  switch (state_) {
    case AppState::kStarting:
    case AppState::kRunning:
    case AppState::kPaused:
      return;
    case AppState::kStopping:
      restart_after_stop_ = true;
      return;
    case AppState::kBackoff:
      backoff_timer_.Stop();
      [[fallthrough]];
    default:
      failures_ = 0;
      last_error_.clear();
      Launch();
  }
}

void App::Launch() {
  if (!Transition(AppState::kStarting)) return;
  start_limiter_.Record(spec_.start_limit, MonotonicMs());
  if (deployer_ && !deployer_->Current(spec_)) {
    awaiting_release_ = true;
    if (!deployer_->running()) {
      if (Status s = BeginDeploy("start", true); !s.ok()) OnDeployed(s, false);
    }
    return;
  }
  runtime_->Start(LaunchSpec());
}

AppSpec App::LaunchSpec() {
  if (!deployer_) return spec_;
  std::optional<Release> release = deployer_->Current(spec_);
  if (!release) return spec_;
  LaunchPlan plan = PlanLaunch(*release);
  Show(plan);
  if (ProcessSpec* process = plan.spec.process(); process && instance_port_)
    process->port = instance_port_;
  return std::move(plan.spec);
}

void App::Show(const LaunchPlan& plan) {
  release_ = plan.release;
  if (spec_.container()) image_id_ = plan.image_id;
  if (spec_.process()) launch_command_ = plan.command;
}

App::LaunchPlan App::PlanLaunch(const Release& release) const {
  LaunchPlan plan{.spec = spec_, .release = release.id};
  AppSpec& launch = plan.spec;
  if (ContainerSpec* container = launch.container()) {
    container->image_id = plan.image_id = release.image;
    return plan;
  }
  if (ComposeSpec* compose = launch.compose()) {
    compose->release_workdir = release.workdir;
    return plan;
  }
  StartPlan start = PlanStart(release.workdir, *spec_.process());
  launch.process()->command = start.argv;
  launch.process()->shell_command = start.shell;
  launch.process()->directory = release.workdir;
  InstallPlan install = PlanInstall(release.workdir, InstallSpec{InstallSpec::Mode::kNone});
  std::string path = launch.env.count("PATH") ? launch.env["PATH"] : kDefaultAppPath;
  for (auto it = install.path_dirs.rbegin(); it != install.path_dirs.rend(); ++it)
    path = *it + ":" + path;
  launch.env["PATH"] = path;
  if (!launch.env.count("HOME")) launch.env["HOME"] = AppRootDir(*context_->paths, spec_.name);
  plan.command = start.text;
  return plan;
}

Status App::BeginDeploy(const std::string& trigger, bool force) {
  EnsureDeployer();
  if (!deployer_)
    return Status::Conflict("app '" + spec_.name + "' has no source or image to deploy");
  return deployer_->Deploy(spec_, trigger, force, [this](const Status& status, bool switched) {
    OnDeployed(status, switched);
  });
}

void App::OnDeployed(const Status& status, bool switched) {
  ++spec_version_;  // the status shows the deployment
  // After what follows: a restart may have begun a deployment of its own, which the push joins.
  context_->loop->Defer([this, alive = std::weak_ptr<int>(alive_)] {
    if (alive.lock()) StartQueuedPush();
  });
  if (awaiting_release_) {
    awaiting_release_ = false;
    if (state_ != AppState::kStarting) return;
    if (deployer_ && deployer_->Current(spec_)) return runtime_->Start(LaunchSpec());
    last_error_ = "deploy failed: " + status.message();
    LogWarn("app " + spec_.name + ": cannot start: " + last_error_);
    Transition(AppState::kFailed);
    return;
  }
  if (!status.ok()) last_error_ = "deploy failed: " + status.message();
  // The new release took over from the old instance without a restart.
  if (std::exchange(handed_over_, false)) {
    restart_after_deploy_ = false;
    return;
  }
  // A compose stack's deployment brought the new release up already, without downtime.
  if (switched && runtime_->TakesReleasesInPlace()) {
    restart_after_deploy_ = false;
    if (IsActive(state_)) return runtime_->TakeRelease(LaunchSpec());
    return Start();
  }
  // A change whose deployment kept the serving release still changed how the app runs.
  bool restart = switched || (status.ok() && restart_after_deploy_);
  restart_after_deploy_ = false;
  if (restart && (IsActive(state_) || state_ == AppState::kBackoff)) Restart();
}

void App::HandOver(const Release& release, Handover::LineFn log, HandoverDone done) {
  bool zero_downtime = ZeroDowntime(spec_);
  if (!zero_downtime || state_ != AppState::kRunning || handover_) {
    if (!zero_downtime && !spec_.routes.empty() && state_ == AppState::kRunning) {
      std::string obstacle = ZeroDowntimeObstacle(spec_);
      log("==> the app restarts on the new release (zero-downtime is off" +
          (obstacle.empty() ? std::string(")") : ": " + obstacle + ")"));
    }
    return done(Status::Ok(), false);
  }
  LaunchPlan plan = PlanLaunch(release);
  int health_port = HealthPort(spec_).value_or(0);
  std::string where;
  if (ProcessSpec* process = plan.spec.process()) {
    Result<int> port = FreshPort(context_->paths->app_host);
    if (!port.ok()) return done(port.status(), false);
    if (health_port == process->port) health_port = *port;  // ZeroDowntimeObstacle: always
    process->port = *port;
    where = "PORT=" + std::to_string(*port);
  } else if (ContainerSpec* container = plan.spec.container()) {
    // A name of its own until the old container is gone (then Promote() renames it).
    container->instance_name = ContainerName(spec_.name) + "." + std::to_string(WallClockMs());
    where = "container " + container->instance_name;
  }
  log("==> starting release " + release.id + " beside the serving instance (" + where + ")");
  uint64_t id = next_runtime_id_++;
  Handover::Instance instance{.runtime = MakeRuntime(plan.spec, id),
                              .id = id,
                              .spec = plan.spec,
                              .health_port = health_port};
  handover_plan_ = std::move(plan);
  handover_log_ = log;
  handover_done_ = std::move(done);
  handover_ = std::make_unique<Handover>(
      context_->loop, context_->http, std::move(instance), spec_.deploy.timeout_s, std::move(log),
      Handover::Callbacks{.ready = [this] { OnHandoverReady(); },
                          .failed = [this](const std::string& error) { OnHandoverFailed(error); }});
  handover_->Start();
}

void App::OnHandoverReady() {
  HandoverDone done = std::move(handover_done_);
  Handover::LineFn log = std::exchange(handover_log_, nullptr);
  uint64_t id = handover_->id();
  if (state_ != AppState::kRunning) {  // the old instance stopped or ended meanwhile
    log(std::string("==> the app is ") + to_string(state_) +
        " now: it starts on the new release instead");
    Retire(id, handover_->TakeRuntime(), {}, {});
    handover_.reset();
    handover_plan_.reset();
    return done(Status::Ok(), false);
  }
  std::vector<std::string> old_endpoints = ServingEndpoints();
  uint64_t old_id = runtime_id_;
  std::unique_ptr<Runtime> old = std::move(runtime_);
  // From here on the proxy resolves the routes to the new instance.
  runtime_ = handover_->TakeRuntime();
  runtime_id_ = id;
  info_ = handover_->info();
  Show(*handover_plan_);
  if (const ProcessSpec* process = handover_plan_->spec.process()) instance_port_ = process->port;
  if (health_) health_->Adopt(handover_->health());
  ++starts_;
  last_start_ms_ = WallClockMs();
  running_since_mono_ = MonotonicMs();
  LogInfo("app " + spec_.name + ": release " + release_ + " serves" + Describe(info_) +
          "; the old instance drains");
  log("==> the routes lead to the new instance; the old one drains (up to " +
      std::to_string(spec_.deploy.drain_seconds) + " s), then stops");
  handover_.reset();
  handover_plan_.reset();
  PublishHealth();  // the route feed hears of the new endpoints
  handed_over_ = true;
  Retire(old_id, std::move(old), std::move(old_endpoints), [this, id] {
    if (runtime_id_ == id) runtime_->Promote([] {});
  });
  done(Status::Ok(), true);
}

void App::OnHandoverFailed(const std::string& error) {
  HandoverDone done = std::move(handover_done_);
  handover_log_ = nullptr;
  LogWarn("app " + spec_.name + ": the new release did not take over: " + error +
          "; the old instance serves on");
  Retire(handover_->id(), handover_->TakeRuntime(), {}, {});
  handover_.reset();
  handover_plan_.reset();
  done(Status::Unavailable(error), false);
}

void App::CancelHandover(const std::string& why) {
  if (handover_) OnHandoverFailed(why);
}

void App::Retire(uint64_t id, std::unique_ptr<Runtime> runtime, std::vector<std::string> endpoints,
                 std::function<void()> then) {
  retiring_.push_back(Retiring{.id = id, .runtime = std::move(runtime), .then = std::move(then)});
  std::weak_ptr<int> alive = alive_;
  auto stop = [this, id, alive] {
    if (alive.lock()) StopRetiring(id);
  };
  if (endpoints.empty() || !context_->drain || spec_.deploy.drain_seconds <= 0) return stop();
  context_->drain->Drain(endpoints, spec_.deploy.drain_seconds, stop);
}

App::Retiring* App::FindRetiring(uint64_t id) {
  for (Retiring& retiring : retiring_)
    if (retiring.id == id) return &retiring;
  return nullptr;
}

void App::StopRetiring(uint64_t id) {
  Retiring* retiring = FindRetiring(id);
  if (!retiring || retiring->stopping) return;
  retiring->stopping = true;
  if (!retiring->runtime->Stop(StopSignalNumber(spec_.stop_signal), spec_.stop_timeout))
    OnRetiredFinished(id);
}

void App::OnRetiredFinished(uint64_t id) {
  // Later: this may run inside the runtime's own callback.
  context_->loop->Defer([this, id, alive = std::weak_ptr<int>(alive_)] {
    if (!alive.lock()) return;
    Retiring* retiring = FindRetiring(id);
    if (!retiring || retiring->removing) return;
    retiring->stopping = retiring->removing = true;
    retiring->runtime->Remove([this, id, alive] {
      context_->loop->Defer([this, id, alive] {
        if (alive.lock()) DropRetired(id);
      });
    });
  });
}

void App::DropRetired(uint64_t id) {
  auto it = std::find_if(retiring_.begin(), retiring_.end(),
                         [id](const Retiring& retiring) { return retiring.id == id; });
  if (it == retiring_.end()) return;
  std::function<void()> then = std::move(it->then);
  retiring_.erase(it);
  if (then) then();
  if (retiring_.empty() && stop_pending_) FinishStop();
}

void App::Recover(std::function<void(bool adopted)> done) {
  if (state_ != AppState::kStopped) return done(false);
  runtime_->Recover(LaunchSpec(), [this, done = std::move(done)](std::optional<RuntimeInfo> found) {
    if (!found || state_ != AppState::kStopped || !Transition(AppState::kStarting))
      return done(false);
    LogInfo("app " + spec_.name + ": adopted what still ran" + Describe(*found));
    info_ = *found;
    ++starts_;
    last_start_ms_ = WallClockMs();
    OnStartWindowPassed();
    done(true);
  });
}

void App::Stats(Runtime::StatsFn done) {
  if (state_ != AppState::kRunning && state_ != AppState::kStarting &&
      state_ != AppState::kPaused)
    return done(Status::Unavailable("app '" + spec_.name + "' is not running"));
  runtime_->Stats(std::move(done));
}

Status App::Redeploy(bool force) { return BeginDeploy("redeploy", force); }

Result<PushDeploy> App::DeployOnPush() {
  if (std::optional<int64_t> running = deploying()) {
    push_queued_ = true;
    return PushDeploy{*running, true};
  }
  if (Status s = BeginDeploy("webhook", false); !s.ok()) return s;
  return PushDeploy{deploying().value_or(0), false};
}

void App::StartQueuedPush() {
  if (!push_queued_ || deploying()) return;
  push_queued_ = false;
  if (Status s = BeginDeploy("webhook", false); !s.ok())
    LogWarn("app " + spec_.name + ": cannot deploy the queued push: " + s.message());
}

Status App::Rollback(const std::string& release) {
  EnsureDeployer();
  if (!deployer_)
    return Status::Conflict("app '" + spec_.name + "' has no source or image to roll back");
  return deployer_->Rollback(spec_, release, [this](const Status& status, bool switched) {
    OnDeployed(status, switched);
  });
}

std::optional<int64_t> App::deploying() const {
  return deployer_ ? deployer_->running() : std::nullopt;
}

void App::OnStarted(const RuntimeInfo& info) {
  info_ = info;
  ++starts_;
  last_start_ms_ = WallClockMs();
  if (spec_.start_seconds <= 0) return OnStartWindowPassed();
  start_timer_.Start(static_cast<long>(spec_.start_seconds * 1000));
}

void App::OnStartWindowPassed() {
  failures_ = 0;
  running_since_mono_ = MonotonicMs();
  Transition(AppState::kRunning);
}

void App::OnStartFailed(const std::string& error) {
  last_error_ = error;
  LogWarn("app " + spec_.name + ": cannot start: " + error);
  if (state_ == AppState::kStarting) HandleStartFailure(false);
}

void App::OnFinished(const RuntimeExit& exit) {
  ++exits_;
  exit_code_ = exit.exit_code;
  start_timer_.Stop();
  bool clean = exit.clean;
  const std::string& how = exit.description;
  switch (state_) {
    case AppState::kStopping:
      return OnStopped();
    case AppState::kStarting:
      last_error_ = "exited during start_seconds: " + how;
      HandleStartFailure(clean);
      info_ = {};
      return;
    case AppState::kRunning:
    case AppState::kPaused:
      if (!clean) last_error_ = how;
      Transition(AppState::kExited);
      info_ = {};
      if (spec_.restart == RestartPolicy::kAlways ||
          (spec_.restart == RestartPolicy::kOnFailure && !clean))
        ScheduleRestart(0);
      return;
    default:
      LogError("app " + spec_.name + ": process ended in state " + to_string(state_));
  }
}

void App::HandleStartFailure(bool clean_exit) {
  if (spec_.restart == RestartPolicy::kNever ||
      (spec_.restart == RestartPolicy::kOnFailure && clean_exit)) {
    Transition(clean_exit ? AppState::kExited : AppState::kFailed);
    return;
  }
  ++failures_;
  if (failures_ > spec_.max_retries) {
    last_error_ += " (gave up after " + std::to_string(failures_) + " failed starts)";
    Transition(AppState::kFailed);
    return;
  }
  ScheduleRestart(BackoffDelayMs(spec_.backoff, failures_));
}

void App::ScheduleRestart(long delay_ms) {
  int64_t now = MonotonicMs();
  long held_ms = static_cast<long>(start_limiter_.NextStartMs(spec_.start_limit, now) - now);
  if (held_ms > delay_ms) {
    start_limited_until_ms_ = WallClockMs() + held_ms;
    LogWarn("app " + spec_.name + ": " + StartLimitMessage());
  }
  long wait = std::max(delay_ms, held_ms);
  if (wait <= 0) {
    ++restarts_;
    return Launch();
  }
  Transition(AppState::kBackoff);
  backoff_timer_.Start(wait);
}

std::string App::StartLimitMessage() const {
  std::ostringstream message;
  message << "started " << spec_.start_limit.burst << " times in "
          << spec_.start_limit.interval_seconds << " s (start_limit); next start at "
          << FormatRfc3339(start_limited_until_ms_);
  return message.str();
}

void App::Stop(std::function<void()> on_stopped) {
  restart_after_stop_ = false;
  if (on_stopped) stop_waiters_.push_back(std::move(on_stopped));
  BeginStop();
}

void App::BeginStop() {
  CancelHandover("the app was stopped");
  for (const Retiring& retiring : retiring_) StopRetiring(retiring.id);  // no more draining
  switch (state_) {
    case AppState::kStopping:
      return;
    case AppState::kBackoff:
      backoff_timer_.Stop();
      Transition(AppState::kStopped);
      return OnStopped();
    case AppState::kStarting:
    case AppState::kRunning:
    case AppState::kPaused:
      start_timer_.Stop();
      awaiting_release_ = false;
      if (runtime_->Stop(StopSignalNumber(spec_.stop_signal), spec_.stop_timeout)) {
        Transition(AppState::kStopping);
        return;
      }
      Transition(AppState::kStopped);
      return OnStopped();
    default:
      return OnStopped();
  }
}

void App::OnStopped() {
  if (state_ == AppState::kStopping) Transition(AppState::kStopped);
  info_ = {};
  instance_port_.reset();  // the next start listens on the app's own port again
  // An instance still stopping may hold that port, or the app's container name.
  if (!retiring_.empty()) {
    stop_pending_ = true;
    return;
  }
  FinishStop();
}

void App::FinishStop() {
  stop_pending_ = false;
  auto waiters = std::move(stop_waiters_);
  stop_waiters_.clear();
  for (auto& waiter : waiters) waiter();
  if (restart_after_stop_) {
    restart_after_stop_ = false;
    Start();
  }
}

void App::Restart() {
  switch (state_) {
    case AppState::kStarting:
    case AppState::kRunning:
    case AppState::kPaused:
      restart_after_stop_ = true;
      return BeginStop();
    case AppState::kStopping:
      restart_after_stop_ = true;
      return;
    default:
      Start();
  }
}

Status App::Pause() {
  if (state_ != AppState::kRunning)
    return Status::Conflict("app '" + spec_.name + "' is " + to_string(state_) +
                            ": only a running app can be paused");
  if (Status supported = runtime_->PauseSupported(); !supported.ok()) return supported;
  runtime_->Pause([this](Status done) {
    if (!done.ok()) return LogWarn("app " + spec_.name + ": " + done.message());
    if (state_ == AppState::kRunning) Transition(AppState::kPaused);
  });
  return Status::Ok();
}

Status App::Resume() {
  if (state_ != AppState::kPaused)
    return Status::Conflict("app '" + spec_.name + "' is " + to_string(state_) +
                            ": only a paused app can be unpaused");
  runtime_->Resume([this](Status done) {
    if (!done.ok()) return LogWarn("app " + spec_.name + ": " + done.message());
    if (state_ == AppState::kPaused) Transition(AppState::kRunning);
  });
  return Status::Ok();
}

void App::Replace(AppSpec spec) {
  bool redeploy = Deploys(spec) && ChangesWhatIsDeployed(spec_, spec);
  // What served before the change (a container app's new image has no release until deployed).
  bool deployed = deployer_ && deployer_->Current(spec_);
  bool restart = ChangesHowItRuns(spec_, spec);
  // Without this, a change that resolves to the revision already serving reuses its release.
  bool rebuild = ChangesHowReleasesAreBuilt(spec_, spec);
  if (ChangesPolling(spec_, spec)) poller_.reset();
  // A new check starts over (as "starting"); the app itself goes on.
  if (spec_.health != spec.health) StopHealthChecker();
  spec_ = std::move(spec);
  ++spec_version_;
  logs_.SetLimits(spec_.log_ring);
  runtime_->Prepare(spec_);
  UpdateHealthChecker();
  if (!Deploys(spec_)) deployer_.reset();
  EnsureDeployer();
  EnsurePoller();
  // The new code (or image) first: the app restarts once it serves (see OnDeployed).
  if (redeploy && deployer_ && (deployed || deployer_->Current(spec_))) {
    restart_after_deploy_ = restart;
    if (Status s = BeginDeploy("change", rebuild); !s.ok())
      LogWarn("app " + spec_.name + ": cannot deploy the change: " + s.message());
    return;
  }
  if (restart && (IsActive(state_) || state_ == AppState::kBackoff)) Restart();
}

void App::OnLines(LogStream stream, const std::vector<std::string_view>& lines,
                  std::string_view service) {
  // One timestamp per read: reading the clock per line costs more than the rest.
  int64_t ts_ms = WallClockMs();
  if (spec_.log_forward) {
    for (std::string_view line : lines) log_writer_.Add(stream == LogStream::kStderr, line);
    log_writer_.Flush();
  }
  uint64_t first = logs_.AppendMany(ts_ms, stream, lines, service);
  if (!context_->bus->HasLogSubscribers()) return;
  for (size_t i = 0; i < lines.size(); ++i)
    context_->bus->PublishLog(spec_.name, LogEntry{first + i, ts_ms, stream,
                                                   std::string(lines[i]), std::string(service)});
}

nlohmann::json App::StatusJson() const {
  nlohmann::json status = {{"state", to_string(state_)},
                           {"pid", info_.pid ? nlohmann::json(info_.pid) : nlohmann::json(nullptr)},
                           {"since", FormatRfc3339(since_ms_)},
                           {"restarts", restarts_},
                           {"exit_code", OrNull(exit_code_)},
                           {"last_error", nullptr},
                           {"start_limited_until", nullptr}};
  if (!proxy_error_.empty()) status["last_error"] = proxy_error_;  // unless more is wrong
  if (start_limited_until_ms_) {
    status["last_error"] = StartLimitMessage();
    status["start_limited_until"] = FormatRfc3339(start_limited_until_ms_);
  }
  if (!last_error_.empty() && !start_limited_until_ms_) status["last_error"] = last_error_;
  if (poller_ && !poller_->error().empty()) status["last_error"] = poller_->error();
  if (!runtime_problem_.empty()) status["last_error"] = runtime_problem_;
  if (!config_error_.empty()) status["last_error"] = config_error_;
  if (spec_.container())
    status["container_id"] = info_.container_id.empty() ? nlohmann::json(nullptr)
                                                        : nlohmann::json(info_.container_id);
  auto or_null = [](const std::string& s) {
    return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s);
  };
  if (spec_.container()) status["image_id"] = or_null(image_id_);
  if (const ProcessSpec* process = spec_.process(); process && process->port)
    status["port"] = info_.pid ? nlohmann::json(InstancePort(*process->port)) : nlohmann::json(nullptr);
  if (!spec_.routes.empty()) status["proxy_error"] = or_null(proxy_error_);
  if (nlohmann::json detail = runtime_->Detail(); detail.is_object()) status.update(detail);
  if (Deploys(spec_)) {
    if (spec_.source) status["command"] = or_null(launch_command_);
    status["release"] = or_null(release_);
    std::optional<int64_t> running = deploying();
    status["deploying"] = running ? nlohmann::json(*running) : nlohmann::json(nullptr);
  }
  if (poller_) status["poll"] = poller_->StatusJson();
  status["health"] = health_ ? HealthStatusJson(health_->status()) : nlohmann::json(nullptr);
  return status;
}

nlohmann::json App::ToJson() const {
  nlohmann::json j = AppSpecToJson(spec_);
  j["defined_by"] = source_;
  if (!spec_.source) j["source"] = source_;
  j["status"] = StatusJson();
  return j;
}

App::Fingerprint App::CurrentFingerprint() const {
  return {spec_version_, state_,        since_ms_,       info_,    restarts_,  exit_code_,
          last_error_,   config_error_, proxy_error_, runtime_problem_, launch_command_, release_, image_id_, deploying(),
          start_limited_until_ms_, poller_ ? poller_->version() : 0,
          runtime_->detail_version(), health_version_};
}

const std::string& App::JsonText() const {
  Fingerprint now = CurrentFingerprint();
  if (json_fingerprint_ != now) {
    json_text_ = ToJson().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    json_fingerprint_ = std::move(now);
  }
  return json_text_;
}

nlohmann::json App::StatsJson() const {
  int64_t uptime = state_ == AppState::kRunning ? (MonotonicMs() - running_since_mono_) / 1000 : 0;
  nlohmann::json stats = {
      {"starts", starts_},
      {"restarts", restarts_},
      {"exits", exits_},
      {"last_exit_code", OrNull(exit_code_)},
      {"last_start",
       last_start_ms_ ? nlohmann::json(FormatRfc3339(last_start_ms_)) : nlohmann::json(nullptr)},
      {"uptime_seconds", uptime}};
  if (!deployer_) return stats;
  auto deploys = context_->deploy->deployments->Stats(spec_.name);
  if (!deploys.ok()) return stats;
  nlohmann::json last = nullptr, last_run = nullptr, last_outcome = nullptr;
  if (deploys->last) {
    last_run = deploys->last->started_at;
    last_outcome = to_string(deploys->last->outcome);
    last = {{"started", last_run}, {"outcome", last_outcome}};
  }
  stats["deployments"] = {{"processed", deploys->processed}, {"succeeded", deploys->succeeded},
                          {"failed", deploys->failed},       {"rolled_back", deploys->rolled_back},
                          {"skipped", deploys->skipped},     {"last_run", last_run},
                          {"last_outcome", last_outcome}};
  // The earlier, shorter form, kept for the clients that read it.
  stats["deploys"] = {
      {"processed", deploys->processed}, {"failed", deploys->failed}, {"last_run", last}};
  return stats;
}

}  // namespace berth
