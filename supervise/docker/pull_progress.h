// The progress objects of an image pull (`POST /images/create`), as log lines; and the error
// object by which the Engine reports a failed pull inside its 200 answer.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "base/status.h"

namespace berth::docker {

// "<id>: <status> <progress>" from {"id", "status", "progress"}, each part left out when it is
// missing or not a string: "a3ed95caeb02: Downloading [==>   ] 1.2MB/3.4MB",
// "latest: Pulling from library/busybox", "Digest: sha256:…". Line breaks and other control
// characters become spaces. Empty when the object has nothing to show (no status or
// progress, e.g. {"aux": …}, or not an object).
std::string PullProgressLine(const nlohmann::json& message);

// Ok for a progress object. For an error object ({"error": "…", "errorDetail": {"message":
// "…"}}), Unavailable with the registry's message as the daemon relays it (errorDetail's
// message, else error), e.g. "pull access denied for acme/app, repository does not exist or
// may require 'docker login'".
[[nodiscard]] Status PullProgressError(const nlohmann::json& message);

}  // namespace berth::docker
