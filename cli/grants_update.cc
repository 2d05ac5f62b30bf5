// Read, change and write back a user's grants.
#include "cli/grants_update.h"

#include "cli/api_call.h"
#include "cli/user_format.h"

namespace berth::cli {

ExitCode update_grants(Context& ctx, const std::string& user,
                       const std::function<Result<nlohmann::json>(nlohmann::json)>& change) {
  Reply got = call(ctx, "GET", user_path(user));
  if (!got.ok()) return got.exit;
  std::optional<nlohmann::json> current = decode(ctx, got.response);
  if (!current) return ExitCode::kFailure;
  Result<nlohmann::json> grants = change(member(*current, "grants"));
  if (!grants.ok()) {
    ctx.err << "berthctl: " << user << ": " << grants.status().message() << '\n';
    return ExitCode::kFailure;
  }
  nlohmann::json body = {{"grants", *grants}};
  Reply patched = call(ctx, "PATCH", user_path(user), body.dump());
  if (!patched.ok()) return patched.exit;
  std::optional<nlohmann::json> updated = decode(ctx, patched.response);
  if (!updated) return ExitCode::kFailure;
  ctx.out << user << ": " << grants_text(member(*updated, "grants")) << '\n';
  return ExitCode::kOk;
}

}  // namespace berth::cli
