// Fuzz target: berthctl's SseParser on arbitrary streams. The events must not depend on how the
// stream is cut into chunks, and must be well formed.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "cli/sse_parser.h"
#include "tests/fuzz/chunks.h"

namespace {

using berth::cli::SseEvent;
using berth::cli::SseParser;

void Require(bool ok, const char* what) {
  if (ok) return;
  fprintf(stderr, "fuzz_sse_parser: %s\n", what);
  abort();
}

struct Parsed {
  std::vector<SseEvent> events;
  std::string last_id;
};

template <class ForEachChunk>
Parsed Parse(ForEachChunk&& for_each_chunk) {
  SseParser parser;
  Parsed parsed;
  for_each_chunk([&](std::string_view chunk) {
    for (SseEvent& event : parser.feed(chunk)) parsed.events.push_back(std::move(event));
  });
  parsed.last_id = parser.last_event_id();
  return parsed;
}

bool SameEvents(const Parsed& a, const Parsed& b) {
  if (a.last_id != b.last_id || a.events.size() != b.events.size()) return false;
  for (size_t i = 0; i < a.events.size(); ++i) {
    const SseEvent& x = a.events[i];
    const SseEvent& y = b.events[i];
    if (x.type != y.type || x.data != y.data || x.id != y.id) return false;
  }
  return true;
}

bool HasLineBreak(std::string_view text) {
  return text.find_first_of("\r\n") != std::string_view::npos;
}

void CheckWellFormed(const Parsed& parsed) {
  Require(!HasLineBreak(parsed.last_id), "the last id holds a line break");
  Require(parsed.last_id.find('\0') == std::string::npos, "the last id holds a NUL");
  for (const SseEvent& event : parsed.events) {
    Require(!event.type.empty(), "an event has no type");
    Require(!HasLineBreak(event.type) && !HasLineBreak(event.id), "a type or id has a line break");
    Require(event.data.find('\r') == std::string::npos, "event data holds a CR");
    Require(event.id.find('\0') == std::string::npos, "an event id holds a NUL");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto plan = berth::fuzz::ReadChunkPlan(data, size, 64);
  std::string_view stream = plan.payload;
  Parsed whole = Parse([&](auto feed) { feed(stream); });
  Parsed chunked = Parse([&](auto feed) { berth::fuzz::ForEachChunk(plan, feed); });
  Parsed bytes = Parse([&](auto feed) {
    for (size_t i = 0; i < stream.size(); ++i) feed(stream.substr(i, 1));
  });
  CheckWellFormed(whole);
  Require(SameEvents(whole, chunked), "chunked input gives other events than the whole input");
  Require(SameEvents(whole, bytes), "byte-by-byte input gives other events than the whole input");
  return 0;
}
