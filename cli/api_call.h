// Helpers every command uses to call the API: send, turn failures into berthctl's messages and
// exit codes, decode JSON answers.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "cli/command.h"

namespace berth::cli {

// The outcome of one call: a 2xx response, or the exit code to leave with after the reason
// was printed on ctx.err.
struct Reply {
  ExitCode exit = ExitCode::kOk;
  Response response;
  bool ok() const { return exit == ExitCode::kOk; }
};

// Sends a request; a non-2xx answer or no answer at all is reported on ctx.err.
Reply call(Context& ctx, std::string_view method, std::string_view path,
           const std::optional<std::string>& body = std::nullopt,
           const RequestOptions& options = {});

// Decodes a 2xx body as JSON; when it is not JSON, says so on ctx.err and returns nullopt.
std::optional<nlohmann::json> decode(Context& ctx, const Response& response);

// The message for a non-2xx response: the API's error message (with its field), or the HTTP
// status when the body is not an API error. No "berthctl: " prefix. A 401 adds how to give a
// token, unless `token_hint` is false (a login, which sends none).
std::string describe_error_response(const Response& response, const std::string& url,
                                    bool token_hint = true);

// Prints a non-2xx response's message and returns ExitCode::kFailure.
ExitCode report_error_response(const Response& response, const std::string& url, std::ostream& err,
                               bool token_hint = true);

// Prints a transport failure (Client's Status) and returns ExitCode::kUnreachable.
ExitCode report_transport_failure(const Status& status, std::ostream& err);

// "/v1/apps/<name><suffix>" with the name percent-encoded.
std::string app_path(std::string_view name, std::string_view suffix = "");

// "/v1/users/<name><suffix>" with the name percent-encoded.
std::string user_path(std::string_view name, std::string_view suffix = "");

}  // namespace berth::cli
