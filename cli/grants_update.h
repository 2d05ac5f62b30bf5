// Changing one user's grants as `berthctl grant` and `revoke` do: read them, change them,
// send the whole list back.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/command.h"

namespace berth::cli {

// GETs `user`, hands its grants to `change` and PATCHes the result back, then prints the
// grants berthd answered with. `change` fails (its message printed) to leave them as they are.
ExitCode update_grants(Context& ctx, const std::string& user,
                       const std::function<Result<nlohmann::json>(nlohmann::json)>& change);

}  // namespace berth::cli
