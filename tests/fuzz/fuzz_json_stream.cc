// Fuzz target: newline-delimited JSON fed to JsonLineStream in planned chunks and byte by byte.
// Checks both against a model (split on newlines, skip blank lines, refuse overlong ones, parse
// the rest) and that a parsed value survives a dump and parse.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "supervise/docker/json_stream.h"
#include "tests/fuzz/chunks.h"

namespace {

using nlohmann::json;

void Require(bool ok, const char* what) {
  if (ok) return;
  fprintf(stderr, "fuzz_json_stream: %s\n", what);
  abort();
}

// A value's compact dump, or "!" for an error.
using Outcome = std::vector<std::string>;

std::string Describe(const berth::Result<json>& value) {
  if (!value.ok()) {
    Require(!value.status().message().empty(), "an error has no message");
    return "!";
  }
  std::string text = value->dump(-1, ' ', false, json::error_handler_t::replace);
  return text;
}

Outcome Model(std::string_view body, size_t max_line) {
  Outcome out;
  while (!body.empty()) {
    size_t newline = body.find('\n');
    std::string_view line = body.substr(0, newline);
    body.remove_prefix(newline == std::string_view::npos ? body.size() : newline + 1);
    if (line.size() > max_line) {
      out.push_back("!");
    } else if (line.find_first_not_of(" \t\r") != std::string_view::npos) {
      json value = json::parse(line, nullptr, false);
      out.push_back(value.is_discarded() ? "!" : Describe(value));
    }
  }
  return out;
}

template <class Cut>
Outcome Split(size_t max_line, Cut&& cut) {
  Outcome out;
  berth::docker::JsonLineStream stream(
      [&](berth::Result<json> value) {
        out.push_back(Describe(value));
        if (value.ok()) {
          json again = json::parse(out.back(), nullptr, false);
          Require(!again.is_discarded(), "a value's dump does not parse");
        }
      },
      max_line);
  cut([&](std::string_view chunk) { stream.Feed(chunk); });
  stream.Finish();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  size_t max_line = 1 + data[0] % 128;
  auto plan = berth::fuzz::ReadChunkPlan(data + 1, size - 1, 2 * max_line + 2);
  std::string_view body = plan.payload;
  Outcome expected = Model(body, max_line);
  Outcome chunked = Split(max_line, [&](auto feed) { berth::fuzz::ForEachChunk(plan, feed); });
  Outcome bytes = Split(max_line, [&](auto feed) {
    for (size_t i = 0; i < body.size(); ++i) feed(body.substr(i, 1));
  });
  Require(chunked == expected, "planned chunks gave other values than the model");
  Require(bytes == expected, "single bytes gave other values than the model");
  return 0;
}
