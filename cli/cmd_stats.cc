// `berthctl stats NAME [--json]`: an app's counters and what it uses now (CPU, memory, pids),
// for any kind, and for an app that deploys, its deployments by outcome.
#include <cstdio>

#include "cli/api_call.h"
#include "cli/app_detail.h"

namespace berth::cli {
namespace {

using nlohmann::json;

// The value at `key` as a byte count, or nullopt when it is null or not a count.
std::optional<uint64_t> bytes_at(const json& stats, const char* key) {
  const json& value = member(stats, key);
  if (!value.is_number_unsigned()) return std::nullopt;
  return value.get<uint64_t>();
}

std::string cpu_text(const json& stats) {
  const json& cpu = member(stats, "cpu_percent");
  if (!cpu.is_number()) return "-";
  char text[32];
  std::snprintf(text, sizeof text, "%.1f%%", cpu.get<double>());
  return text;
}

// "48.2 MiB", and "48.2 MiB of 256.0 MiB (18.8%)" when the limit is known.
std::string memory_text(const json& stats) {
  std::optional<uint64_t> used = bytes_at(stats, "memory_bytes");
  if (!used) return "-";
  std::string text = format_bytes(*used);
  std::optional<uint64_t> limit = bytes_at(stats, "memory_limit_bytes");
  if (!limit || *limit == 0) return text;
  char share[32];
  std::snprintf(share, sizeof share, " (%.1f%%)",
                100.0 * static_cast<double>(*used) / static_cast<double>(*limit));
  return text + " of " + format_bytes(*limit) + share;
}

// "1.2 MiB in, 3.4 KiB out" from two counters; "" when neither is known.
std::string pair_text(const json& stats, const char* first, const char* first_label,
                      const char* second, const char* second_label) {
  std::optional<uint64_t> a = bytes_at(stats, first);
  std::optional<uint64_t> b = bytes_at(stats, second);
  if (!a && !b) return "";
  return (a ? format_bytes(*a) : "-") + " " + first_label + ", " + (b ? format_bytes(*b) : "-") +
         " " + second_label;
}

// "4 (2 succeeded, 1 failed, 0 rolled back, 1 skipped)".
std::string deployments_text(const json& deployments) {
  return field_text(deployments, "processed") + " (" + field_text(deployments, "succeeded") +
         " succeeded, " + field_text(deployments, "failed") + " failed, " +
         field_text(deployments, "rolled_back") + " rolled back, " +
         field_text(deployments, "skipped") + " skipped)";
}

// "failed, started 2026-11-25T07:00:00.000Z", or "-" before the first deployment.
std::string last_deployment_text(const json& deployments) {
  if (!member(deployments, "last_outcome").is_string()) return "-";
  return field_text(deployments, "last_outcome") + ", started " +
         field_text(deployments, "last_run");
}

std::vector<DetailLine> stats_lines(const json& stats) {
  std::string uptime = "-";
  if (const json& seconds = member(stats, "uptime_seconds"); seconds.is_number_integer()) {
    uptime = format_age(std::chrono::seconds(seconds.get<int64_t>()));
  }
  std::vector<DetailLine> lines = {
      {"starts", field_text(stats, "starts")},
      {"restarts", field_text(stats, "restarts")},
      {"uptime", uptime},
      {"cpu", cpu_text(stats)},
      {"memory", memory_text(stats)},
      {"pids", field_text(stats, "pids")},
  };
  if (std::string net = pair_text(stats, "net_rx_bytes", "received", "net_tx_bytes", "sent");
      !net.empty()) {
    lines.emplace_back("network", net);
  }
  if (std::string io = pair_text(stats, "block_read_bytes", "read", "block_write_bytes", "written");
      !io.empty()) {
    lines.emplace_back("block i/o", io);
  }
  if (const json& deployments = member(stats, "deployments"); deployments.is_object()) {
    lines.emplace_back("deployments", deployments_text(deployments));
    lines.emplace_back("last deployment", last_deployment_text(deployments));
  }
  return lines;
}

ExitCode run_stats(Context& ctx, const ParsedArgs& args) {
  Reply reply = call(ctx, "GET", app_path(args.positionals[0], "/stats"));
  if (!reply.ok()) return reply.exit;
  std::optional<json> stats = decode(ctx, reply.response);
  if (!stats) return ExitCode::kFailure;
  if (args.has("json")) {
    ctx.out << stats->dump(2) << '\n';
    return ExitCode::kOk;
  }
  render_details(stats_lines(*stats), ctx.out);
  return ExitCode::kOk;
}

}  // namespace

extern const Command kStatsCommand = {
    .name = "stats",
    .arguments = "NAME [--json]",
    .summary = "an app's starts, restarts, uptime, CPU, memory, pids and deployments",
    .flags = {{.name = "json"}},
    .min_positionals = 1,
    .max_positionals = 1,
    .run = run_stats,
};

}  // namespace berth::cli
