// Reading a Swarm stack back from a manager's Engine API, and waiting until it is ready.
#include "supervise/swarm_stack.h"

#include <algorithm>

#include "reactor/clock.h"
#include "reactor/http_client.h"

namespace berth {
namespace {

using nlohmann::json;

constexpr long kRecheckMs = 1000;

// The Engine's answers are read without trusting their shape.
const json& Field(const json& j, const char* key) {
  static const json kNull;
  if (!j.is_object()) return kNull;
  auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}

std::string Text(const json& j, const char* key) {
  const json& value = Field(j, key);
  return value.is_string() ? value.get<std::string>() : "";
}

int64_t Number(const json& j, const char* key) {
  const json& value = Field(j, key);
  return value.is_number_integer() ? value.get<int64_t>() : 0;
}

SwarmTask ParseTask(const json& task, const json& service_container_spec,
                    const std::map<std::string, std::string>& node_names) {
  const json& status = Field(task, "Status");
  SwarmTask t{.node = Text(task, "NodeID"),
              .state = Text(status, "State"),
              .desired_state = Text(task, "DesiredState"),
              .error = Text(status, "Err"),
              .updated_at = Text(task, "UpdatedAt"),
              .current = Field(Field(task, "Spec"), "ContainerSpec") == service_container_spec};
  if (auto it = node_names.find(t.node); it != node_names.end()) t.node = it->second;
  if (t.error.empty() && (t.state == "failed" || t.state == "rejected"))
    t.error = Text(status, "Message");
  return t;
}

SwarmService ParseService(const json& service, const json& tasks,
                          const std::map<std::string, std::string>& node_names) {
  const json& spec = Field(service, "Spec");
  const json& mode = Field(spec, "Mode");
  const json& update = Field(service, "UpdateStatus");
  SwarmService s{.id = Text(service, "ID"),
                 .name = Text(spec, "Name"),
                 .mode = Field(mode, "Global").is_object() ? "global" : "replicated",
                 .update_state = Text(update, "State"),
                 .update_message = Text(update, "Message"),
                 .update_started_ms = ParseRfc3339(Text(update, "StartedAt")).value_or(0)};
  std::string stack = Text(Field(spec, "Labels"), kStackNamespaceLabel);
  s.service = !stack.empty() && s.name.rfind(stack + "_", 0) == 0 ? s.name.substr(stack.size() + 1)
                                                                  : s.name;
  s.desired = s.mode == "global" ? Number(Field(service, "ServiceStatus"), "DesiredTasks")
                                 : Number(Field(mode, "Replicated"), "Replicas");
  const json& container_spec = Field(Field(spec, "TaskTemplate"), "ContainerSpec");
  const SwarmTask* newest_failed = nullptr;
  std::vector<SwarmTask> all;
  for (const json& task : tasks.is_array() ? tasks : json::array())
    if (Text(task, "ServiceID") == s.id) all.push_back(ParseTask(task, container_spec, node_names));
  for (const SwarmTask& t : all) {
    if (t.desired_state == "running") s.tasks.push_back(t);
    if (t.desired_state == "running" && t.state == "running" && t.current) ++s.running;
    if (!t.error.empty() && (!newest_failed || t.updated_at > newest_failed->updated_at))
      newest_failed = &t;
  }
  // The newest failure stays in sight while Swarm starts the next task.
  if (newest_failed && newest_failed->desired_state != "running") s.tasks.push_back(*newest_failed);
  return s;
}

std::string NewestError(const SwarmService& service) {
  std::string error, at;
  for (const SwarmTask& t : service.tasks)
    if (!t.error.empty() && t.updated_at >= at) error = t.error, at = t.updated_at;
  return error;
}

}  // namespace

SwarmStack ParseSwarmStack(const json& services, const json& tasks, const json& nodes) {
  SwarmStack stack;
  for (const json& node : nodes.is_array() ? nodes : json::array()) {
    std::string name = Text(Field(node, "Description"), "Hostname");
    if (name.empty()) name = Text(node, "ID");
    stack.node_names[Text(node, "ID")] = name;
    stack.node_states[name] = Text(Field(node, "Status"), "State");
  }
  stack.task_count = tasks.is_array() ? tasks.size() : 0;
  for (const json& service : services.is_array() ? services : json::array())
    if (service.is_object())
      stack.services.push_back(ParseService(service, tasks, stack.node_names));
  std::sort(stack.services.begin(), stack.services.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  return stack;
}

json SwarmStackJson(const SwarmStack& stack) {
  json services = json::array();
  std::map<std::string, int64_t> running_on;
  for (const SwarmService& s : stack.services) {
    json tasks = json::array();
    for (const SwarmTask& t : s.tasks) {
      tasks.push_back({{"node", t.node},
                       {"state", t.state},
                       {"desired_state", t.desired_state},
                       {"error", t.error.empty() ? json(nullptr) : json(t.error)}});
      if (t.state == "running" && t.desired_state == "running") ++running_on[t.node];
    }
    json service = {{"name", s.service},
                    {"mode", s.mode},
                    {"desired", s.desired},
                    {"running", s.running},
                    {"tasks", tasks}};
    if (!s.update_state.empty())
      service["update"] = {{"state", s.update_state}, {"message", s.update_message}};
    services.push_back(std::move(service));
  }
  json nodes = json::array();
  for (const auto& [name, state] : stack.node_states)
    nodes.push_back({{"name", name}, {"state", state}, {"running", running_on[name]}});
  return {{"services", services}, {"nodes", nodes}};
}

StackReadiness SwarmReadiness(const SwarmStack& stack, int64_t since_ms, std::string* why) {
  if (stack.services.empty()) {
    *why = "the stack has no services yet";
    return StackReadiness::kWaiting;
  }
  for (const SwarmService& s : stack.services) {
    bool recent = s.update_started_ms >= since_ms;
    if (recent && s.update_state.rfind("rollback_", 0) == 0) {
      *why = "Swarm rolled service " + s.name + " back (" + s.update_state + ")" +
             (s.update_message.empty() ? "" : ": " + s.update_message);
      return StackReadiness::kFailed;
    }
    if (recent && s.update_state == "paused") {
      *why = "Swarm paused the update of service " + s.name +
             (s.update_message.empty() ? "" : ": " + s.update_message);
      return StackReadiness::kFailed;
    }
  }
  for (const SwarmService& s : stack.services) {
    if (s.running >= s.desired && s.update_state != "updating") continue;
    std::string error = NewestError(s);
    *why = s.running >= s.desired ? "Swarm is updating service " + s.name
                                  : "service " + s.name + " runs " + std::to_string(s.running) +
                                        " of " + std::to_string(s.desired) + " replicas";
    if (!error.empty()) *why += " (its newest task failed: " + error + ")";
    return StackReadiness::kWaiting;
  }
  why->clear();
  return StackReadiness::kReady;
}

std::vector<std::string> StackDeployArgs(const std::string& app, const ComposeSpec& compose,
                                         const std::string& workdir, const std::string& file) {
  std::vector<std::string> argv = {"stack",   "deploy", "--with-registry-auth",
                                   "--prune", "-c",     workdir + "/" + file};
  for (const std::string& include : compose.includes)
    argv.insert(argv.end(), {"-c", workdir + "/" + include});
  argv.push_back(ComposeProjectName(app));
  return argv;
}

std::unique_ptr<HttpCall> CheckSwarmManager(docker::DockerEngine* engine,
                                            std::function<void(Status)> done) {
  return engine->Call("GET", "/info", nullptr, [done](Result<docker::EngineReply> reply) {
    if (!reply.ok()) return done(reply.status());
    if (reply->status != 200)
      return done(Status::Unavailable("cannot ask Docker whether it is a swarm manager: " +
                                      reply->Message()));
    const json& swarm = Field(reply->body, "Swarm");
    std::string state = Text(swarm, "LocalNodeState");
    bool manager = Field(swarm, "ControlAvailable") == true;
    if (state == "active" && manager) return done(Status::Ok());
    std::string what = state.empty() || state == "inactive" ? "not in a swarm"
                                                            : "in swarm state \"" + state + "\"";
    if (state == "active") what = "a swarm worker, not a manager";
    done(Status::Invalid(
        "compose.target swarm needs the Docker that berthd talks to to be a swarm manager "
        "(docker swarm init, or run berthd on a manager node); this one is " +
            what,
        "compose.target"));
  });
}

SwarmStackReader::SwarmStackReader(docker::DockerEngine* engine, std::string project, Done done)
    : engine_(engine), project_(std::move(project)), done_(std::move(done)) {
  json filters = {{"label", {std::string(kStackNamespaceLabel) + "=" + project_}}};
  Get("/services?status=true&filters=" + UrlEscape(filters.dump()), &services_,
      &SwarmStackReader::GotServices);
}

void SwarmStackReader::Get(const std::string& path, json* into, void (SwarmStackReader::*next)()) {
  auto call = engine_->Call(
      "GET", path, nullptr,
      [this, into, next, alive = std::weak_ptr<int>(alive_)](Result<docker::EngineReply> reply) {
        if (!alive.lock()) return;
        if (!reply.ok()) return done_(reply.status());
        if (reply->status != 200)
          return done_(Status::Unavailable("cannot read the swarm stack: " + reply->Message()));
        *into = std::move(reply->body);
        (this->*next)();
      });
  // The finished call is replaced from inside its own callback: freed later.
  if (call_) std::shared_ptr<HttpCall>(std::move(call_)).swap(finished_);
  call_ = std::move(call);
}

void SwarmStackReader::GotServices() {
  json filters = {{"label", {std::string(kStackNamespaceLabel) + "=" + project_}}};
  Get("/tasks?filters=" + UrlEscape(filters.dump()), &tasks_, &SwarmStackReader::GotTasks);
}

void SwarmStackReader::GotTasks() { Get("/nodes", &nodes_, &SwarmStackReader::GotNodes); }

void SwarmStackReader::GotNodes() { done_(ParseSwarmStack(services_, tasks_, nodes_)); }

SwarmWaiter::SwarmWaiter(EventLoop* loop, docker::DockerEngine* engine, std::string project,
                         int64_t since_ms, long timeout_ms, std::function<void(Status)> done)
    : loop_(loop),
      engine_(engine),
      project_(std::move(project)),
      since_ms_(since_ms),
      done_(std::move(done)),
      recheck_timer_(loop, [this] { Look(); }),
      deadline_timer_(loop, [this] {
        End(Status::Unavailable("not ready after " + std::to_string(timeout_s_) +
                                " s: " + waiting_for_));
      }) {
  timeout_s_ = timeout_ms / 1000;
  deadline_timer_.Start(timeout_ms);
  Look();
}

SwarmWaiter::~SwarmWaiter() = default;

void SwarmWaiter::Look() {
  if (reader_) loop_->Defer([old = std::shared_ptr<SwarmStackReader>(std::move(reader_))] {});
  reader_ = std::make_unique<SwarmStackReader>(
      engine_, project_, [this](Result<SwarmStack> stack) { OnStack(std::move(stack)); });
}

void SwarmWaiter::OnStack(Result<SwarmStack> stack) {
  if (!done_) return;
  if (!stack.ok()) {
    waiting_for_ = stack.status().message();
  } else {
    switch (SwarmReadiness(*stack, since_ms_, &waiting_for_)) {
      case StackReadiness::kReady:
        return End(Status::Ok());
      case StackReadiness::kFailed:
        return End(Status::Invalid(waiting_for_));
      case StackReadiness::kWaiting:
        break;
    }
  }
  recheck_timer_.Start(kRecheckMs);
}

void SwarmWaiter::End(Status status) {
  recheck_timer_.Stop();
  deadline_timer_.Stop();
  auto done = std::move(done_);
  done_ = nullptr;
  if (done) done(std::move(status));  // may destroy this
}

}  // namespace berth
