// Fuzz target: app output cut into lines by LineSplitter, fed in chunks of any size, and the lines
// kept in a LogRing. Checks the pieces against a model of the splitting rules and the ring's
// ForEachSince against what was appended.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "supervise/log_ring.h"
#include "tests/fuzz/chunks.h"

namespace {

constexpr size_t kRingCapacity = 8;

void Require(bool ok, const char* what) {
  if (ok) return;
  fprintf(stderr, "fuzz_line_splitter: %s\n", what);
  abort();
}

// A piece the splitter should emit, and whether the input's newline after it was consumed.
struct Piece {
  std::string_view text;
  bool newline = false;
};

// The rules of log_ring.h: a line longer than max_line is cut into max_line pieces; a line whose
// length is a multiple of max_line ends with a full piece (its newline yields no empty line); an
// empty line is one empty piece; a last line without a newline is a piece unless empty.
std::vector<Piece> ExpectedPieces(std::string_view input, size_t max_line) {
  std::vector<Piece> pieces;
  size_t start = 0;
  while (start < input.size()) {
    size_t newline = input.find('\n', start);
    bool terminated = newline != std::string_view::npos;
    size_t end = terminated ? newline : input.size();
    std::string_view line = input.substr(start, end - start);
    if (line.empty()) pieces.push_back({line, true});
    for (size_t p = 0; p < line.size(); p += max_line) {
      bool last = p + max_line >= line.size();
      pieces.push_back({line.substr(p, max_line), terminated && last});
    }
    start = end + 1;
  }
  return pieces;
}

void CheckModelIsLossless(const std::vector<Piece>& pieces, std::string_view input) {
  std::string rebuilt;
  for (const Piece& piece : pieces) {
    rebuilt.append(piece.text);
    if (piece.newline) rebuilt.push_back('\n');
  }
  Require(rebuilt == input, "pieces and their newlines do not rebuild the input");
}

// Holds the emitted lines in a LogRing and checks what ForEachSince gives back.
class RingCheck {
 public:
  void Append(std::string_view line) {
    auto stream = appended_ % 2 ? berth::LogStream::kStderr : berth::LogStream::kStdout;
    const berth::LogEntry& entry = ring_.Append(static_cast<int64_t>(appended_), stream, line);
    ++appended_;
    Require(entry.seq == appended_ && ring_.last_seq() == appended_, "seq is not the line count");
    recent_.push_back(std::string(line));
    if (recent_.size() > kRingCapacity) recent_.pop_front();
    Require(ring_.size() == recent_.size(), "the ring holds the wrong number of lines");
    Query(0, SIZE_MAX);
    uint8_t knob = line.empty() ? 0 : static_cast<uint8_t>(line[0]);
    uint64_t back = knob % (kRingCapacity + 4);
    Query(appended_ > back ? appended_ - back : 0, knob / 16 < 12 ? knob / 16 : SIZE_MAX);
  }

 private:
  void Query(uint64_t after, size_t limit) {
    uint64_t first = appended_ - recent_.size() + 1;
    uint64_t available = after >= appended_ ? 0 : appended_ - std::max(after + 1, first) + 1;
    uint64_t expected = std::min<uint64_t>(available, limit);
    std::vector<const berth::LogEntry*> seen;
    ring_.ForEachSince(after, limit, [&](const berth::LogEntry& e) { seen.push_back(&e); });
    Require(seen.size() <= kRingCapacity, "ForEachSince gave more than the capacity");
    Require(seen.size() == expected, "ForEachSince gave the wrong number of entries");
    for (size_t i = 0; i < seen.size(); ++i) {
      uint64_t seq = appended_ - seen.size() + 1 + i;
      Require(seen[i]->seq == seq && seq > after, "ForEachSince seqs are not the newest, in order");
      Require(seen[i]->line == recent_[recent_.size() - (appended_ - seq) - 1],
              "a ring entry holds another line");
      Require(seen[i]->ts_ms == static_cast<int64_t>(seq - 1), "a ring entry has another time");
    }
  }

  berth::LogRing ring_{kRingCapacity};
  uint64_t appended_ = 0;
  std::deque<std::string> recent_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  size_t max_line = 1 + data[0] % 64;
  // Chunks up to two lines long, so that cuts land before, on and after every line end.
  auto plan = berth::fuzz::ReadChunkPlan(data + 1, size - 1, 2 * max_line + 2);

  std::vector<std::string> lines;
  RingCheck ring;
  auto emit = [&](std::string_view line) {
    Require(line.size() <= max_line, "a piece is longer than max_line");
    Require(line.find('\n') == std::string_view::npos, "a piece holds a newline");
    lines.emplace_back(line);
    ring.Append(line);
  };
  berth::LineSplitter splitter(max_line);
  berth::fuzz::ForEachChunk(plan, [&](std::string_view chunk) { splitter.Feed(chunk, emit); });
  splitter.Finish(emit);

  std::vector<Piece> expected = ExpectedPieces(plan.payload, max_line);
  CheckModelIsLossless(expected, plan.payload);
  Require(lines.size() == expected.size(), "the splitter emitted another number of pieces");
  for (size_t i = 0; i < lines.size(); ++i)
    Require(lines[i] == expected[i].text, "the splitter emitted another piece");
  return 0;
}
