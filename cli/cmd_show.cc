// `berthctl show NAME [--json]`: one app's definition and status, laid out for its kind.
#include "cli/api_call.h"
#include "cli/app_detail.h"

namespace berth::cli {
namespace {

ExitCode run_show(Context& ctx, const ParsedArgs& args) {
  Reply reply = call(ctx, "GET", app_path(args.positionals[0]));
  if (!reply.ok()) return reply.exit;
  std::optional<nlohmann::json> app = decode(ctx, reply.response);
  if (!app) return ExitCode::kFailure;
  if (args.has("json")) {
    ctx.out << app->dump(2) << '\n';
    return ExitCode::kOk;
  }
  render_details(app_details(*app, ctx.now), ctx.out);
  return ExitCode::kOk;
}

}  // namespace

extern const Command kShowCommand = {
    .name = "show",
    .arguments = "NAME [--json]",
    .summary = "print an app's status and definition (--json: the API's JSON)",
    .flags = {{.name = "json"}},
    .min_positionals = 1,
    .max_positionals = 1,
    .run = run_show,
};

}  // namespace berth::cli
