// `berthctl login [--user NAME]`: signs in with a password, makes an API token for this machine
// and saves it for the URL, so that later commands run as that user.
#include <unistd.h>

#include <climits>

#include "cli/api_call.h"
#include "cli/app_format.h"
#include "cli/credentials.h"
#include "cli/password_input.h"

namespace berth::cli {
namespace {

using nlohmann::json;

constexpr std::string_view kSessionCookie = "berth_session=";

// "berth_session=<id>" from the Set-Cookie headers of POST /v1/session; "" when absent.
std::string session_cookie(const Response& response) {
  for (const auto& [name, value] : response.headers) {
    if (name != "set-cookie" || !value.starts_with(kSessionCookie)) continue;
    return value.substr(0, value.find(';'));
  }
  return "";
}

std::string token_name() {
  char host[HOST_NAME_MAX + 1] = {};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') return "berthctl";
  return "berthctl@" + std::string(host);
}

// Signs in as `user`; the options that send the session's cookie and CSRF token, or nullopt
// (reported) when berthd refused.
std::optional<RequestOptions> start_session(Context& ctx, const std::string& user,
                                            const std::string& password) {
  json body = {{"name", user}, {"password", password}};
  Reply reply = call(ctx, "POST", "/v1/session", body.dump(), {.with_token = false});
  if (!reply.ok()) return std::nullopt;
  std::optional<json> session = decode(ctx, reply.response);
  if (!session) return std::nullopt;
  std::string cookie = session_cookie(reply.response);
  std::string csrf = field_text(*session, "csrf_token");
  if (cookie.empty() || csrf == "-") {
    ctx.err << "berthctl: berthd at " << ctx.client.url() << " started no session\n";
    return std::nullopt;
  }
  return RequestOptions{.headers = {"Cookie: " + cookie, "X-CSRF-Token: " + csrf},
                        .with_token = false};
}

// Deletes the token of `login`, as that token itself; whether it worked does not matter.
void delete_saved_token(Context& ctx, const SavedLogin& old) {
  (void)ctx.client.request(
      "DELETE", user_path(old.user, "/tokens/" + std::to_string(old.token_id)), std::nullopt,
      {.headers = {"Authorization: Bearer " + old.token}, .with_token = false});
}

ExitCode run_login(Context& ctx, const ParsedArgs& args) {
  std::optional<std::string> user = args.value("user");
  if (!user && ctx.env) user = ctx.env("USER");
  if (!user) {
    ctx.err << "berthctl: say who you are: berthctl login --user NAME\n";
    return ExitCode::kUsage;
  }
  std::optional<std::filesystem::path> file = ctx.env ? credentials_path(ctx.env) : std::nullopt;
  if (!file) {
    ctx.err << "berthctl: nowhere to save the login: set HOME or XDG_CONFIG_HOME\n";
    return ExitCode::kFailure;
  }
  const std::string& url = ctx.client.url();
  std::optional<std::string> password =
      read_password(ctx, "password of " + *user + " at " + url + ": ");
  if (!password) return ExitCode::kFailure;
  std::optional<RequestOptions> session = start_session(ctx, *user, *password);
  if (!session) return ExitCode::kFailure;
  json request = {{"name", token_name()}};
  Reply made = call(ctx, "POST", user_path(*user, "/tokens"), request.dump(), *session);
  (void)ctx.client.request("DELETE", "/v1/session", std::nullopt, *session);  // the token stays
  if (!made.ok()) return made.exit;
  std::optional<json> token = decode(ctx, made.response);
  if (!token) return ExitCode::kFailure;
  SavedLogin login{.token = token->value("token", ""),
                   .user = *user,
                   .token_id = token->value("id", int64_t{0})};
  if (login.token.empty()) {
    ctx.err << "berthctl: berthd at " << url << " made no token\n";
    return ExitCode::kFailure;
  }
  std::optional<SavedLogin> old = find_saved_login(*file, url);
  if (Status saved = save_login(*file, url, login); !saved.ok()) {
    ctx.err << "berthctl: " << saved.message() << '\n';
    delete_saved_token(ctx, login);
    return ExitCode::kFailure;
  }
  if (old) delete_saved_token(ctx, *old);
  ctx.out << "logged in to " << url << " as " << *user << " (token "
          << request["name"].get<std::string>() << ", saved in " << file->string() << ")\n";
  return ExitCode::kOk;
}

}  // namespace

extern const Command kLoginCommand = {
    .name = "login",
    .arguments = "[--user NAME]",
    .summary = "sign in with a password and save an API token for this URL",
    .flags = {{.name = "user", .short_name = 'u', .takes_value = true}},
    .run = run_login,
};

}  // namespace berth::cli
