// `berthctl grant USER SCOPE ACTION[,ACTION...]`: adds actions to a user's grant on a scope.
#include "cli/grants_update.h"
#include "cli/user_format.h"

namespace berth::cli {
namespace {

ExitCode run_grant(Context& ctx, const ParsedArgs& args) {
  const std::string& scope = args.positionals[1];
  std::vector<std::string> actions = split_actions(args.positionals[2]);
  if (actions.empty()) {
    ctx.err << "berthctl: name at least one action, e.g. view,control\n";
    return ExitCode::kUsage;
  }
  return update_grants(ctx, args.positionals[0],
                       [&](nlohmann::json grants) -> Result<nlohmann::json> {
                         return add_grant(std::move(grants), scope, actions);
                       });
}

}  // namespace

extern const Command kGrantCommand = {
    .name = "grant",
    .arguments = "USER SCOPE ACTION[,ACTION...]",
    .summary = "let a user do more on a scope (global, app:NAME, app:GLOB)",
    .min_positionals = 3,
    .max_positionals = 3,
    .run = run_grant,
};

}  // namespace berth::cli
