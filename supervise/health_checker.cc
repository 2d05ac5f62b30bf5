// Health probes on the loop: HTTP through the HttpClient, TCP connects, commands inside the app.
#include "supervise/health_checker.h"

#include <cmath>
#include <utility>

#include "reactor/clock.h"
#include "reactor/tcp_connect.h"
#include "supervise/spec_fields.h"

namespace berth {
namespace {

// The last line `output` holds, trimmed, at most 200 bytes: what a failed command said.
std::string LastLine(const std::string& output) {
  size_t end = output.find_last_not_of(" \t\r\n");
  if (end == std::string::npos) return "";
  size_t start = output.find_last_of('\n', end);
  start = start == std::string::npos ? 0 : start + 1;
  std::string line = output.substr(start, end + 1 - start);
  return line.size() > 200 ? line.substr(0, 200) + "…" : line;
}

std::string Seconds(double seconds) { return SpecNumber(seconds).dump() + " s"; }

}  // namespace

const char* to_string(HealthState state) {
  switch (state) {
    case HealthState::kStarting:
      return "starting";
    case HealthState::kHealthy:
      return "healthy";
    case HealthState::kUnhealthy:
      return "unhealthy";
  }
  return "starting";
}

nlohmann::json HealthStatusJson(const HealthStatus& status) {
  using nlohmann::json;
  return {{"status", to_string(status.state)},
          {"failures", status.failures},
          {"last_check",
           status.last_check_ms ? json(FormatRfc3339(status.last_check_ms)) : json(nullptr)},
          {"last_error", status.last_error.empty() ? json(nullptr) : json(status.last_error)}};
}

// The probes of one check, and what came of them so far.
struct HealthChecker::Round {
  uint64_t id = 0;
  size_t waiting = 0;  // answers still to come
  std::string error;   // the first failure
  std::vector<std::unique_ptr<HttpCall>> calls;
  std::vector<std::unique_ptr<TcpConnect>> connects;
  std::unique_ptr<RuntimeCommand> command;
};

HealthChecker::HealthChecker(EventLoop* loop, HttpClient* http, HealthSpec spec,
                             EndpointsFn endpoints, ExecFn exec, Callbacks callbacks)
    : loop_(loop),
      http_(http),
      spec_(std::move(spec)),
      endpoints_(std::move(endpoints)),
      exec_(std::move(exec)),
      callbacks_(std::move(callbacks)),
      next_timer_(loop, [this] { Probe(); }),
      timeout_timer_(loop, [this] {
        Finish(spec_.type == HealthProbeType::kExec
                   ? "the command did not end within " + Seconds(spec_.timeout_s)
                   : "no answer within " + Seconds(spec_.timeout_s));
      }) {}

HealthChecker::~HealthChecker() = default;

void HealthChecker::Start() { next_timer_.Start(0); }

void HealthChecker::Probe() {
  round_ = std::make_unique<Round>();
  round_->id = ++rounds_;
  timeout_timer_.Start(std::lround(spec_.timeout_s * 1000));
  if (spec_.type == HealthProbeType::kExec) return ProbeExec();
  std::vector<std::string> endpoints = endpoints_ ? endpoints_() : std::vector<std::string>{};
  if (endpoints.empty()) return Finish("no address of the app is known");
  round_->waiting = endpoints.size();
  if (spec_.type == HealthProbeType::kHttp) return ProbeHttp(endpoints);
  ProbeTcp(endpoints);
}

void HealthChecker::ProbeHttp(const std::vector<std::string>& endpoints) {
  if (!http_) return Finish("berthd has no HTTP client for health checks");
  long timeout_ms = std::lround(spec_.timeout_s * 1000);
  for (const std::string& endpoint : endpoints) {
    HttpRequest request{.url = "http://" + endpoint + spec_.path,
                        .timeout_ms = timeout_ms,
                        .connect_timeout_ms = timeout_ms,
                        .fresh_connection = true};
    if (!spec_.host.empty()) request.headers.push_back("Host: " + spec_.host);
    std::string what = "GET " + request.url;
    // The body is not kept: only the status counts.
    HttpStream discard{.on_data = [](std::string_view) {}};
    round_->calls.push_back(http_->Send(
        std::move(request),
        [this, id = round_->id, what](Result<HttpResponse> response) {
          if (!response.ok()) return Answer(id, response.status());
          if (!PassesHttpCheck(spec_, response->status))
            return Answer(
                id, Status::Unavailable(what + " answered " + std::to_string(response->status)));
          Answer(id, Status::Ok());
        },
        std::move(discard)));
  }
}

void HealthChecker::ProbeTcp(const std::vector<std::string>& endpoints) {
  for (const std::string& endpoint : endpoints)
    round_->connects.push_back(TcpConnect::Start(
        loop_, endpoint, [this, id = round_->id](Status status) { Answer(id, status); }));
}

void HealthChecker::ProbeExec() {
  if (!exec_) return Finish("this app cannot run a command for its health check");
  round_->waiting = 1;
  std::string program = spec_.command.front();
  auto command =
      exec_(spec_.command, [this, id = round_->id, program](Result<CommandOutcome> outcome) {
        if (!outcome.ok()) return Answer(id, outcome.status());
        if (outcome->exit_code == 0) return Answer(id, Status::Ok());
        std::string said = LastLine(outcome->output);
        Answer(id, Status::Unavailable(program + " exited with code " +
                                       std::to_string(outcome->exit_code) +
                                       (said.empty() ? "" : ": " + said)));
      });
  if (!command.ok()) return Finish(command.status().message());
  round_->command = std::move(command).value();
}

void HealthChecker::Answer(uint64_t round, const Status& status) {
  if (!round_ || round_->id != round) return;
  if (!status.ok() && round_->error.empty()) round_->error = status.message();
  if (--round_->waiting == 0) Finish(round_->error);
}

void HealthChecker::Finish(const std::string& error) {
  timeout_timer_.Stop();
  // We may be inside a callback of one of the round's probes: release it on the next turn.
  loop_->Defer([round = std::shared_ptr<Round>(std::move(round_))] {});
  HealthState from = status_.state;
  status_.last_check_ms = WallClockMs();
  status_.last_error = error;
  if (error.empty()) {
    status_.failures = 0;
    status_.state = HealthState::kHealthy;
  } else if (++status_.failures >= spec_.retries) {
    status_.state = HealthState::kUnhealthy;
  }
  next_timer_.Start(std::lround(spec_.interval_s * 1000));
  // The callbacks may destroy this: copies, and nothing of this after them.
  Callbacks callbacks = callbacks_;
  HealthStatus status = status_;
  if (callbacks.checked) callbacks.checked(status);
  if (status.state != from && callbacks.changed) callbacks.changed(status, from);
}

}  // namespace berth
