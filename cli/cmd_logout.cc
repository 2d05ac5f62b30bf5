// `berthctl logout`: deletes the API token `berthctl login` saved for this URL, and forgets it.
#include "cli/api_call.h"
#include "cli/credentials.h"

namespace berth::cli {
namespace {

bool is_success(long status) { return status >= 200 && status < 300; }  // NOLINT

ExitCode run_logout(Context& ctx, const ParsedArgs&) {
  const std::string& url = ctx.client.url();
  std::optional<std::filesystem::path> file = ctx.env ? credentials_path(ctx.env) : std::nullopt;
  std::optional<SavedLogin> login = file ? find_saved_login(*file, url) : std::nullopt;
  if (!login) {
    ctx.err << "berthctl: not logged in to " << url << '\n';
    return ExitCode::kFailure;
  }
  Result<Response> deleted = ctx.client.request(
      "DELETE", user_path(login->user, "/tokens/" + std::to_string(login->token_id)), std::nullopt,
      {.headers = {"Authorization: Bearer " + login->token}, .with_token = false});
  if (!deleted.ok()) return report_transport_failure(deleted.status(), ctx.err);
  // 401 and 404: the token was deleted or has expired already; there is nothing left to undo.
  long status = deleted->status;  // NOLINT(google-runtime-int)
  if (!is_success(status) && status != 401 && status != 404)
    return report_error_response(*deleted, url, ctx.err, /*token_hint=*/false);
  if (Status forgot = save_login(*file, url, std::nullopt); !forgot.ok()) {
    ctx.err << "berthctl: " << forgot.message() << '\n';
    return ExitCode::kFailure;
  }
  ctx.out << "logged out of " << url << '\n';
  return ExitCode::kOk;
}

}  // namespace

extern const Command kLogoutCommand = {
    .name = "logout",
    .summary = "delete the token berthctl login saved for this URL",
    .run = run_logout,
};

}  // namespace berth::cli
