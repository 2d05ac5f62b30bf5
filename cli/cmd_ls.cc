// `berthctl ls [--json]`: every app with its state, as a table or as the API's JSON.
#include "cli/api_call.h"
#include "cli/app_format.h"
#include "cli/table.h"

namespace berth::cli {
namespace {

ExitCode run_ls(Context& ctx, const ParsedArgs& args) {
  Reply reply = call(ctx, "GET", "/v1/apps");
  if (!reply.ok()) return reply.exit;
  std::optional<nlohmann::json> apps = decode(ctx, reply.response);
  if (!apps) return ExitCode::kFailure;
  if (args.has("json")) {
    ctx.out << apps->dump(2) << '\n';
    return ExitCode::kOk;
  }
  if (!apps->is_array()) {
    ctx.err << "berthctl: berthd at " << ctx.client.url() << " did not answer a list of apps\n";
    return ExitCode::kFailure;
  }
  Table table(app_table_headers());
  for (const nlohmann::json& app : *apps) table.add_row(app_row(app, ctx.now));
  table.render(ctx.out);
  return ExitCode::kOk;
}

}  // namespace

extern const Command kLsCommand = {
    .name = "ls",
    .arguments = "[--json]",
    .summary = "list the apps and their states",
    .flags = {{.name = "json"}},
    .run = run_ls,
};

}  // namespace berth::cli
