// SwarmStack: what a swarm runs of a compose app deployed with `docker stack deploy` (its
// services with desired and running replicas, their tasks and the nodes they run on), read back
// from the Engine API of a manager; SwarmStackReader, which reads it; SwarmWaiter, which waits
// until every service runs its desired replicas; and the check that the Docker berthd talks to
// is a swarm manager. berth keeps no cluster state of its own: all of it comes from the Engine.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/status.h"
#include "reactor/event_loop.h"
#include "supervise/compose_spec.h"
#include "supervise/compose_stack.h"
#include "supervise/docker/docker_engine.h"

namespace berth {

// The label `docker stack deploy` puts on a stack's services, tasks and networks.
inline constexpr char kStackNamespaceLabel[] = "com.docker.stack.namespace";

struct SwarmTask {
  std::string node;           // the node's hostname (its id when unknown)
  std::string state;          // "running", "starting", "failed", "rejected", "shutdown", ...
  std::string desired_state;  // "running", "shutdown"
  std::string error;          // Status.Err, else Status.Message when the task failed
  std::string updated_at;     // RFC 3339, for the newest error
  bool current = false;       // runs the service's present spec (not an older one)
};

struct SwarmService {
  std::string id;
  std::string name;     // "<project>_<service>", Swarm's name
  std::string service;  // "<service>", as the compose file names it
  std::string mode;     // "replicated", "global"
  int64_t desired = 0;
  int64_t running = 0;         // tasks of the present spec running (healthy, with a healthcheck)
  std::string update_state;    // UpdateStatus.State: "updating", "rollback_completed", ...
  std::string update_message;  // UpdateStatus.Message
  int64_t update_started_ms = 0;
  std::vector<SwarmTask> tasks;  // those that should run, and the newest failed one
};

struct SwarmStack {
  std::vector<SwarmService> services;              // sorted by name
  std::map<std::string, std::string> node_names;   // node id -> hostname
  std::map<std::string, std::string> node_states;  // hostname -> Status.State
  size_t task_count = 0;  // every task of the stack, also those of removed services
};

// One read of the Engine: GET /services?status=true, /tasks and /nodes answers.
SwarmStack ParseSwarmStack(const nlohmann::json& services, const nlohmann::json& tasks,
                           const nlohmann::json& nodes);
// {"services": [{name, mode, desired, running, tasks: [{node, state, desired_state, error}]}],
//  "nodes": [{name, state, running}]}.
nlohmann::json SwarmStackJson(const SwarmStack& stack);

// kReady when there are services and each runs its desired replicas of its present spec;
// kFailed when Swarm rolled a service back, or paused its update, after `since_ms` (wall
// clock); else kWaiting. `*why` names the service and its newest task error.
StackReadiness SwarmReadiness(const SwarmStack& stack, int64_t since_ms, std::string* why);

// The docker CLI's arguments (after "docker") deploying `compose`'s files in `workdir` as app
// `app`'s stack: stack deploy --with-registry-auth --prune -c <file> [-c <include>…] <project>.
std::vector<std::string> StackDeployArgs(const std::string& app, const ComposeSpec& compose,
                                         const std::string& workdir, const std::string& file);

// Ok when the Docker behind `engine` is an active swarm manager; Invalid (compose.target) saying
// what to do when it is not; Unavailable when it cannot be asked. `done` runs once, never after the returned call is destroyed.
[[nodiscard]] std::unique_ptr<HttpCall> CheckSwarmManager(docker::DockerEngine* engine,
                                                          std::function<void(Status)> done);

// Reads stack `project` from the Engine: its services, then its tasks, then the nodes. `done`
// runs once, never after the reader is destroyed; the owner frees the reader after `done`, not
// inside it (it runs inside the reader's last call).
class SwarmStackReader {
 public:
  using Done = std::function<void(Result<SwarmStack>)>;
  SwarmStackReader(docker::DockerEngine* engine, std::string project, Done done);

 private:
  void Get(const std::string& path, nlohmann::json* into, void (SwarmStackReader::*next)());
  void GotServices();
  void GotTasks();
  void GotNodes();

  docker::DockerEngine* engine_;
  std::string project_;
  Done done_;
  nlohmann::json services_, tasks_, nodes_;
  std::unique_ptr<HttpCall> call_;
  std::shared_ptr<HttpCall> finished_;  // the call before, ended inside its own callback
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

// Waits until stack `project` is ready (SwarmReadiness), looking every second: `done` gets Ok,
// Invalid when Swarm rolled back or paused a service, or Unavailable after `timeout_ms` saying
// what it still waited for. `done` runs once, never after the waiter is destroyed; the owner
// frees the waiter after `done`, on a later loop turn.
class SwarmWaiter {
 public:
  SwarmWaiter(EventLoop* loop, docker::DockerEngine* engine, std::string project, int64_t since_ms,
              long timeout_ms, std::function<void(Status)> done);
  ~SwarmWaiter();

 private:
  void Look();
  void OnStack(Result<SwarmStack> stack);
  void End(Status status);

  EventLoop* loop_;
  docker::DockerEngine* engine_;
  std::string project_;
  int64_t since_ms_;
  std::function<void(Status)> done_;
  std::unique_ptr<SwarmStackReader> reader_;
  std::string waiting_for_ = "the stack's services";
  Timer recheck_timer_;
  Timer deadline_timer_;
  long timeout_s_ = 0;
};

}  // namespace berth
