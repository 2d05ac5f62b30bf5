// Fuzz target: the built-in proxy's HttpParser over requests and responses fed in chunks of any
// size, as a client or an app may send them. Checks that every byte is accounted for (no
// event consumes more than it was given), that a head is complete when announced, and that an
// error stops the stream for good.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "proxy/http_parser.h"
#include "tests/fuzz/chunks.h"

namespace {

void Require(bool ok, const char* what) {
  if (ok) return;
  fprintf(stderr, "fuzz_proxy_parser: %s\n", what);
  abort();
}

void Run(berth::HttpParser::Kind kind, const berth::fuzz::ChunkPlan& plan) {
  using Event = berth::HttpParser::Event;
  berth::HttpParser parser(kind, 4096);
  bool failed = false;
  berth::fuzz::ForEachChunk(plan, [&](std::string_view chunk) {
    while (!failed) {
      size_t used = 0;
      Event event = parser.Parse(chunk.data(), chunk.size(), &used);
      Require(used <= chunk.size(), "consumed more than it was given");
      if (event == Event::kError) {
        failed = true;
        return;
      }
      if (event == Event::kHead) {
        const berth::MessageHead& head = parser.head();
        Require(kind == berth::HttpParser::Kind::kResponse || !head.method.empty(),
                "a request head without a method");
        for (const auto& [name, value] : head.headers) Require(!name.empty(), "an empty header name");
      }
      chunk.remove_prefix(used);
      if (event == Event::kNeedMore) {
        Require(chunk.empty(), "asked for more with bytes left");
        return;
      }
    }
  });
  if (!failed) parser.Finish();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  auto kind = data[0] & 1 ? berth::HttpParser::Kind::kResponse : berth::HttpParser::Kind::kRequest;
  Run(kind, berth::fuzz::ReadChunkPlan(data + 1, size - 1, 64));
  return 0;
}
