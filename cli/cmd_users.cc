// `berthctl users [add|rm|passwd NAME]`: lists berthd's users, adds one (with a password from
// stdin and grants), removes one, or sets a password.
#include "cli/api_call.h"
#include "cli/password_input.h"
#include "cli/table.h"
#include "cli/user_format.h"

namespace berth::cli {
namespace {

using nlohmann::json;

ExitCode list_users(Context& ctx) {
  Reply reply = call(ctx, "GET", "/v1/users");
  if (!reply.ok()) return reply.exit;
  std::optional<json> users = decode(ctx, reply.response);
  if (!users) return ExitCode::kFailure;
  Table table({"NAME", "PASSWORD", "GRANTS", "CREATED"});
  for (const json& user : users->is_array() ? *users : json::array()) {
    bool has_password = member(user, "has_password") == true;
    table.add_row({field_text(user, "name"), has_password ? "yes" : "no",
                   grants_text(member(user, "grants")), field_text(user, "created")});
  }
  table.render(ctx.out);
  return ExitCode::kOk;
}

ExitCode add_user(Context& ctx, const ParsedArgs& args, const std::string& name) {
  json body = {{"name", name}};
  Result<json> grants = parse_grants(args.values("grant"));
  if (!grants.ok()) {
    ctx.err << "berthctl: " << grants.status().message() << '\n';
    return ExitCode::kUsage;
  }
  if (!grants->empty()) body["grants"] = *grants;
  if (args.has("password-stdin")) {
    std::optional<std::string> password = read_password(ctx, "password of " + name + ": ");
    if (!password) return ExitCode::kFailure;
    body["password"] = *password;
  }
  Reply reply = call(ctx, "POST", "/v1/users", body.dump());
  if (!reply.ok()) return reply.exit;
  ctx.out << "added " << name << '\n';
  return ExitCode::kOk;
}

ExitCode set_password(Context& ctx, const ParsedArgs& args, const std::string& name) {
  if (!args.has("password-stdin")) {
    ctx.err << "berthctl: give the new password on stdin: berthctl users passwd " << name
            << " --password-stdin\n";
    return ExitCode::kUsage;
  }
  std::optional<std::string> password = read_password(ctx, "new password of " + name + ": ");
  if (!password) return ExitCode::kFailure;
  Reply reply = call(ctx, "PATCH", user_path(name), json{{"password", *password}}.dump());
  if (!reply.ok()) return reply.exit;
  ctx.out << "changed the password of " << name << '\n';
  return ExitCode::kOk;
}

ExitCode remove_user(Context& ctx, const std::string& name) {
  Reply reply = call(ctx, "DELETE", user_path(name));
  if (!reply.ok()) return reply.exit;
  ctx.out << "removed " << name << '\n';
  return ExitCode::kOk;
}

ExitCode run_users(Context& ctx, const ParsedArgs& args) {
  const std::vector<std::string>& words = args.positionals;
  if (words.empty()) return list_users(ctx);
  if (words.size() == 2 && words[0] == "add") return add_user(ctx, args, words[1]);
  if (words.size() == 2 && words[0] == "rm") return remove_user(ctx, words[1]);
  if (words.size() == 2 && words[0] == "passwd") return set_password(ctx, args, words[1]);
  ctx.err << "berthctl: users takes add NAME, rm NAME or passwd NAME, or nothing to list them\n";
  return ExitCode::kUsage;
}

}  // namespace

extern const Command kUsersCommand = {
    .name = "users",
    .arguments = "[add NAME | rm NAME | passwd NAME]",
    .summary =
        "list users; add one (--password-stdin, --grant SCOPE=ACTION,...), remove one, "
        "or set a password (--password-stdin)",
    .flags = {{.name = "password-stdin"}, {.name = "grant", .takes_value = true}},
    .max_positionals = 2,
    .run = run_users,
};

}  // namespace berth::cli
