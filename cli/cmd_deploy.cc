// `berthctl redeploy NAME [--force] [--wait]`, `rollback NAME [RELEASE] [--wait]` and
// `deployments NAME [ID] [--json]`: deploying an app with a source, and its record.
#include <algorithm>
#include <chrono>
#include <thread>

#include "cli/api_call.h"
#include "cli/app_format.h"
#include "cli/table.h"

namespace berth::cli {
namespace {

constexpr std::chrono::milliseconds kFirstPoll{50};
constexpr std::chrono::milliseconds kLongestPoll{500};

// Follows deployment `id` until it ends, printing its log as it grows, then one line with the
// outcome. Fails when the deployment failed (and when it was rolled back).
ExitCode wait_for_deployment(Context& ctx, const std::string& name, const std::string& id) {
  const std::string path = app_path(name, "/deployments/" + id + "?log=true");
  size_t printed = 0;
  std::chrono::milliseconds pause = kFirstPoll;
  while (true) {
    Reply reply = call(ctx, "GET", path);
    if (!reply.ok()) return reply.exit;
    std::optional<nlohmann::json> deployment = decode(ctx, reply.response);
    if (!deployment) return ExitCode::kFailure;
    const nlohmann::json& log = member(*deployment, "log");
    if (log.is_string() && log.get_ref<const std::string&>().size() > printed) {
      ctx.out << log.get_ref<const std::string&>().substr(printed);
      printed = log.get_ref<const std::string&>().size();
      ctx.out.flush();
    }
    std::string outcome = field_text(*deployment, "outcome");
    if (outcome != "running") {
      ctx.out << name << ": deployment " << id << ' ' << outcome;
      if (member(*deployment, "error").is_string())
        ctx.out << ": " << field_text(*deployment, "error");
      ctx.out << '\n';
      bool failed = outcome == "failed" || outcome == "rolled_back";
      return failed ? ExitCode::kFailure : ExitCode::kOk;
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, kLongestPoll);
  }
}

// Posts a deploy command and prints the id of the deployment it began; with `wait`, follows
// it to its end.
ExitCode post_deploy(Context& ctx, const std::string& name, const nlohmann::json& body, bool wait) {
  Reply reply = call(ctx, "POST", app_path(name, "/control"), body.dump());
  if (!reply.ok()) return reply.exit;
  std::optional<nlohmann::json> app = decode(ctx, reply.response);
  if (!app) return ExitCode::kFailure;
  std::string id = field_text(member(*app, "status"), "deploying");
  if (wait) {
    ctx.out << name << ": deployment " << id << " started\n";
    return wait_for_deployment(ctx, name, id);
  }
  ctx.out << name << ": deployment " << id << " started (berthctl deployments " << name << " " << id
          << ")\n";
  return ExitCode::kOk;
}

ExitCode run_redeploy(Context& ctx, const ParsedArgs& args) {
  return post_deploy(ctx, args.positionals[0],
                     {{"command", "redeploy"}, {"force", args.has("force")}}, args.has("wait"));
}

ExitCode run_rollback(Context& ctx, const ParsedArgs& args) {
  nlohmann::json body = {{"command", "rollback"}};
  if (args.positionals.size() > 1) body["release"] = args.positionals[1];
  return post_deploy(ctx, args.positionals[0], body, args.has("wait"));
}

std::vector<std::string> deployment_row(const nlohmann::json& d) {
  std::string revision = field_text(d, "revision");
  if (revision.size() > 12) revision.resize(12);
  std::string duration = field_text(d, "duration_ms");
  return {field_text(d, "id"),
          field_text(d, "trigger"),
          field_text(d, "outcome"),
          revision,
          field_text(d, "release"),
          field_text(d, "started"),
          duration == "-" ? duration : duration + " ms",
          field_text(d, "error")};
}

ExitCode run_deployments(Context& ctx, const ParsedArgs& args) {
  const std::string& name = args.positionals[0];
  bool one = args.positionals.size() > 1;
  std::string path = one ? "/deployments/" + args.positionals[1] + "?log=true" : "/deployments";
  Reply reply = call(ctx, "GET", app_path(name, path));
  if (!reply.ok()) return reply.exit;
  std::optional<nlohmann::json> body = decode(ctx, reply.response);
  if (!body) return ExitCode::kFailure;
  if (args.has("json")) {
    ctx.out << body->dump(2) << '\n';
    return ExitCode::kOk;
  }
  Table table({"ID", "TRIGGER", "OUTCOME", "REVISION", "RELEASE", "STARTED", "TOOK", "ERROR"});
  if (one) {
    table.add_row(deployment_row(*body));
    table.render(ctx.out);
    ctx.out << '\n' << field_text(*body, "log");
    return ExitCode::kOk;
  }
  for (const nlohmann::json& d : *body) table.add_row(deployment_row(d));
  table.render(ctx.out);
  return ExitCode::kOk;
}

}  // namespace

extern const Command kRedeployCommand = {
    .name = "redeploy",
    .arguments = "NAME [--force] [--wait]",
    .summary =
        "fetch an app's source again; deploy if it changed (--force: always; --wait: "
        "follow its log to the end, fail if it fails)",
    .flags = {{.name = "force"}, {.name = "wait"}},
    .min_positionals = 1,
    .max_positionals = 1,
    .run = run_redeploy,
};

extern const Command kRollbackCommand = {
    .name = "rollback",
    .arguments = "NAME [RELEASE] [--wait]",
    .summary = "serve an earlier release again (default: the one before; --wait as redeploy)",
    .flags = {{.name = "wait"}},
    .min_positionals = 1,
    .max_positionals = 2,
    .run = run_rollback,
};

extern const Command kDeploymentsCommand = {
    .name = "deployments",
    .arguments = "NAME [ID] [--json]",
    .summary = "an app's deployments; with ID, one of them and its log",
    .flags = {{.name = "json"}},
    .min_positionals = 1,
    .max_positionals = 2,
    .run = run_deployments,
};

}  // namespace berth::cli
