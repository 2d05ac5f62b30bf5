// ComposeStack: what Docker runs of a compose app's project (its containers by service, with
// their state and health, from the Engine's container list), and StackWaiter, which waits until
// all of it runs, and is healthy where it has a healthcheck, hearing of changes through the
// Engine's events.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/status.h"
#include "reactor/child_reaper.h"
#include "reactor/event_loop.h"
#include "supervise/docker/docker_engine.h"

namespace berth {

// What compose deployments and the compose runtime share. `engine` connects Docker on first
// use (berthd needs none until an app does).
struct ComposeContext {
  EventLoop* loop;
  ChildReaper* reaper;
  std::function<docker::DockerEngine*()> engine;
  std::string docker_host;  // for the Compose tool's DOCKER_HOST
};

// One container of a stack.
struct ComposeContainer {
  std::string id;
  std::string name;
  std::string service;
  std::string state;   // "running", "exited", "restarting", "paused", "created", "dead"
  std::string health;  // "healthy", "unhealthy", "starting"; "" without a healthcheck
  std::string status;  // Docker's words: "Up 3 seconds (healthy)", "Exited (1) 2 seconds ago"
  std::string address;  // on the project's network ("172.18.0.2", "[fd00::2]"); "" if none
};

using ComposeContainers = std::vector<ComposeContainer>;
using ComposeContainersFn = std::function<void(Result<ComposeContainers>)>;

// The containers of one answer of GET /containers/json?all=1 (the one-offs of `compose run`
// left out), sorted by service, then name.
ComposeContainers ParseComposeContainers(const nlohmann::json& list);
// Asks Docker for the containers of Compose project `project`.
[[nodiscard]] std::unique_ptr<HttpCall> ListComposeContainers(docker::DockerEngine* engine,
                                                              const std::string& project,
                                                              ComposeContainersFn done);

enum class StackReadiness { kReady, kWaiting, kFailed };
// kReady when there are containers and each runs (and is healthy, when `healthy` and it has a
// healthcheck); kFailed when one exited, died or is unhealthy; else kWaiting. `*why` says which
// service keeps it from being ready.
StackReadiness Readiness(const ComposeContainers& containers, bool healthy, std::string* why);

// status.services: [{name, containers, state, health}], one per service, sorted by name. A
// service's state is its containers' when they agree, else the first one's that is not running.
nlohmann::json ServicesJson(const ComposeContainers& containers);

// Waits until a stack is ready (Readiness): `done` gets Ok, Invalid saying which service failed,
// or Unavailable after `timeout_ms` saying what it still waited for. It looks again on every
// event of a container of the project, and every second in case one was missed. `done` runs
// once, never after the waiter is destroyed (the owner may destroy it inside `done`).
class StackWaiter {
 public:
  StackWaiter(EventLoop* loop, docker::DockerEngine* engine, std::string project, bool healthy,
              long timeout_ms, std::function<void(Status)> done);
  ~StackWaiter();

 private:
  void Look();
  void OnContainers(Result<ComposeContainers> containers);
  void End(Status status);

  EventLoop* loop_;
  docker::DockerEngine* engine_;
  std::string project_;
  bool healthy_;
  std::function<void(Status)> done_;
  uint64_t watch_id_ = 0;
  std::unique_ptr<HttpCall> call_;
  bool look_again_ = false;
  std::string waiting_for_ = "the stack's containers";
  Timer recheck_timer_;
  Timer deadline_timer_;
  long timeout_ms_;
};

}  // namespace berth
