// Handover: the second instance of an app during a zero-downtime deploy. The deployment's
// release starts beside the instance that serves (a process on a fresh PORT, a container
// under a name of its own); once it runs and its health check passed, it is ready and the App
// takes its runtime to serve. It fails when the instance cannot start, ends, or is not healthy
// within the deploy's timeout; then the App stops it and the old instance serves on.
//
// The runtime's events reach the handover through the App (OnStarted and the others): the
// runtime keeps the events it was built with when the App takes it over.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "reactor/event_loop.h"
#include "reactor/http_client.h"
#include "supervise/health_checker.h"
#include "supervise/runtime.h"

namespace berth {

// A TCP port nothing listens on at `host` (an app's HOST), for a process instance's PORT.
Result<int> FreshPort(const std::string& host);

class Handover {
 public:
  using LineFn = std::function<void(std::string_view line)>;
  struct Callbacks {
    std::function<void()> ready;
    std::function<void(const std::string& error)> failed;
  };
  struct Instance {
    std::unique_ptr<Runtime> runtime;  // built for `spec`, not started
    uint64_t id = 0;                   // the App's name for it in the events it routes
    AppSpec spec;                      // what it runs: the release's launch spec
    int health_port = 0;               // where an http or tcp check reaches it
  };

  // The callbacks run on later loop turns, at most one of them once; they may destroy the
  // handover. `log` is the deployment's. REQUIRES: spec.health is set.
  Handover(EventLoop* loop, HttpClient* http, Instance instance, int timeout_s, LineFn log,
           Callbacks callbacks);
  ~Handover();
  Handover(const Handover&) = delete;
  Handover& operator=(const Handover&) = delete;

  void Start();
  uint64_t id() const { return instance_.id; }
  const AppSpec& spec() const { return instance_.spec; }
  const RuntimeInfo& info() const { return info_; }
  const HealthStatus& health() const;

  void OnStarted(const RuntimeInfo& info);
  void OnStartFailed(const std::string& error);
  void OnFinished(const RuntimeExit& exit);

  // The instance, for the App to serve with (once ready) or to stop (once failed).
  std::unique_ptr<Runtime> TakeRuntime() { return std::move(instance_.runtime); }

 private:
  void Check();
  void Fail(const std::string& error);

  EventLoop* loop_;
  HttpClient* http_;
  Instance instance_;
  int timeout_s_;
  LineFn log_;
  Callbacks callbacks_;
  RuntimeInfo info_;
  int64_t started_ms_ = 0;
  bool over_ = false;
  std::string ended_;  // the instance ended (maybe after it was found healthy)
  std::unique_ptr<HealthChecker> health_;
  Timer deadline_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace berth
