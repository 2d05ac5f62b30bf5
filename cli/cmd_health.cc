// `berthctl health`: succeeds when every autostart app is running, so that it can serve as a
// container HEALTHCHECK or a monitoring probe.
#include "cli/api_call.h"
#include "cli/app_format.h"

namespace berth::cli {
namespace {

using nlohmann::json;

// Apps that do not say otherwise start with berthd.
bool starts_automatically(const json& app) {
  const json& autostart = member(app, "autostart");
  return !autostart.is_boolean() || autostart.get<bool>();
}

// "web: failed (last error)" for an app that should run but does not.
std::string describe_down(const json& app) {
  const json& status = member(app, "status");
  std::string text = field_text(app, "name") + ": " + field_text(status, "state");
  if (const json& error = member(status, "last_error"); error.is_string()) {
    text += " (" + error.get<std::string>() + ")";
  }
  return text;
}

ExitCode run_health(Context& ctx, const ParsedArgs&) {
  Reply reply = call(ctx, "GET", "/v1/apps");
  if (!reply.ok()) return reply.exit;
  std::optional<json> apps = decode(ctx, reply.response);
  if (!apps) return ExitCode::kFailure;
  if (!apps->is_array()) {
    ctx.err << "berthctl: berthd at " << ctx.client.url() << " did not answer a list of apps\n";
    return ExitCode::kFailure;
  }
  size_t expected = 0;
  std::vector<std::string> down;
  for (const json& app : *apps) {
    if (!starts_automatically(app)) continue;
    ++expected;
    if (field_text(member(app, "status"), "state") != "running") down.push_back(describe_down(app));
  }
  if (down.empty()) {
    ctx.out << "ok: " << expected << " of " << expected << " autostart apps running\n";
    return ExitCode::kOk;
  }
  ctx.out << "unhealthy: " << down.size() << " of " << expected << " autostart apps not running\n";
  for (const std::string& line : down) ctx.out << "  " << line << '\n';
  return ExitCode::kFailure;
}

}  // namespace

extern const Command kHealthCommand = {
    .name = "health",
    .arguments = "",
    .summary = "exit 0 when every autostart app is running",
    .run = run_health,
};

}  // namespace berth::cli
