// `berthctl start|stop|restart|pause|unpause NAME`: asks berthd to change an app's state and
// prints where the app went.
#include "cli/api_call.h"
#include "cli/app_format.h"

namespace berth::cli {
namespace {

ExitCode control(Context& ctx, const ParsedArgs& args, const char* command) {
  const std::string& name = args.positionals[0];
  nlohmann::json body = {{"command", command}};
  Reply reply = call(ctx, "POST", app_path(name, "/control"), body.dump());
  if (!reply.ok()) return reply.exit;
  std::optional<nlohmann::json> app = decode(ctx, reply.response);
  if (!app) return ExitCode::kFailure;
  ctx.out << name << ": " << field_text(member(*app, "status"), "state") << '\n';
  return ExitCode::kOk;
}

ExitCode run_start(Context& ctx, const ParsedArgs& args) { return control(ctx, args, "start"); }
ExitCode run_stop(Context& ctx, const ParsedArgs& args) { return control(ctx, args, "stop"); }
ExitCode run_restart(Context& ctx, const ParsedArgs& args) { return control(ctx, args, "restart"); }
ExitCode run_pause(Context& ctx, const ParsedArgs& args) { return control(ctx, args, "pause"); }
ExitCode run_unpause(Context& ctx, const ParsedArgs& args) { return control(ctx, args, "unpause"); }

}  // namespace

extern const Command kStartCommand = {
    .name = "start",
    .arguments = "NAME",
    .summary = "start an app",
    .min_positionals = 1,
    .max_positionals = 1,
    .run = run_start,
};

extern const Command kStopCommand = {
    .name = "stop",
    .arguments = "NAME",
    .summary = "stop an app",
    .min_positionals = 1,
    .max_positionals = 1,
    .run = run_stop,
};

extern const Command kRestartCommand = {
    .name = "restart",
    .arguments = "NAME",
    .summary = "restart an app",
    .min_positionals = 1,
    .max_positionals = 1,
    .run = run_restart,
};

extern const Command kPauseCommand = {
    .name = "pause",
    .arguments = "NAME",
    .summary = "freeze a running app where it is (state paused) until unpause",
    .min_positionals = 1,
    .max_positionals = 1,
    .run = run_pause,
};

extern const Command kUnpauseCommand = {
    .name = "unpause",
    .arguments = "NAME",
    .summary = "let a paused app run on",
    .min_positionals = 1,
    .max_positionals = 1,
    .run = run_unpause,
};

}  // namespace berth::cli
