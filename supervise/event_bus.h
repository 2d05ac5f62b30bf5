// EventBus: fans app state changes, log lines, config, deploy and health changes and proxy
// outcomes out to subscribers (the SSE streams). Publishing costs nothing when nobody listens.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "supervise/app_state.h"
#include "supervise/log_ring.h"

namespace berth {

struct TransitionEvent {
  std::string app;
  AppState from;
  AppState to;
  int64_t ts_ms;
  pid_t pid;  // 0 when there is no process
  std::optional<int> exit_code;
};

// "created", "replaced", "deleted" for an app's definition; "invalid" for a file in apps.d
// that was refused, with the reason in `error`.
struct ConfigEvent {
  std::string app;
  std::string action;
  int64_t ts_ms;
  std::string error = {};
};

// A deployment began ("started") or ended ("succeeded", "failed", "skipped").
struct DeployEvent {
  std::string app;
  int64_t id;
  std::string trigger;
  std::string phase;
  std::string revision;
  std::string release;
  std::string error;
  int64_t ts_ms;
};

// What the proxy did with the routes (nginx mode): "applied" a new configuration, "failed" to
// (nginx refused it; the last good one serves: `error` has nginx's message), or found a
// "tampered" file in its managed directory (`file`). `app` is empty for events of no one app.
struct ProxyEvent {
  std::string app;
  std::string action;
  std::string error;
  std::string file;
  int64_t ts_ms;
};

// An app's health check changed its verdict; `health` is what status.health shows now.
struct HealthEvent {
  std::string app;
  nlohmann::json health;
  int64_t ts_ms;
};

class EventBus {
 public:
  using TransitionFn = std::function<void(const TransitionEvent&)>;
  using ConfigFn = std::function<void(const ConfigEvent&)>;
  using LogFn = std::function<void(const LogEntry&)>;
  using DeployFn = std::function<void(const DeployEvent&)>;
  using ProxyFn = std::function<void(const ProxyEvent&)>;
  using HealthFn = std::function<void(const HealthEvent&)>;

  uint64_t SubscribeTransitions(TransitionFn fn);
  uint64_t SubscribeConfig(ConfigFn fn);
  uint64_t SubscribeLogs(const std::string& app, LogFn fn);
  uint64_t SubscribeDeploys(DeployFn fn);
  uint64_t SubscribeProxy(ProxyFn fn);
  uint64_t SubscribeHealth(HealthFn fn);
  // Safe to call from within a subscriber.
  void Unsubscribe(uint64_t id);

  void Publish(const TransitionEvent& event);
  void Publish(const ConfigEvent& event);
  void Publish(const DeployEvent& event);
  void Publish(const ProxyEvent& event);
  void Publish(const HealthEvent& event);
  bool HasLogSubscribers() const { return !log_subscribers_.empty(); }
  void PublishLog(const std::string& app, const LogEntry& entry) {
    if (!log_subscribers_.empty()) DispatchLog(app, entry);
  }

 private:
  void DispatchLog(const std::string& app, const LogEntry& entry);

  uint64_t next_id_ = 1;
  std::map<uint64_t, TransitionFn> transition_subscribers_;
  std::map<uint64_t, ConfigFn> config_subscribers_;
  std::map<uint64_t, DeployFn> deploy_subscribers_;
  std::map<uint64_t, ProxyFn> proxy_subscribers_;
  std::map<uint64_t, HealthFn> health_subscribers_;
  std::map<uint64_t, std::pair<std::string, LogFn>> log_subscribers_;
};

}  // namespace berth
