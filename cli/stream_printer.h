// Following an SSE route: feeds the stream through an SseParser and hands each event to a
// printer, flushing the output after every event so pipes see lines as they happen.
#pragma once

#include <functional>
#include <string_view>

#include "cli/command.h"
#include "cli/sse_parser.h"

namespace berth::cli {

// Prints one event on ctx.out; events it does not care about it skips.
using EventPrinter = std::function<void(const SseEvent& event)>;

// GETs `path` as an event stream until berthd ends it (ExitCode::kOk) or the connection breaks
// (ExitCode::kUnreachable); an error answer is reported like any other.
ExitCode follow_stream(Context& ctx, std::string_view path, const EventPrinter& print);

}  // namespace berth::cli
