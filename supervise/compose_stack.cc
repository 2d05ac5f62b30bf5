// Reading a Compose project's containers from the Engine, and waiting until they are ready.
#include "supervise/compose_stack.h"

#include <algorithm>
#include <map>
#include <tuple>
#include <utility>

#include "reactor/curl_handles.h"
#include "supervise/docker/container_address.h"

namespace berth {
namespace {

using nlohmann::json;

constexpr long kRecheckMs = 1000;

std::string Label(const json& labels, const char* key) {
  if (!labels.is_object() || !labels.contains(key) || !labels[key].is_string()) return "";
  return labels[key].get<std::string>();
}

// The health in Docker's status words: "Up 5 seconds (healthy)", "(health: starting)".
std::string HealthIn(const std::string& status) {
  if (status.find("(healthy)") != std::string::npos) return "healthy";
  if (status.find("(unhealthy)") != std::string::npos) return "unhealthy";
  if (status.find("(health: starting)") != std::string::npos) return "starting";
  return "";
}

std::string NameOf(const json& container) {
  const json& names = container.value("Names", json::array());
  if (!names.is_array() || names.empty() || !names[0].is_string()) return "";
  std::string name = names[0].get<std::string>();
  return name.rfind('/', 0) == 0 ? name.substr(1) : name;
}

}  // namespace

ComposeContainers ParseComposeContainers(const json& list) {
  ComposeContainers containers;
  if (!list.is_array()) return containers;
  for (const json& item : list) {
    if (!item.is_object()) continue;
    const json& labels = item.value("Labels", json::object());
    if (Label(labels, "com.docker.compose.oneoff") == "True") continue;
    ComposeContainer container{.id = item.value("Id", ""),
                               .name = NameOf(item),
                               .service = Label(labels, docker::kComposeServiceLabel),
                               .state = item.value("State", ""),
                               .status = item.value("Status", "")};
    // Compose names the networks it makes "<project>_<network>".
    container.address = docker::PreferredAddress(
        docker::ContainerAddresses(item.value("NetworkSettings", json::object())),
        Label(labels, docker::kComposeProjectLabel) + "_");
    container.health = container.state == "running" ? HealthIn(container.status) : "";
    containers.push_back(std::move(container));
  }
  std::sort(containers.begin(), containers.end(), [](const auto& a, const auto& b) {
    return std::tie(a.service, a.name) < std::tie(b.service, b.name);
  });
  return containers;
}

std::unique_ptr<HttpCall> ListComposeContainers(docker::DockerEngine* engine,
                                                const std::string& project,
                                                ComposeContainersFn done) {
  json filters = {{"label", {std::string(docker::kComposeProjectLabel) + "=" + project}}};
  return engine->Call("GET", "/containers/json?all=1&filters=" + UrlEscape(filters.dump()),
                      nullptr, [done = std::move(done)](Result<docker::EngineReply> reply) {
                        if (!reply.ok()) return done(reply.status());
                        if (reply->status != 200)
                          return done(Status::Unavailable("cannot list the stack's containers: " +
                                                          reply->Message()));
                        done(ParseComposeContainers(reply->body));
                      });
}

StackReadiness Readiness(const ComposeContainers& containers, bool healthy, std::string* why) {
  if (containers.empty()) {
    *why = "no container of the stack runs";
    return StackReadiness::kWaiting;
  }
  StackReadiness readiness = StackReadiness::kReady;
  for (const ComposeContainer& c : containers) {
    std::string who = "service " + c.service + " (" + c.name + ")";
    if (c.state == "exited" || c.state == "dead") {
      *why = who + " is not running: " + c.status;
      return StackReadiness::kFailed;
    }
    if (healthy && c.health == "unhealthy") {
      *why = who + " is unhealthy: its healthcheck fails";
      return StackReadiness::kFailed;
    }
    if (readiness == StackReadiness::kReady && c.state != "running") {
      *why = who + " is " + c.state;
      readiness = StackReadiness::kWaiting;
    } else if (readiness == StackReadiness::kReady && healthy && c.health == "starting") {
      *why = who + " is not healthy yet";
      readiness = StackReadiness::kWaiting;
    }
  }
  return readiness;
}

json ServicesJson(const ComposeContainers& containers) {
  std::map<std::string, json> services;
  for (const ComposeContainer& c : containers) {
    json& service = services[c.service];
    if (service.is_null())
      service = {{"name", c.service}, {"containers", json::array()}, {"state", c.state},
                 {"health", c.health.empty() ? json(nullptr) : json(c.health)}};
    service["containers"].push_back(c.name.empty() ? c.id : c.name);
    if (service["state"] == "running" && c.state != "running") service["state"] = c.state;
    if (service["health"] == "healthy" && c.health != "healthy")
      service["health"] = c.health.empty() ? json(nullptr) : json(c.health);
  }
  json out = json::array();
  for (auto& [name, service] : services) out.push_back(std::move(service));
  return out;
}

StackWaiter::StackWaiter(EventLoop* loop, docker::DockerEngine* engine, std::string project,
                         bool healthy, long timeout_ms, std::function<void(Status)> done)
    : loop_(loop),
      engine_(engine),
      project_(std::move(project)),
      healthy_(healthy),
      done_(std::move(done)),
      recheck_timer_(loop, [this] { Look(); }),
      deadline_timer_(loop,
                      [this] {
                        End(Status::Unavailable("not ready after " +
                                                std::to_string(timeout_ms_ / 1000) +
                                                " s: " + waiting_for_));
                      }),
      timeout_ms_(timeout_ms) {
  watch_id_ = engine_->Watch(
      [this](const docker::ContainerEvent& event) {
        if (event.project == project_) Look();
      },
      nullptr);
  deadline_timer_.Start(timeout_ms_);
  Look();
}

StackWaiter::~StackWaiter() { engine_->Unwatch(watch_id_); }

void StackWaiter::Look() {
  if (!done_) return;
  // One question at a time: events that come meanwhile ask once more after it.
  if (call_) {
    look_again_ = true;
    return;
  }
  recheck_timer_.Start(kRecheckMs);
  call_ = ListComposeContainers(engine_, project_, [this](Result<ComposeContainers> found) {
    loop_->Defer([call = std::shared_ptr<HttpCall>(std::move(call_))] {});
    OnContainers(std::move(found));
  });
}

void StackWaiter::OnContainers(Result<ComposeContainers> containers) {
  if (!containers.ok()) {
    waiting_for_ = containers.status().message();
  } else {
    std::string why;
    StackReadiness readiness = Readiness(*containers, healthy_, &why);
    if (readiness == StackReadiness::kReady) return End(Status::Ok());
    if (readiness == StackReadiness::kFailed) return End(Status::Invalid(why));
    waiting_for_ = why;
  }
  if (std::exchange(look_again_, false)) Look();
}

void StackWaiter::End(Status status) {
  if (!done_) return;
  recheck_timer_.Stop();
  deadline_timer_.Stop();
  std::function<void(Status)> done = std::move(done_);
  done_ = nullptr;
  done(std::move(status));  // may destroy this
}

}  // namespace berth
