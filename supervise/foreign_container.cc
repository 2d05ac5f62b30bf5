// Telling berth's own containers from foreign ones of the same name.
#include "supervise/foreign_container.h"

#include "reactor/log.h"
#include "supervise/container_runtime.h"

namespace berth {
namespace {

// An answer to wait for, not a start: Docker that is slow to answer leaves the app accepted.
constexpr long kAskTimeoutMs = 10000;

// The berth.app label of an inspected container, or "".
std::string AppLabel(const nlohmann::json& inspected) {
  const nlohmann::json::json_pointer labels("/Config/Labels");
  if (!inspected.is_object() || !inspected.contains(labels)) return "";
  const nlohmann::json& found = inspected.at(labels);
  if (!found.is_object()) return "";
  auto label = found.find(docker::kAppLabel);
  return label != found.end() && label->is_string() ? label->get<std::string>() : "";
}

}  // namespace

Status CheckContainerIsApps(const nlohmann::json& inspected, const std::string& app) {
  if (AppLabel(inspected) == app) return Status::Ok();
  return Status::Conflict("a container named " + ContainerName(app) +
                          " exists and berth did not make it; remove or rename it");
}

std::unique_ptr<HttpCall> AskForForeignContainer(docker::DockerEngine* engine,
                                                 const std::string& app,
                                                 std::function<void(Status)> done) {
  return engine->Call(
      "GET", "/containers/" + ContainerName(app) + "/json", nullptr,
      [app, done = std::move(done)](Result<docker::EngineReply> reply) {
        if (!reply.ok() || reply->status != 200) {
          if (!reply.ok() || reply->status != 404)
            LogWarn("app " + app + ": cannot ask Docker about its container: " +
                    (reply.ok() ? reply->Message() : reply.status().message()));
          return done(Status::Ok());
        }
        done(CheckContainerIsApps(reply->body, app));
      },
      {}, kAskTimeoutMs);
}

}  // namespace berth
