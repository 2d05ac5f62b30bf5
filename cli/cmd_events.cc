// `berthctl events [--json]`: follows berthd's event stream (app state changes and others)
// until interrupted.
#include <ostream>

#include "cli/app_format.h"
#include "cli/stream_printer.h"

namespace berth::cli {
namespace {

ExitCode run_events(Context& ctx, const ParsedArgs& args) {
  bool raw = args.has("json");
  return follow_stream(ctx, "/v1/events", [&](const SseEvent& event) {
    ctx.out << (raw ? event.data : event_line(event)) << '\n';
  });
}

}  // namespace

extern const Command kEventsCommand = {
    .name = "events",
    .arguments = "[--json]",
    .summary = "print app state changes as they happen",
    .flags = {{.name = "json"}},
    .run = run_events,
};

}  // namespace berth::cli
