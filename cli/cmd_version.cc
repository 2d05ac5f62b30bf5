// `berthctl version`: the client's version, then the version of the berthd it reaches.
#include "cli/api_call.h"
#include "cli/app_format.h"

namespace berth::cli {
namespace {

ExitCode run_version(Context& ctx, const ParsedArgs&) {
  ctx.out << "berthctl " << BERTH_VERSION << '\n';
  ctx.out.flush();
  Reply reply = call(ctx, "GET", "/up");
  if (!reply.ok()) return reply.exit;
  std::optional<nlohmann::json> up = decode(ctx, reply.response);
  if (!up) return ExitCode::kFailure;
  ctx.out << "berthd " << field_text(*up, "version") << " at " << ctx.client.url() << '\n';
  return ExitCode::kOk;
}

}  // namespace

extern const Command kVersionCommand = {
    .name = "version",
    .arguments = "",
    .summary = "print the versions of berthctl and berthd",
    .run = run_version,
};

}  // namespace berth::cli
