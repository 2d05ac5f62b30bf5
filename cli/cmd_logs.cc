// `berthctl logs NAME [-n N] [-f] [--json]`: an app's recent output lines, and with -f the
// live ones as they come.
#include <algorithm>
#include <cctype>

#include "cli/api_call.h"
#include "cli/app_format.h"
#include "cli/stream_printer.h"

namespace berth::cli {
namespace {

using nlohmann::json;

bool is_count(const std::string& text) {
  return !text.empty() && text.size() <= 9 &&
         std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); });
}

// One log entry ({"seq", "ts", "stream", "line"}, and "service" for a compose app's) as
// berthctl prints it: the line, after "<service> | " when it has one.
void print_entry(Context& ctx, const json& entry, bool raw) {
  if (raw) {
    ctx.out << entry.dump() << '\n';
  } else if (const json& line = member(entry, "line"); line.is_string()) {
    if (const json& service = member(entry, "service"); service.is_string())
      ctx.out << service.get<std::string>() << " | ";
    ctx.out << line.get<std::string>() << '\n';
  }
}

std::string logs_query(const ParsedArgs& args) {
  std::string query;
  if (args.has("follow")) query = "follow=true";
  if (std::optional<std::string> entries = args.value("entries")) {
    query += (query.empty() ? "" : "&") + std::string("entries=") + *entries;
  }
  return query.empty() ? "" : "?" + query;
}

ExitCode print_recent(Context& ctx, const std::string& path, bool raw) {
  Reply reply = call(ctx, "GET", path);
  if (!reply.ok()) return reply.exit;
  std::optional<json> entries = decode(ctx, reply.response);
  if (!entries) return ExitCode::kFailure;
  if (!entries->is_array()) {
    ctx.err << "berthctl: berthd at " << ctx.client.url() << " did not answer a list of lines\n";
    return ExitCode::kFailure;
  }
  for (const json& entry : *entries) print_entry(ctx, entry, raw);
  return ExitCode::kOk;
}

ExitCode follow(Context& ctx, const std::string& path, bool raw) {
  return follow_stream(ctx, path, [&](const SseEvent& event) {
    if (event.type != "log") return;
    if (raw) {
      ctx.out << event.data << '\n';
      return;
    }
    print_entry(ctx, json::parse(event.data, nullptr, /*allow_exceptions=*/false), raw);
  });
}

ExitCode run_logs(Context& ctx, const ParsedArgs& args) {
  if (std::optional<std::string> entries = args.value("entries"); entries && !is_count(*entries)) {
    ctx.err << "berthctl: -n takes a number of lines, not \"" << *entries << "\"\n"
            << "usage: berthctl logs NAME [-n N] [-f] [--json]\n";
    return ExitCode::kUsage;
  }
  std::string path = app_path(args.positionals[0], "/logs" + logs_query(args));
  bool raw = args.has("json");
  return args.has("follow") ? follow(ctx, path, raw) : print_recent(ctx, path, raw);
}

}  // namespace

extern const Command kLogsCommand = {
    .name = "logs",
    .arguments = "NAME [-n N] [-f] [--json]",
    .summary = "print an app's last output lines; -f: follow",
    .flags = {{.name = "entries", .short_name = 'n', .takes_value = true},
              {.name = "follow", .short_name = 'f'},
              {.name = "json"}},
    .min_positionals = 1,
    .max_positionals = 1,
    .run = run_logs,
};

}  // namespace berth::cli
