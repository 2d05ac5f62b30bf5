// `berthctl health`: succeeds when every autostart app is running and none of them fails its
// health check, so that it can serve as a container HEALTHCHECK or a monitoring probe.
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

// Running, and not unhealthy by its health check (one still starting counts as up).
bool is_up(const json& app) {
  const json& status = member(app, "status");
  return field_text(status, "state") == "running" &&
         field_text(member(status, "health"), "status") != "unhealthy";
}

// "web: failed (last error)" for an app that should run but does not; "web: running, unhealthy
// (3 failures: why)" for one that fails its health check.
std::string describe_down(const json& app) {
  const json& status = member(app, "status");
  std::string text = field_text(app, "name") + ": " + field_text(status, "state");
  if (const json& health = member(status, "health"); health.is_object()) {
    return text + ", " + health_text(health);
  }
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
    if (!is_up(app)) down.push_back(describe_down(app));
  }
  if (down.empty()) {
    ctx.out << "ok: " << expected << " of " << expected << " autostart apps running\n";
    return ExitCode::kOk;
  }
  ctx.out << "unhealthy: " << down.size() << " of " << expected
          << " autostart apps not running or failing their health check\n";
  for (const std::string& line : down) ctx.out << "  " << line << '\n';
  return ExitCode::kFailure;
}

}  // namespace

extern const Command kHealthCommand = {
    .name = "health",
    .arguments = "",
    .summary = "exit 0 when every autostart app is running and passes its health check",
    .run = run_health,
};

}  // namespace berth::cli
