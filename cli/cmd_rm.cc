// `berthctl rm NAME [--purge]`: stops and removes an app (with --purge, its files and user too).
#include "cli/api_call.h"

namespace berth::cli {
namespace {

ExitCode run_rm(Context& ctx, const ParsedArgs& args) {
  const std::string& name = args.positionals[0];
  bool purge = args.has("purge");
  Reply reply = call(ctx, "DELETE", app_path(name, purge ? "?purge=true" : ""));
  if (!reply.ok()) return reply.exit;
  ctx.out << (purge ? "purged " : "removed ") << name << '\n';
  return ExitCode::kOk;
}

}  // namespace

extern const Command kRmCommand = {
    .name = "rm",
    .arguments = "NAME [--purge]",
    .summary = "remove an app (--purge: its files and user too)",
    .flags = {{.name = "purge"}},
    .min_positionals = 1,
    .max_positionals = 1,
    .run = run_rm,
};

}  // namespace berth::cli
