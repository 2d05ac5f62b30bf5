// Whose a container named berth-<app> is: berth made it for the app when it carries the label
// berth.app=<app>. Any other container of that name is foreign: berth neither replaces nor
// removes it, and a container app that needs the name is refused or cannot start.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "base/status.h"
#include "reactor/http_client.h"
#include "supervise/docker/docker_engine.h"

namespace berth {

// Conflict naming the container, saying berth did not make it, when `inspected` (the body of
// Docker's GET /containers/berth-<app>/json) is not the app's; Ok when it is.
Status CheckContainerIsApps(const nlohmann::json& inspected, const std::string& app);

// Asks `engine` for the container berth-<app>: `done` gets CheckContainerIsApps's answer, or Ok
// when there is no such container or Docker does not answer (the app's start tells then). The
// call is cancelled, and `done` never runs, when the returned call goes away.
[[nodiscard]] std::unique_ptr<HttpCall> AskForForeignContainer(docker::DockerEngine* engine,
                                                               const std::string& app,
                                                               std::function<void(Status)> done);

}  // namespace berth
