// `berthctl revoke USER SCOPE [ACTION,...]`: takes actions, or the whole grant, on a scope
// away from a user.
#include "cli/grants_update.h"
#include "cli/user_format.h"

namespace berth::cli {
namespace {

ExitCode run_revoke(Context& ctx, const ParsedArgs& args) {
  const std::string& scope = args.positionals[1];
  std::vector<std::string> actions;
  if (args.positionals.size() == 3) actions = split_actions(args.positionals[2]);
  return update_grants(ctx, args.positionals[0],
                       [&](nlohmann::json grants) -> Result<nlohmann::json> {
                         return remove_grant(std::move(grants), scope, actions);
                       });
}

}  // namespace

extern const Command kRevokeCommand = {
    .name = "revoke",
    .arguments = "USER SCOPE [ACTION,...]",
    .summary = "take actions (or, without any, the whole grant) on a scope from a user",
    .min_positionals = 2,
    .max_positionals = 3,
    .run = run_revoke,
};

}  // namespace berth::cli
