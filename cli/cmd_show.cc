// `berthctl show NAME [--json]`: one app's definition and status.
#include "cli/api_call.h"

namespace berth::cli {
namespace {

ExitCode run_show(Context& ctx, const ParsedArgs& args) {
  Reply reply = call(ctx, "GET", app_path(args.positionals[0]));
  if (!reply.ok()) return reply.exit;
  std::optional<nlohmann::json> app = decode(ctx, reply.response);
  if (!app) return ExitCode::kFailure;
  ctx.out << app->dump(args.has("json") ? -1 : 2) << '\n';
  return ExitCode::kOk;
}

}  // namespace

extern const Command kShowCommand = {
    .name = "show",
    .arguments = "NAME [--json]",
    .summary = "print an app as JSON (--json: on one line)",
    .flags = {{.name = "json"}},
    .min_positionals = 1,
    .max_positionals = 1,
    .run = run_show,
};

}  // namespace berth::cli
