// HealthChecker: probes one target of an app again and again on the loop, as a HealthSpec
// says: an HTTP GET of a path on each of its endpoints, a TCP connect to each, or a command run
// inside it; and keeps the verdict. It knows no App: an app checks what runs with one, and a
// deployment can check a second instance with another.
//
// The verdict moves as Docker's does: `starting` until the first probe passes (then `healthy`)
// or `retries` probes in a row failed (then `unhealthy`); `healthy` until `retries` probes in a
// row failed; `unhealthy` until one passes.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "reactor/event_loop.h"
#include "reactor/http_client.h"
#include "supervise/health_spec.h"
#include "supervise/runtime.h"

namespace berth {

enum class HealthState { kStarting, kHealthy, kUnhealthy };
const char* to_string(HealthState state);

struct HealthStatus {
  HealthState state = HealthState::kStarting;
  int failures = 0;           // probes failed in a row
  int64_t last_check_ms = 0;  // wall clock when the last probe ended; 0 before the first
  std::string last_error;     // why the last probe failed; "" when it passed
  bool operator==(const HealthStatus&) const = default;
};

// {"status", "failures", "last_check" (RFC 3339 or null), "last_error" (or null)}.
nlohmann::json HealthStatusJson(const HealthStatus& status);

class HealthChecker {
 public:
  // The "host:port" addresses ("[v6]:port") an http or tcp probe goes to, asked afresh for
  // every probe; each must pass. None: the probe fails.
  using EndpointsFn = std::function<std::vector<std::string>()>;
  // Runs an exec probe's command (Runtime::Exec of what is checked).
  using ExecFn = std::function<Result<std::unique_ptr<RuntimeCommand>>(
      const std::vector<std::string>& argv, Runtime::CommandDone done)>;
  struct Callbacks {
    // After every probe, with the status it left.
    std::function<void(const HealthStatus&)> checked;
    // After a probe that moved the state (called after `checked`).
    std::function<void(const HealthStatus&, HealthState from)> changed;
  };

  // `http` may be null when `spec` is no http check, `exec` empty when it is no exec check.
  // Nothing is probed before Start().
  HealthChecker(EventLoop* loop, HttpClient* http, HealthSpec spec, EndpointsFn endpoints,
                ExecFn exec, Callbacks callbacks);
  // Cancels the probe under way (killing an exec's process); no callback runs after.
  ~HealthChecker();
  HealthChecker(const HealthChecker&) = delete;
  HealthChecker& operator=(const HealthChecker&) = delete;

  // Probes on the next loop turn, then `interval` after each probe ended. The callbacks may
  // destroy the checker.
  void Start();
  const HealthStatus& status() const { return status_; }
  // Takes the verdict of another checker of the same spec, whose target this one checks from
  // now on (a zero-downtime deploy's new instance); the next probe goes on from there.
  void Adopt(const HealthStatus& status) { status_ = status; }
  const HealthSpec& spec() const { return spec_; }

 private:
  struct Round;
  void Probe();
  void ProbeHttp(const std::vector<std::string>& endpoints);
  void ProbeTcp(const std::vector<std::string>& endpoints);
  void ProbeExec();
  // One endpoint's (or the command's) answer: Ok, or why it failed.
  void Answer(uint64_t round, const Status& status);
  void Finish(const std::string& error);

  EventLoop* loop_;
  HttpClient* http_;
  HealthSpec spec_;
  EndpointsFn endpoints_;
  ExecFn exec_;
  Callbacks callbacks_;
  HealthStatus status_;
  std::unique_ptr<Round> round_;  // the probe under way
  uint64_t rounds_ = 0;
  Timer next_timer_;     // the next probe
  Timer timeout_timer_;  // the probe under way took too long
};

}  // namespace berth
