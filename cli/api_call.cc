// Calls to the API and the messages for their failures.
#include "cli/api_call.h"

namespace berth::cli {
namespace {

using nlohmann::json;

constexpr size_t kMaxQuotedBody = 200;

bool is_success(long status) { return status >= 200 && status < 300; }  // NOLINT

// The API's {"error": {"message", "field"}} as one sentence; nullopt for another body.
std::optional<std::string> api_error_message(const std::string& body) {
  json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) return std::nullopt;
  auto error = parsed.find("error");
  if (error == parsed.end() || !error->is_object()) return std::nullopt;
  auto message = error->find("message");
  if (message == error->end() || !message->is_string()) return std::nullopt;
  std::string text = message->get<std::string>();
  auto field = error->find("field");
  if (field != error->end() && field->is_string() && !field->get<std::string>().empty()) {
    text += " (field: " + field->get<std::string>() + ")";
  }
  return text;
}

// The first line of a body that is not an API error, short enough to quote.
std::string quote_body(const std::string& body) {
  std::string line = body.substr(0, body.find('\n'));
  if (line.size() > kMaxQuotedBody) line = line.substr(0, kMaxQuotedBody) + "...";
  return line;
}

}  // namespace

std::string describe_error_response(const Response& response, const std::string& url,
                                    bool token_hint) {
  std::string text;
  if (std::optional<std::string> message = api_error_message(response.body)) {
    text = *message;
  } else {
    text = "berthd at " + url + " answered HTTP " + std::to_string(response.status);
    std::string quoted = quote_body(response.body);
    if (!quoted.empty()) text += ": " + quoted;
  }
  if (response.status == 401 && token_hint)
    text += " (pass --token, set BERTH_TOKEN or berthctl login)";
  return text;
}

ExitCode report_error_response(const Response& response, const std::string& url, std::ostream& err,
                               bool token_hint) {
  err << "berthctl: " << describe_error_response(response, url, token_hint) << '\n';
  return ExitCode::kFailure;
}

ExitCode report_transport_failure(const Status& status, std::ostream& err) {
  err << "berthctl: " << status.message() << '\n';
  return ExitCode::kUnreachable;
}

Reply call(Context& ctx, std::string_view method, std::string_view path,
           const std::optional<std::string>& body, const RequestOptions& options) {
  Result<Response> result = ctx.client.request(method, path, body, options);
  if (!result.ok()) return Reply{report_transport_failure(result.status(), ctx.err), {}};
  if (!is_success(result->status)) {
    return Reply{report_error_response(*result, ctx.client.url(), ctx.err, options.with_token), {}};
  }
  return Reply{ExitCode::kOk, std::move(result).value()};
}

std::optional<json> decode(Context& ctx, const Response& response) {
  json parsed = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    ctx.err << "berthctl: berthd at " << ctx.client.url() << " sent an answer that is not JSON\n";
    return std::nullopt;
  }
  return parsed;
}

std::string app_path(std::string_view name, std::string_view suffix) {
  return "/v1/apps/" + escape_path_segment(name) + std::string(suffix);
}

std::string user_path(std::string_view name, std::string_view suffix) {
  return "/v1/users/" + escape_path_segment(name) + std::string(suffix);
}

}  // namespace berth::cli
