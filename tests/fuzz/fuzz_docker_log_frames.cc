// Fuzz target: a Docker attach/logs body cut into lines by LogFrameDemuxer, in both framings,
// fed whole, in planned chunks and byte by byte. Checks that every cut gives the same lines and
// status, that no line is over the cap or holds a newline, that the lines never hold more bytes
// than the body, and that no Feed gives a line after a failure (Finish still gives the partial
// lines from before it).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "supervise/docker/log_frames.h"
#include "tests/fuzz/chunks.h"

namespace {

using berth::LogStream;
using berth::docker::LogFrameDemuxer;
using berth::docker::LogFraming;

void Require(bool ok, const char* what) {
  if (ok) return;
  fprintf(stderr, "fuzz_docker_log_frames: %s\n", what);
  abort();
}

struct Outcome {
  std::vector<std::pair<LogStream, std::string>> lines;
  berth::Status::Code code = berth::Status::Code::kOk;
  std::string message;
  size_t bytes = 0;
};

template <class Cut>
Outcome Demux(LogFraming framing, size_t max_line, Cut&& cut) {
  Outcome out;
  bool failed = false;
  LogFrameDemuxer demuxer(
      framing,
      [&](LogStream stream, std::string_view line) {
        Require(!failed, "a Feed gave a line after the demuxer failed");
        Require(line.size() <= max_line, "a line is longer than the cap");
        Require(line.find('\n') == std::string_view::npos, "a line holds a newline");
        Require(framing == LogFraming::kMultiplexed || stream == LogStream::kStdout,
                "a raw body gave a line that is not stdout");
        out.bytes += line.size();
        out.lines.emplace_back(stream, std::string(line));
      },
      max_line);
  cut([&](std::string_view chunk) {
    demuxer.Feed(chunk);
    failed = !demuxer.status().ok();
  });
  failed = false;
  demuxer.Finish();
  out.code = demuxer.status().code();
  out.message = demuxer.status().message();
  Require(demuxer.status().ok() || !out.message.empty(), "a failure has no message");
  return out;
}

bool Same(const Outcome& a, const Outcome& b) {
  return a.lines == b.lines && a.code == b.code && a.message == b.message;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  LogFraming framing = data[0] & 1 ? LogFraming::kRaw : LogFraming::kMultiplexed;
  size_t max_line = 1 + (data[0] >> 1) % 64;
  auto plan = berth::fuzz::ReadChunkPlan(data + 1, size - 1, 2 * max_line + 16);
  std::string_view body = plan.payload;

  Outcome whole = Demux(framing, max_line, [&](auto feed) {
    if (!body.empty()) feed(body);
  });
  Outcome chunked =
      Demux(framing, max_line, [&](auto feed) { berth::fuzz::ForEachChunk(plan, feed); });
  Outcome bytes = Demux(framing, max_line, [&](auto feed) {
    for (size_t i = 0; i < body.size(); ++i) feed(body.substr(i, 1));
  });
  Require(whole.bytes <= body.size(), "the lines hold more bytes than the body");
  Require(Same(whole, chunked), "planned chunks gave other lines or status than the whole body");
  Require(Same(whole, bytes), "single bytes gave other lines or status than the whole body");
  if (framing == LogFraming::kRaw) Require(whole.code == berth::Status::Code::kOk, "raw failed");
  return 0;
}
