// App: one supervised app. Owns its spec, its runtime, its log ring and the one state machine
// that every API answer and event reads from: all moves go through Transition().
#pragma once

#include <sys/types.h>

#include <array>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "reactor/log.h"
#include "supervise/app_spec.h"
#include "supervise/app_state.h"
#include "supervise/deployer.h"
#include "supervise/event_bus.h"
#include "supervise/handover.h"
#include "supervise/health_checker.h"
#include "supervise/isolation.h"
#include "supervise/log_ring.h"
#include "supervise/poller.h"
#include "supervise/runtime.h"
#include "supervise/start_limiter.h"
#include "supervise/traffic_drain.h"

namespace berth {

class Registries;

// What every app shares: the loop, paths, the bus, the deploy context and the factory that
// builds each app's runtime for its kind.
struct AppContext {
  EventLoop* loop;
  const BerthPaths* paths;
  EventBus* bus;
  DeployContext* deploy;  // for apps with a source
  const RuntimeFactory* runtimes;
  Registries* registries = nullptr;  // polls of container apps ask it for their tag's digest
  HttpClient* http = nullptr;        // http health checks; none: they fail saying so
  // The built-in proxy: a zero-downtime deploy drains the old instance through it. None: the
  // old instance stops as soon as the routes lead to the new one.
  TrafficDrain* drain = nullptr;
};

// What became of a webhook delivery (berth_webhooks_total's `result`).
enum class WebhookResult { kAccepted, kPing, kSkipped, kDuplicate, kUnauthorized, kConflict, kQueued };
inline constexpr size_t kWebhookResults = 7;
const char* to_string(WebhookResult result);
using WebhookCounts = std::array<uint64_t, kWebhookResults>;

// A deployment a push asked for: the one it started, or the running one a follow-up is queued
// behind.
struct PushDeploy {
  int64_t deployment = 0;
  bool queued = false;
};

class App {
 public:
  App(AppContext* context, AppSpec spec, std::string source);
  ~App();

  const AppSpec& spec() const { return spec_; }
  const std::string& source() const { return source_; }
  AppState state() const { return state_; }
  pid_t pid() const { return info_.pid; }
  const RuntimeInfo& runtime_info() const { return info_; }
  const LogRing& logs() const { return logs_; }
  uint64_t restarts() const { return restarts_; }
  // Running, and well as far as its runtime can tell (every compose service running and
  // healthy where it has a healthcheck), and, with a `health` check, once that passed and
  // while it is not unhealthy. An unhealthy app is not restarted: it only shows here, in
  // status.health and in the events.
  bool healthy() const {
    return state_ == AppState::kRunning && runtime_->Healthy() &&
           (!health_ || health_->status().state == HealthState::kHealthy);
  }

  // Where the proxy sends requests for `route` (one of the spec's routes): "host:port" of each
  // running instance; empty unless the app is running and healthy().
  std::vector<std::string> Endpoints(const RouteSpec& route) const;

  // Commands from the API. Each is legal in every state; what it does depends on the state.
  void Start();
  // `on_stopped` runs once the app is stopped (at once when it already is).
  void Stop(std::function<void()> on_stopped = {});
  void Restart();
  // Freezes a running app, or thaws a paused one; Conflict in another state. The state moves
  // once the runtime has done it.
  Status Pause();
  Status Resume();
  // Removes what the runtime made for the app (its container); for a stopped app being deleted.
  void RemoveRuntimeState(std::function<void()> done) { runtime_->Remove(std::move(done)); }
  // Takes a new spec; a running app restarts when the change affects how it runs. A change of
  // source or install deploys first and restarts once the new release serves.
  void Replace(AppSpec spec);
  // Deploys again: fetches the source, or pulls the image (serving the result only when the
  // revision changed, unless `force`); a running app restarts on the new release. Conflict for
  // an app that does not deploy (a process without a source) or while a deployment runs.
  Status Redeploy(bool force);
  // Deploys what a push (a webhook) announced, with trigger "webhook". While a deployment runs,
  // queues one follow-up deployment (at most one: later pushes join it), started once the
  // running one ends. Conflict for an app that does not deploy.
  Result<PushDeploy> DeployOnPush();
  // Serves `release` again (empty: the newest good release before the current one).
  Status Rollback(const std::string& release);
  // The deployment under way, if any.
  std::optional<int64_t> deploying() const;
  // After berthd restarted: adopts what of the app still runs (then it is running, not
  // restarted). `done` runs once with whether it was.
  void Recover(std::function<void(bool adopted)> done);
  // What the app uses now. Unavailable unless it runs.
  void Stats(Runtime::StatsFn done);
  // Why the app's definition file was refused ("" once a good one arrived); shown as
  // status.last_error while set.
  void SetConfigError(std::string error) { config_error_ = std::move(error); }
  // Why the proxy cannot serve the app's routes as they are now ("" once it does): nginx
  // refused the configuration, with its message. Shown as status.proxy_error (apps with
  // routes) and as status.last_error when nothing else is.
  void SetProxyError(std::string error) { proxy_error_ = std::move(error); }
  const std::string& proxy_error() const { return proxy_error_; }

  // Polls by result (apps with deploy.strategy "polling"), webhook deliveries by result.
  const PollCounts& poll_counts() const { return poll_counts_; }
  const WebhookCounts& webhook_counts() const { return webhook_counts_; }
  void CountWebhook(WebhookResult result) { ++webhook_counts_[static_cast<size_t>(result)]; }

  // The app as the API shows it: spec, "source" and "status".
  nlohmann::json ToJson() const;
  // ToJson() as compact text, cached until the app changes (GET /v1/apps is hot).
  const std::string& JsonText() const;
  nlohmann::json StatusJson() const;
  nlohmann::json StatsJson() const;

 private:
  // What a launch of a release runs, and what status shows of it.
  struct LaunchPlan {
    AppSpec spec;
    std::string release, image_id, command;
  };
  // An instance that no longer serves, being drained, stopped and removed.
  struct Retiring {
    uint64_t id;
    std::unique_ptr<Runtime> runtime;
    std::function<void()> then;  // once it is gone
    bool stopping = false;
    bool removing = false;
  };

  bool Transition(AppState to);
  void Launch();
  // The spec a launch uses: for an app with a source, the current release's directory, its
  // start command (given or chosen from its files) and PATH; a process keeps the fresh PORT a
  // zero-downtime deploy gave it.
  AppSpec LaunchSpec();
  LaunchPlan PlanLaunch(const Release& release) const;
  void Show(const LaunchPlan& plan);
  // A runtime for one instance of the app; its events reach the serving instance's handlers,
  // the handover's or the retiring ones' by `id`.
  std::unique_ptr<Runtime> MakeRuntime(const AppSpec& spec, uint64_t id);
  // `port` of the app as the serving instance listens on it: a process app's own port is the
  // fresh PORT of the instance a zero-downtime deploy started.
  int InstancePort(int port) const;
  // Every endpoint of every route of the serving instance, healthy or not.
  std::vector<std::string> ServingEndpoints() const;
  // Zero-downtime deploys: the deployer's HandoverFn.
  void HandOver(const Release& release, Handover::LineFn log, HandoverDone done);
  void OnHandoverReady();
  void OnHandoverFailed(const std::string& error);
  // Ends the handover under way, if any, as failed for `why`.
  void CancelHandover(const std::string& why);
  // Drains `endpoints` (none: at once), stops the instance, removes what it made, runs `then`.
  void Retire(uint64_t id, std::unique_ptr<Runtime> runtime, std::vector<std::string> endpoints,
              std::function<void()> then);
  Retiring* FindRetiring(uint64_t id);
  void StopRetiring(uint64_t id);
  void OnRetiredFinished(uint64_t id);
  void DropRetired(uint64_t id);
  Status BeginDeploy(const std::string& trigger, bool force);
  void OnDeployed(const Status& status, bool switched);
  void EnsureDeployer();
  // Starts polling when the spec asks for it and the app has a probe for its source; a poller
  // of an earlier spec must be reset first.
  void EnsurePoller();
  void StartQueuedPush();
  void OnStarted(const RuntimeInfo& info);
  void OnStartFailed(const std::string& error);
  void OnFinished(const RuntimeExit& exit);
  void OnLines(LogStream stream, const std::vector<std::string_view>& lines,
               std::string_view service = {});
  void OnStartWindowPassed();
  void HandleStartFailure(bool clean_exit);
  // An automatic restart after at least `delay_ms` (at once for 0), later when the start limit
  // holds it back; waits in backoff.
  void ScheduleRestart(long delay_ms);
  // What status.last_error says while the start limit holds the app back.
  std::string StartLimitMessage() const;
  void BeginStop();
  void OnStopped();
  // The stop is over once no retiring instance is left: runs the waiters, restarts if asked.
  void FinishStop();
  // Runs the health check while the app runs (or is paused), and only then.
  void UpdateHealthChecker();
  void StopHealthChecker();
  void OnHealthChanged(const HealthStatus& status, HealthState from);
  // Tells the bus (and the cached JSON) what status.health shows now.
  void PublishHealth();

  // Everything ToJson() shows, to tell when the cached text is stale.
  struct Fingerprint {
    uint64_t spec_version;
    AppState state;
    int64_t since_ms;
    RuntimeInfo info;
    uint64_t restarts;
    std::optional<int> exit_code;
    std::string last_error;
    std::string config_error;
    std::string proxy_error;
    std::string runtime_problem;
    std::string launch_command;
    std::string release;
    std::string image_id;
    std::optional<int64_t> deploying;
    int64_t start_limited_until_ms;
    uint64_t poll_version;
    uint64_t runtime_detail;  // the runtime's detail_version()
    uint64_t health_version;
    bool operator==(const Fingerprint&) const = default;
  };
  Fingerprint CurrentFingerprint() const;

  AppContext* context_;
  AppSpec spec_;
  uint64_t spec_version_ = 0;
  mutable std::string json_text_;
  mutable std::optional<Fingerprint> json_fingerprint_;
  std::string source_;
  std::unique_ptr<Runtime> runtime_;
  uint64_t runtime_id_ = 0;       // runtime_'s id in the events (MakeRuntime)
  uint64_t next_runtime_id_ = 1;
  std::optional<int> instance_port_;  // a process's fresh PORT, from a zero-downtime deploy
  AppState state_ = AppState::kStopped;
  int64_t since_ms_;
  RuntimeInfo info_;
  std::optional<int> exit_code_;
  std::string last_error_;
  std::string config_error_;
  std::string proxy_error_;
  std::string runtime_problem_;  // reported by the runtime (Docker down), "" when none
  std::unique_ptr<Deployer> deployer_;  // for the kinds that deploy (after runtime_: uses it)
  std::unique_ptr<Poller> poller_;      // deploy.strategy "polling" (after deployer_: uses it)
  PollCounts poll_counts_{};
  WebhookCounts webhook_counts_{};
  bool push_queued_ = false;  // a push came while a deployment ran: deploy once it ends
  bool awaiting_release_ = false;  // starting, waiting for the first release
  std::string launch_command_;     // what runs, as a person would type it (apps with a source)
  std::string release_;            // the release it runs from
  std::string image_id_;           // the image id that release runs (container apps)
  // Counters for status and stats.
  uint64_t starts_ = 0, restarts_ = 0, exits_ = 0;
  int failures_ = 0;  // consecutive start failures, for backoff
  int64_t last_start_ms_ = 0;
  int64_t running_since_mono_ = 0;
  bool restart_after_stop_ = false;
  bool restart_after_deploy_ = false;  // a change deploys first, then restarts even if skipped
  StartLimiter start_limiter_;
  int64_t start_limited_until_ms_ = 0;  // wall clock; set while the start limit holds it
  std::vector<std::function<void()>> stop_waiters_;
  std::unique_ptr<HealthChecker> health_;  // while running or paused, with a `health` spec
  // A zero-downtime deploy's new instance, until it serves or failed.
  std::unique_ptr<Handover> handover_;
  std::optional<LaunchPlan> handover_plan_;
  Handover::LineFn handover_log_;
  HandoverDone handover_done_;
  bool handed_over_ = false;  // the deployment ending now switched by handover: no restart
  std::vector<Retiring> retiring_;
  bool stop_pending_ = false;  // stopped, waiting for the retiring instances to go
  uint64_t health_version_ = 0;            // counts health_'s probes, for the cached JSON
  Timer start_timer_;
  Timer backoff_timer_;
  LogRing logs_;
  AppLineWriter log_writer_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // for deferred work
};

}  // namespace berth
