// follow_stream: the glue between Client::stream, SseParser and a command's printer.
#include "cli/stream_printer.h"

#include <ostream>

#include "cli/api_call.h"

namespace berth::cli {

ExitCode follow_stream(Context& ctx, std::string_view path, const EventPrinter& print) {
  SseParser parser;
  auto on_chunk = [&](std::string_view chunk) {
    for (const SseEvent& event : parser.feed(chunk)) print(event);
    ctx.out.flush();
    return static_cast<bool>(ctx.out);  // stdout gone (a closed pipe): stop reading
  };
  Result<Response> result = ctx.client.stream(path, on_chunk);
  if (!result.ok()) return report_transport_failure(result.status(), ctx.err);
  if (result->status < 200 || result->status >= 300) {
    return report_error_response(*result, ctx.client.url(), ctx.err);
  }
  return ExitCode::kOk;
}

}  // namespace berth::cli
