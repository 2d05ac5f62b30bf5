// A zero-downtime deploy's second instance: start it, wait until it is healthy, or give up.
#include "supervise/handover.h"

#include <algorithm>
#include <cstdio>

#include "reactor/clock.h"
#include "reactor/listeners.h"

namespace berth {
namespace {

constexpr double kStartingIntervalS = 0.25;

std::string Seconds(int64_t ms) {
  char text[32];
  snprintf(text, sizeof text, "%.1f s", ms / 1000.0);
  return text;
}

}  // namespace

Result<int> FreshPort(const std::string& host) {
  bool v6 = host.find(':') != std::string::npos && host.front() != '[';
  auto bound = BindListener((v6 ? "[" + host + "]" : host) + ":0");
  if (!bound.ok()) return Status::IOError("cannot find a free port for the new instance: " +
                                          bound.status().message());
  const std::string& address = bound->address;
  return std::stoi(address.substr(address.rfind(':') + 1));
}

Handover::Handover(EventLoop* loop, HttpClient* http, Instance instance, int timeout_s, LineFn log,
                   Callbacks callbacks)
    : loop_(loop),
      http_(http),
      instance_(std::move(instance)),
      timeout_s_(timeout_s),
      log_(std::move(log)),
      callbacks_(std::move(callbacks)),
      deadline_(loop, [this] {
        Fail("the new instance was not healthy within deploy.timeout (" +
             std::to_string(timeout_s_) + " s)" +
             (health_ && !health_->status().last_error.empty()
                  ? ": " + health_->status().last_error
                  : ""));
      }) {}

Handover::~Handover() = default;

const HealthStatus& Handover::health() const {
  static const HealthStatus kStarting;
  return health_ ? health_->status() : kStarting;
}

void Handover::Start() {
  started_ms_ = MonotonicMs();
  deadline_.Start(static_cast<long>(timeout_s_) * 1000);
  instance_.runtime->Prepare(instance_.spec);
  instance_.runtime->Start(instance_.spec);
}

void Handover::OnStarted(const RuntimeInfo& info) {
  if (over_) return;
  info_ = info;
  std::string what = info.pid ? "pid " + std::to_string(info.pid)
                              : "container " + info.container_id.substr(0, 12);
  log_("==> the new instance runs (" + what + "); waiting until it is healthy");
  Check();
}

void Handover::OnStartFailed(const std::string& error) {
  Fail("the new instance cannot start: " + error);
}

void Handover::OnFinished(const RuntimeExit& exit) {
  ended_ = "the new instance ended: " + exit.description;
  Fail("the new instance ended before it was healthy: " + exit.description);
}

void Handover::Check() {
  Runtime* runtime = instance_.runtime.get();
  // Probed often while it starts: the deployment waits on it, not the app's steady checks.
  HealthSpec spec = *instance_.spec.health;
  spec.interval_s = std::min(spec.interval_s, kStartingIntervalS);
  HealthChecker::Callbacks callbacks{
      .checked = {},
      .changed = [this, alive = std::weak_ptr<int>(alive_)](const HealthStatus& status,
                                                            HealthState) {
        if (!alive.lock() || over_ || status.state != HealthState::kHealthy) return;
        over_ = true;
        deadline_.Stop();
        log_("==> the new instance is healthy after " + Seconds(MonotonicMs() - started_ms_));
        loop_->Defer([this, alive] {
          if (!alive.lock()) return;
          if (!ended_.empty()) return callbacks_.failed(ended_);
          callbacks_.ready();
        });
      }};
  health_ = std::make_unique<HealthChecker>(
      loop_, http_, spec,
      [runtime, port = instance_.health_port, service = spec.service] {
        return runtime->Endpoints(port, service);
      },
      [runtime](const std::vector<std::string>& argv, Runtime::CommandDone done) {
        return runtime->Exec(argv, std::move(done));
      },
      std::move(callbacks));
  health_->Start();
}

void Handover::Fail(const std::string& error) {
  if (over_) return;
  over_ = true;
  deadline_.Stop();
  // Not from inside the runtime's or the checker's own callback: the App stops and drops the
  // instance.
  loop_->Defer([this, error, alive = std::weak_ptr<int>(alive_)] {
    if (alive.lock()) callbacks_.failed(error);
  });
}

}  // namespace berth
