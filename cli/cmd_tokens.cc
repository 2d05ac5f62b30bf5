// `berthctl tokens USER | tokens add USER NAME [--grant ...] [--expires T] | tokens rm USER ID`:
// a user's API tokens: list them, make one (printed once), delete one.
#include "cli/api_call.h"
#include "cli/table.h"
#include "cli/user_format.h"

namespace berth::cli {
namespace {

using nlohmann::json;

ExitCode list_tokens(Context& ctx, const std::string& user) {
  Reply reply = call(ctx, "GET", user_path(user, "/tokens"));
  if (!reply.ok()) return reply.exit;
  std::optional<json> tokens = decode(ctx, reply.response);
  if (!tokens) return ExitCode::kFailure;
  Table table({"ID", "NAME", "GRANTS", "CREATED", "EXPIRES", "LAST USED"});
  for (const json& token : tokens->is_array() ? *tokens : json::array()) {
    table.add_row({field_text(token, "id"), field_text(token, "name"),
                   grants_text(member(token, "grants"), "(the user's)"),
                   field_text(token, "created"), field_text(token, "expires"),
                   field_text(token, "last_used")});
  }
  table.render(ctx.out);
  return ExitCode::kOk;
}

ExitCode add_token(Context& ctx, const ParsedArgs& args, const std::string& user,
                   const std::string& name) {
  json body = {{"name", name}};
  Result<json> grants = parse_grants(args.values("grant"));
  if (!grants.ok()) {
    ctx.err << "berthctl: " << grants.status().message() << '\n';
    return ExitCode::kUsage;
  }
  if (!grants->empty()) body["grants"] = *grants;
  if (std::optional<std::string> expires = args.value("expires")) {
    Result<std::string> when = parse_time(*expires, ctx.now, /*later=*/true);
    if (!when.ok()) {
      ctx.err << "berthctl: --expires: " << when.status().message() << '\n';
      return ExitCode::kUsage;
    }
    body["expires"] = *when;
  }
  Reply reply = call(ctx, "POST", user_path(user, "/tokens"), body.dump());
  if (!reply.ok()) return reply.exit;
  std::optional<json> token = decode(ctx, reply.response);
  if (!token) return ExitCode::kFailure;
  ctx.out << field_text(*token, "token") << '\n';
  ctx.err << "token " << field_text(*token, "id") << " (" << name << ") of " << user << ", expires "
          << (member(*token, "expires").is_null() ? "never" : field_text(*token, "expires"))
          << ": berthd shows it this once, keep it now\n";
  return ExitCode::kOk;
}

ExitCode remove_token(Context& ctx, const std::string& user, const std::string& id) {
  Reply reply = call(ctx, "DELETE", user_path(user, "/tokens/" + escape_path_segment(id)));
  if (!reply.ok()) return reply.exit;
  ctx.out << "deleted token " << id << " of " << user << '\n';
  return ExitCode::kOk;
}

ExitCode run_tokens(Context& ctx, const ParsedArgs& args) {
  const std::vector<std::string>& words = args.positionals;
  if (words.size() == 1) return list_tokens(ctx, words[0]);
  if (words.size() == 3 && words[0] == "add") return add_token(ctx, args, words[1], words[2]);
  if (words.size() == 3 && words[0] == "rm") return remove_token(ctx, words[1], words[2]);
  ctx.err << "berthctl: tokens takes USER, add USER NAME or rm USER ID\n";
  return ExitCode::kUsage;
}

}  // namespace

extern const Command kTokensCommand = {
    .name = "tokens",
    .arguments = "USER | add USER NAME | rm USER ID",
    .summary =
        "list a user's API tokens; make one, printed once (--grant SCOPE=ACTION,..., "
        "--expires RFC3339|30d); or delete one",
    .flags = {{.name = "grant", .takes_value = true}, {.name = "expires", .takes_value = true}},
    .min_positionals = 1,
    .max_positionals = 3,
    .run = run_tokens,
};

}  // namespace berth::cli
