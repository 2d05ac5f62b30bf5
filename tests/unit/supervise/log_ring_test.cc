// Tests of LogRing (capacity in lines and bytes, sequence numbers, ForEachSince) and
// LineSplitter (cutting a byte stream into lines across chunks, long lines, the partial last
// line).
#include "supervise/log_ring.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace berth {
namespace {

std::vector<uint64_t> SeqsSince(const LogRing& ring, uint64_t after_seq, size_t limit) {
  std::vector<uint64_t> seqs;
  ring.ForEachSince(after_seq, limit, [&](const LogEntry& entry) { seqs.push_back(entry.seq); });
  return seqs;
}

std::vector<std::string> LinesSince(const LogRing& ring, uint64_t after_seq, size_t limit) {
  std::vector<std::string> lines;
  ring.ForEachSince(after_seq, limit, [&](const LogEntry& entry) { lines.push_back(entry.line); });
  return lines;
}

TEST(LogRingTest, AppendManyCountsEveryLineAndKeepsTheLast) {
  LogRing ring(4);
  ring.Append(1, LogStream::kStdout, "old-1");
  ring.Append(1, LogStream::kStdout, "old-2");
  std::vector<std::string> text;
  for (int i = 0; i < 10; ++i) text.push_back("l" + std::to_string(i));
  std::vector<std::string_view> lines(text.begin(), text.end());
  EXPECT_EQ(ring.AppendMany(7, LogStream::kStderr, lines), 3u);
  EXPECT_EQ(ring.last_seq(), 12u);
  EXPECT_EQ(SeqsSince(ring, 0, 100), (std::vector<uint64_t>{9, 10, 11, 12}));
  EXPECT_EQ(LinesSince(ring, 0, 100), (std::vector<std::string>{"l6", "l7", "l8", "l9"}));
  // A small batch after a big one keeps the seqs consecutive.
  std::vector<std::string_view> two = {"a", "b"};
  EXPECT_EQ(ring.AppendMany(8, LogStream::kStdout, two), 13u);
  EXPECT_EQ(SeqsSince(ring, 10, 100), (std::vector<uint64_t>{11, 12, 13, 14}));
}

TEST(LineSplitterViewsTest, LinesStayValidUntilTheNextFeed) {
  LineSplitter splitter(64);
  std::vector<std::string_view> seen;
  auto collect = [&](std::string_view line) { seen.push_back(line); };
  splitter.Feed("par", collect);
  std::string chunk = "tial\nwhole\ntrailing";
  splitter.Feed(chunk, collect);
  // The joined line must not be overwritten by the trailing partial line.
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], "partial");
  EXPECT_EQ(seen[1], "whole");
}

TEST(LogRingTest, EmptyRingVisitsNothing) {
  LogRing ring(3);
  EXPECT_EQ(ring.size(), 0u);
  EXPECT_EQ(ring.last_seq(), 0u);
  EXPECT_TRUE(SeqsSince(ring, 0, 100).empty());
}

TEST(LogRingTest, AppendReturnsTheStoredEntry) {
  LogRing ring(3);
  const LogEntry& entry = ring.Append(1234, LogStream::kStderr, "boom");
  EXPECT_EQ(entry.seq, 1u);
  EXPECT_EQ(entry.ts_ms, 1234);
  EXPECT_EQ(entry.stream, LogStream::kStderr);
  EXPECT_EQ(entry.line, "boom");
  EXPECT_EQ(ring.size(), 1u);
  EXPECT_EQ(ring.last_seq(), 1u);
}

TEST(LogRingTest, KeepsTheLastCapacityLinesWhileSeqKeepsGrowing) {
  LogRing ring(3);
  for (int i = 1; i <= 10; ++i) ring.Append(i, LogStream::kStdout, "line " + std::to_string(i));
  EXPECT_EQ(ring.size(), 3u);
  EXPECT_EQ(ring.last_seq(), 10u);
  EXPECT_EQ(SeqsSince(ring, 0, 100), (std::vector<uint64_t>{8, 9, 10}));
  EXPECT_EQ(LinesSince(ring, 0, 100), (std::vector<std::string>{"line 8", "line 9", "line 10"}));
}

TEST(LogRingTest, EntriesKeepTheirTimestampAndStreamAfterWrapping) {
  LogRing ring(2);
  ring.Append(1, LogStream::kStdout, "a");
  ring.Append(2, LogStream::kStderr, "b");
  ring.Append(3, LogStream::kStdout, "c");
  std::vector<LogEntry> seen;
  ring.ForEachSince(0, 10, [&](const LogEntry& entry) { seen.push_back(entry); });
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].seq, 2u);
  EXPECT_EQ(seen[0].ts_ms, 2);
  EXPECT_EQ(seen[0].stream, LogStream::kStderr);
  EXPECT_EQ(seen[0].line, "b");
  EXPECT_EQ(seen[1].seq, 3u);
  EXPECT_EQ(seen[1].stream, LogStream::kStdout);
  EXPECT_EQ(seen[1].line, "c");
}

TEST(LogRingTest, DefaultCapacityIsOneThousand) {
  LogRing ring;
  for (int i = 0; i < 1500; ++i) ring.Append(i, LogStream::kStdout, "x");
  EXPECT_EQ(ring.size(), 1000u);
  EXPECT_EQ(ring.last_seq(), 1500u);
  EXPECT_EQ(SeqsSince(ring, 0, 5000).front(), 501u);
}

TEST(LogRingTest, ForEachSinceSkipsEntriesUpToAfterSeq) {
  LogRing ring(5);
  for (int i = 0; i < 5; ++i) ring.Append(i, LogStream::kStdout, "x");
  EXPECT_EQ(SeqsSince(ring, 3, 100), (std::vector<uint64_t>{4, 5}));
  EXPECT_TRUE(SeqsSince(ring, 5, 100).empty());
  EXPECT_TRUE(SeqsSince(ring, 99, 100).empty());
}

TEST(LogRingTest, ForEachSinceWithAfterSeqOlderThanTheRingStartsAtTheOldest) {
  LogRing ring(3);
  for (int i = 0; i < 7; ++i) ring.Append(i, LogStream::kStdout, "x");
  // Seqs 1..4 fell out; asking from 2 gives what is left.
  EXPECT_EQ(SeqsSince(ring, 2, 100), (std::vector<uint64_t>{5, 6, 7}));
}

TEST(LogRingTest, ForEachSinceLimitKeepsTheNewestOldestFirst) {
  LogRing ring(10);
  for (int i = 0; i < 8; ++i) ring.Append(i, LogStream::kStdout, "x");
  EXPECT_EQ(SeqsSince(ring, 0, 3), (std::vector<uint64_t>{6, 7, 8}));
  EXPECT_EQ(SeqsSince(ring, 6, 3), (std::vector<uint64_t>{7, 8}));
  EXPECT_EQ(SeqsSince(ring, 0, 1), (std::vector<uint64_t>{8}));
  EXPECT_TRUE(SeqsSince(ring, 0, 0).empty());
}

TEST(LogRingTest, ForEachSinceLimitAfterWrapping) {
  LogRing ring(4);
  for (int i = 0; i < 11; ++i) ring.Append(i, LogStream::kStdout, std::to_string(i + 1));
  EXPECT_EQ(LinesSince(ring, 0, 2), (std::vector<std::string>{"10", "11"}));
  EXPECT_EQ(LinesSince(ring, 8, 100), (std::vector<std::string>{"9", "10", "11"}));
}

TEST(LogRingBytesTest, OldestLinesFallOutPastTheByteCap) {
  LogRing ring(LogRingLimits{.lines = 1000, .bytes = 10});
  for (int i = 1; i <= 6; ++i) ring.Append(i, LogStream::kStdout, "ab" + std::to_string(i));
  // Three-byte lines: three fit in ten bytes.
  EXPECT_EQ(ring.size(), 3u);
  EXPECT_EQ(ring.bytes(), 9u);
  EXPECT_EQ(ring.last_seq(), 6u);
  EXPECT_EQ(SeqsSince(ring, 0, 1000), (std::vector<uint64_t>{4, 5, 6}));
  EXPECT_EQ(LinesSince(ring, 0, 2), (std::vector<std::string>{"ab5", "ab6"}));
  EXPECT_EQ(SeqsSince(ring, 4, 1000), (std::vector<uint64_t>{5, 6}));
}

TEST(LogRingBytesTest, ALineOverTheCapIsKeptAlone) {
  LogRing ring(LogRingLimits{.lines = 10, .bytes = 4});
  ring.Append(1, LogStream::kStdout, "ab");
  ring.Append(2, LogStream::kStdout, "abcdefgh");
  EXPECT_EQ(LinesSince(ring, 0, 10), (std::vector<std::string>{"abcdefgh"}));
  ring.Append(3, LogStream::kStdout, "c");
  EXPECT_EQ(LinesSince(ring, 0, 10), (std::vector<std::string>{"c"}));
  EXPECT_EQ(SeqsSince(ring, 0, 10), (std::vector<uint64_t>{3}));
}

TEST(LogRingBytesTest, AppendManyKeepsTheNewestLinesThatFit) {
  LogRing ring(LogRingLimits{.lines = 100, .bytes = 16 * 1024 * 3});
  std::string big(16 * 1024, 'x');
  std::vector<std::string_view> lines(10, big);
  EXPECT_EQ(ring.AppendMany(1, LogStream::kStdout, lines), 1u);
  EXPECT_EQ(ring.size(), 3u);
  EXPECT_EQ(ring.bytes(), big.size() * 3);
  EXPECT_EQ(SeqsSince(ring, 0, 100), (std::vector<uint64_t>{8, 9, 10}));
  std::vector<std::string_view> small = {"a", "b"};
  EXPECT_EQ(ring.AppendMany(2, LogStream::kStdout, small), 11u);
  EXPECT_EQ(SeqsSince(ring, 0, 100), (std::vector<uint64_t>{9, 10, 11, 12}));
  EXPECT_LE(ring.bytes(), 16u * 1024 * 3);
}

TEST(LogRingBytesTest, ABatchCutByTheByteCapLeavesNoGapInTheSeqs) {
  // The skipped line would have pushed the older one out too: only the newest stays.
  LogRing ring(LogRingLimits{.lines = 100, .bytes = 16 * 1024});
  ring.Append(1, LogStream::kStdout, std::string(100, 'o'));
  std::string big(10 * 1000, 'x');
  std::vector<std::string_view> lines(2, big);
  EXPECT_EQ(ring.AppendMany(2, LogStream::kStdout, lines), 2u);
  EXPECT_EQ(SeqsSince(ring, 0, 100), (std::vector<uint64_t>{3}));
  EXPECT_EQ(SeqsSince(ring, 1, 100), (std::vector<uint64_t>{3}));
  EXPECT_EQ(ring.bytes(), big.size());
}

TEST(LogRingBytesTest, DefaultCapIsOneMebibyte) {
  LogRing ring;
  std::string line(16 * 1024, 'y');
  for (int i = 0; i < 1000; ++i) ring.Append(i, LogStream::kStdout, line);
  EXPECT_EQ(ring.size(), 64u);
  EXPECT_EQ(ring.bytes(), 1024u * 1024);
  EXPECT_EQ(ring.last_seq(), 1000u);
  EXPECT_EQ(SeqsSince(ring, 0, 100).front(), 937u);
}

TEST(LogRingBytesTest, SmallerLimitsDropTheOldest) {
  LogRing ring(10);
  for (int i = 1; i <= 8; ++i) ring.Append(i, LogStream::kStdout, "abcd");
  ring.SetLimits(LogRingLimits{.lines = 5, .bytes = 12});
  EXPECT_EQ(SeqsSince(ring, 0, 100), (std::vector<uint64_t>{6, 7, 8}));
  ring.SetLimits(LogRingLimits{.lines = 2, .bytes = 1000});
  EXPECT_EQ(SeqsSince(ring, 0, 100), (std::vector<uint64_t>{7, 8}));
  ring.Append(9, LogStream::kStdout, "e");
  EXPECT_EQ(SeqsSince(ring, 0, 100), (std::vector<uint64_t>{8, 9}));
}

TEST(LogStreamTest, Names) {
  EXPECT_STREQ(to_string(LogStream::kStdout), "stdout");
  EXPECT_STREQ(to_string(LogStream::kStderr), "stderr");
}

// Lines as short descriptions, so that a failure with 16 KiB lines stays readable: a line of
// more than 20 bytes becomes "<N x c>".
std::vector<std::string> Brief(const std::vector<std::string>& lines) {
  std::vector<std::string> out;
  for (const auto& line : lines)
    out.push_back(line.size() <= 20 ? line
                                    : "<" + std::to_string(line.size()) + " x " + line[0] + ">");
  return out;
}

// Collects what a LineSplitter emits.
class LineSplitterTest : public ::testing::Test {
 protected:
  void Feed(std::string_view chunk) {
    splitter_.Feed(chunk, [this](std::string_view line) { lines_.emplace_back(line); });
  }
  void Finish() {
    splitter_.Finish([this](std::string_view line) { lines_.emplace_back(line); });
  }

  LineSplitter splitter_;
  std::vector<std::string> lines_;
};

TEST_F(LineSplitterTest, SplitsOneChunkIntoLines) {
  Feed("one\ntwo\nthree\n");
  EXPECT_EQ(lines_, (std::vector<std::string>{"one", "two", "three"}));
}

TEST_F(LineSplitterTest, JoinsLinesAcrossChunks) {
  Feed("hel");
  Feed("lo wo");
  EXPECT_TRUE(lines_.empty());
  Feed("rld\nnext");
  EXPECT_EQ(lines_, (std::vector<std::string>{"hello world"}));
  Feed("\n");
  EXPECT_EQ(lines_, (std::vector<std::string>{"hello world", "next"}));
}

TEST_F(LineSplitterTest, OneByteAtATime) {
  for (char c : std::string("ab\n\ncd\n")) Feed(std::string_view(&c, 1));
  EXPECT_EQ(lines_, (std::vector<std::string>{"ab", "", "cd"}));
}

TEST_F(LineSplitterTest, KeepsCarriageReturnsSplittingOnlyAtNewline) {
  Feed("dos\r\nmac\rstill mac\n");
  EXPECT_EQ(lines_, (std::vector<std::string>{"dos\r", "mac\rstill mac"}));
}

TEST_F(LineSplitterTest, EmptyLinesAreLines) {
  Feed("\n\nx\n\n");
  EXPECT_EQ(lines_, (std::vector<std::string>{"", "", "x", ""}));
}

TEST_F(LineSplitterTest, PartialLastLineOnlyAtFinish) {
  Feed("done\npartial");
  EXPECT_EQ(lines_, (std::vector<std::string>{"done"}));
  Finish();
  EXPECT_EQ(lines_, (std::vector<std::string>{"done", "partial"}));
}

TEST_F(LineSplitterTest, FinishWithNothingPendingEmitsNothing) {
  Feed("whole\n");
  Finish();
  Finish();
  EXPECT_EQ(lines_, (std::vector<std::string>{"whole"}));
}

TEST_F(LineSplitterTest, FinishClearsThePartialLine) {
  Feed("first");
  Finish();
  Feed("second\n");
  EXPECT_EQ(lines_, (std::vector<std::string>{"first", "second"}));
}

TEST_F(LineSplitterTest, LongLineIsCutInto16KiBPieces) {
  constexpr size_t kMax = 16 * 1024;
  std::string line = std::string(kMax, 'a') + std::string(kMax, 'b') + "tail";
  Feed(line + "\nafter\n");
  EXPECT_EQ(Brief(lines_),
            (std::vector<std::string>{"<16384 x a>", "<16384 x b>", "tail", "after"}));
  ASSERT_EQ(lines_.size(), 4u);
  EXPECT_EQ(lines_[0], std::string(kMax, 'a'));
  EXPECT_EQ(lines_[1], std::string(kMax, 'b'));
}

TEST_F(LineSplitterTest, LongLineAcrossSmallChunksIsCutInto16KiBPieces) {
  constexpr size_t kMax = 16 * 1024;
  std::string text = std::string(kMax + 100, 'x') + "\n";
  for (size_t pos = 0; pos < text.size(); pos += 1000) Feed(text.substr(pos, 1000));
  EXPECT_EQ(Brief(lines_), (std::vector<std::string>{"<16384 x x>", "<100 x x>"}));
}

TEST_F(LineSplitterTest, ExactMaxLineFollowedByNewlineIsOneLine) {
  constexpr size_t kMax = 16 * 1024;
  Feed(std::string(kMax, 'z') + "\nnext\n");
  EXPECT_EQ(Brief(lines_), (std::vector<std::string>{"<16384 x z>", "next"}));
}

TEST_F(LineSplitterTest, ExactMaxLineBuiltFromTwoChunksThenNewlineIsOneLine) {
  constexpr size_t kMax = 16 * 1024;
  Feed(std::string(kMax - 10, 'z'));
  Feed(std::string(10, 'z') + "\nnext\n");
  EXPECT_EQ(Brief(lines_), (std::vector<std::string>{"<16384 x z>", "next"}));
}

// Where a read happens to end must not change the lines: a line of exactly the maximum whose
// newline arrives in the next chunk is still one line, with no empty line after it.
TEST_F(LineSplitterTest, ExactMaxLineWithNewlineInTheNextChunkIsOneLine) {
  constexpr size_t kMax = 16 * 1024;
  Feed(std::string(kMax, 'z'));
  Feed("\nnext\n");
  EXPECT_EQ(Brief(lines_), (std::vector<std::string>{"<16384 x z>", "next"}));
}

// The newline of an exact-maximum line was consumed with it: a newline at the start of the
// next chunk is an empty line of its own.
TEST_F(LineSplitterTest, EmptyLineAfterAnExactMaxLineInItsOwnChunkIsKept) {
  constexpr size_t kMax = 16 * 1024;
  Feed(std::string(kMax, 'z') + "\n");
  Feed("\nnext\n");
  EXPECT_EQ(Brief(lines_), (std::vector<std::string>{"<16384 x z>", "", "next"}));
}

TEST_F(LineSplitterTest, ExactMaxLinesBackToBackAcrossChunks) {
  constexpr size_t kMax = 16 * 1024;
  Feed(std::string(kMax, 'a'));
  Feed("\n" + std::string(kMax, 'b'));
  Feed("\n\n");
  EXPECT_EQ(Brief(lines_), (std::vector<std::string>{"<16384 x a>", "<16384 x b>", ""}));
}

TEST_F(LineSplitterTest, ExactMaxLineEndingAChunkThenPartialLine) {
  constexpr size_t kMax = 16 * 1024;
  Feed(std::string(kMax, 'z'));
  Feed("more");
  Finish();
  EXPECT_EQ(Brief(lines_), (std::vector<std::string>{"<16384 x z>", "more"}));
}

TEST_F(LineSplitterTest, SmallMaxLine) {
  LineSplitter splitter(4);
  std::vector<std::string> lines;
  auto emit = [&](std::string_view line) { lines.emplace_back(line); };
  splitter.Feed("abcdefghij\nabcd\nab", emit);
  splitter.Finish(emit);
  EXPECT_EQ(lines, (std::vector<std::string>{"abcd", "efgh", "ij", "abcd", "ab"}));
}

TEST_F(LineSplitterTest, ChunkingDoesNotChangeTheLines) {
  // Whatever the chunk size, the same text gives the same lines.
  std::string text = "alpha\n\nbeta\r\n" + std::string(40, 'q') + "\nomega";
  std::vector<std::string> expected;
  {
    LineSplitter whole(16);
    auto emit = [&](std::string_view line) { expected.emplace_back(line); };
    whole.Feed(text, emit);
    whole.Finish(emit);
  }
  for (size_t chunk = 1; chunk <= text.size(); ++chunk) {
    LineSplitter splitter(16);
    std::vector<std::string> lines;
    auto emit = [&](std::string_view line) { lines.emplace_back(line); };
    for (size_t pos = 0; pos < text.size(); pos += chunk)
      splitter.Feed(text.substr(pos, chunk), emit);
    splitter.Finish(emit);
    EXPECT_EQ(lines, expected) << "chunk size " << chunk;
  }
}

}  // namespace
}  // namespace berth
