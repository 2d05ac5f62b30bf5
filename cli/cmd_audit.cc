// `berthctl audit [--app A] [--user U] [--since T] [--limit N] [--json]`: who did what through
// the API, newest first.
#include "cli/api_call.h"
#include "cli/table.h"
#include "cli/user_format.h"

namespace berth::cli {
namespace {

using nlohmann::json;

// How much of a summary a table row shows.
constexpr size_t kSummaryWidth = 60;

std::string shortened(const std::string& text) {
  if (display_width(text) <= kSummaryWidth) return text;
  std::string cut;
  size_t characters = 0;
  for (char c : text) {
    bool starts_character = (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    if (starts_character && ++characters > kSummaryWidth - 1) break;
    cut += c;
  }
  return cut + "\xE2\x80\xA6";
}

// The query string for the flags given; nullopt (reported) for a bad --since.
std::optional<std::string> audit_query(Context& ctx, const ParsedArgs& args) {
  std::string query;
  auto add = [&](std::string_view key, const std::string& value) {
    query += (query.empty() ? "?" : "&") + std::string(key) + "=" + escape_path_segment(value);
  };
  for (std::string_view key : {"app", "user", "limit"}) {
    if (std::optional<std::string> value = args.value(key)) add(key, *value);
  }
  if (std::optional<std::string> since = args.value("since")) {
    Result<std::string> when = parse_time(*since, ctx.now, /*later=*/false);
    if (!when.ok()) {
      ctx.err << "berthctl: --since: " << when.status().message() << '\n';
      return std::nullopt;
    }
    add("since", *when);
  }
  return query;
}

std::vector<std::string> audit_row(const json& entry) {
  return {field_text(entry, "ts"),
          field_text(entry, "principal"),
          field_text(entry, "client"),
          field_text(entry, "method") + " " + field_text(entry, "route"),
          field_text(entry, "app"),
          field_text(entry, "status"),
          shortened(field_text(entry, "summary"))};
}

ExitCode run_audit(Context& ctx, const ParsedArgs& args) {
  std::optional<std::string> query = audit_query(ctx, args);
  if (!query) return ExitCode::kUsage;
  Reply reply = call(ctx, "GET", "/v1/audit" + *query);
  if (!reply.ok()) return reply.exit;
  std::optional<json> entries = decode(ctx, reply.response);
  if (!entries) return ExitCode::kFailure;
  if (args.has("json")) {
    ctx.out << entries->dump(2) << '\n';
    return ExitCode::kOk;
  }
  Table table({"TIME", "PRINCIPAL", "CLIENT", "REQUEST", "APP", "STATUS", "SUMMARY"});
  for (const json& entry : entries->is_array() ? *entries : json::array())
    table.add_row(audit_row(entry));
  table.render(ctx.out);
  return ExitCode::kOk;
}

}  // namespace

extern const Command kAuditCommand = {
    .name = "audit",
    .arguments = "[--app APP] [--user USER] [--since TIME|1h] [-n N] [--json]",
    .summary = "who did what through the API, newest first",
    .flags = {{.name = "app", .takes_value = true},
              {.name = "user", .takes_value = true},
              {.name = "since", .takes_value = true},
              {.name = "limit", .short_name = 'n', .takes_value = true},
              {.name = "json"}},
    .run = run_audit,
};

}  // namespace berth::cli
