// Tests of LogFrameDemuxer: Docker's framed and raw (TTY) log streams cut into lines per
// stream, at every possible chunk boundary, and the refusal of what is not Docker's framing.
#include "supervise/docker/log_frames.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace berth::docker {
namespace {

using Line = std::pair<LogStream, std::string>;

std::string Frame(uint8_t stream, std::string_view payload) {
  std::string frame = {static_cast<char>(stream), 0, 0, 0};
  uint32_t size = static_cast<uint32_t>(payload.size());
  for (int shift = 24; shift >= 0; shift -= 8) frame.push_back(static_cast<char>(size >> shift));
  return frame + std::string(payload);
}

// Feeds `body` in pieces of `piece` bytes (0: whole) and returns the lines and the status.
std::pair<std::vector<Line>, Status> Demux(LogFraming framing, std::string_view body,
                                           size_t piece = 0, size_t max_line = 16 * 1024) {
  std::vector<Line> lines;
  LogFrameDemuxer demuxer(
      framing, [&](LogStream s, std::string_view line) { lines.emplace_back(s, line); }, max_line);
  if (piece == 0) piece = body.size() + 1;
  for (size_t pos = 0; pos < body.size(); pos += piece) demuxer.Feed(body.substr(pos, piece));
  demuxer.Finish();
  return {lines, demuxer.status()};
}

constexpr LogStream kOut = LogStream::kStdout;
constexpr LogStream kErr = LogStream::kStderr;

TEST(LogFrameDemuxerTest, SplitsFramesIntoLinesPerStream) {
  std::string body = Frame(1, "hello\nwor") + Frame(2, "oops\n") + Frame(1, "ld\n") +
                     Frame(2, "last without newline");
  auto [lines, status] = Demux(LogFraming::kMultiplexed, body);
  EXPECT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(lines,
            (std::vector<Line>{
                {kOut, "hello"}, {kErr, "oops"}, {kOut, "world"}, {kErr, "last without newline"}}));
}

TEST(LogFrameDemuxerTest, EveryCutOfTheBodyGivesTheSameLines) {
  std::string body = Frame(1, "a\nbb\n") + Frame(2, "") + Frame(2, "err 1\nerr") +
                     Frame(0, "in\n") + Frame(2, " 2\n") + Frame(1, "\n\ntail");
  auto [whole, status] = Demux(LogFraming::kMultiplexed, body);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(whole, (std::vector<Line>{{kOut, "a"},
                                      {kOut, "bb"},
                                      {kErr, "err 1"},
                                      {kOut, "in"},
                                      {kErr, "err 2"},
                                      {kOut, ""},
                                      {kOut, ""},
                                      {kOut, "tail"}}));
  for (size_t piece = 1; piece <= body.size(); ++piece) {
    auto [lines, s] = Demux(LogFraming::kMultiplexed, body, piece);
    EXPECT_TRUE(s.ok()) << "pieces of " << piece;
    EXPECT_EQ(lines, whole) << "pieces of " << piece;
  }
  // Two pieces, cut at every offset.
  for (size_t cut = 0; cut <= body.size(); ++cut) {
    std::vector<Line> lines;
    LogFrameDemuxer demuxer(LogFraming::kMultiplexed,
                            [&](LogStream s, std::string_view l) { lines.emplace_back(s, l); });
    demuxer.Feed(std::string_view(body).substr(0, cut));
    demuxer.Feed(std::string_view(body).substr(cut));
    demuxer.Finish();
    EXPECT_TRUE(demuxer.status().ok());
    EXPECT_EQ(lines, whole) << "cut at " << cut;
  }
}

TEST(LogFrameDemuxerTest, RawModeIsAllStdout) {
  // A TTY body: what would be a frame header is just bytes.
  std::string body = std::string("\x02\x00\x00\x00", 4) + "x\r\nline two\npartial";
  auto [whole, status] = Demux(LogFraming::kRaw, body);
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(whole, (std::vector<Line>{{kOut, std::string("\x02\x00\x00\x00x\r", 6)},
                                      {kOut, "line two"},
                                      {kOut, "partial"}}));
  for (size_t piece = 1; piece <= body.size(); ++piece) {
    EXPECT_EQ(Demux(LogFraming::kRaw, body, piece).first, whole) << "pieces of " << piece;
  }
}

TEST(LogFrameDemuxerTest, LongLinesComeInPiecesOfTheCap) {
  std::string body = Frame(1, "abcdefghij\n") + Frame(2, "0123") + Frame(2, "4567\n");
  auto [lines, status] = Demux(LogFraming::kMultiplexed, body, 3, 4);
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(lines,
            (std::vector<Line>{
                {kOut, "abcd"}, {kOut, "efgh"}, {kOut, "ij"}, {kErr, "0123"}, {kErr, "4567"}}));
}

TEST(LogFrameDemuxerTest, LargeFrameSizesAreReadBigEndian) {
  std::string payload(70000, 'x');
  payload += "\n";
  auto [lines, status] = Demux(LogFraming::kMultiplexed, Frame(2, payload) + Frame(1, "ok\n"));
  EXPECT_TRUE(status.ok());
  ASSERT_EQ(lines.size(), 6u);  // 70,000 bytes at 16 KiB: four full pieces and a rest
  EXPECT_EQ(lines[0].second.size(), 16u * 1024);
  EXPECT_EQ(lines[4].second.size(), 70000u - 4 * 16 * 1024);
  EXPECT_EQ(lines[5], (Line{kOut, "ok"}));
}

TEST(LogFrameDemuxerTest, UnknownStreamStopsTheDemuxer) {
  std::string body = Frame(1, "before\n") + Frame(7, "x\n") + Frame(1, "after\n");
  for (size_t piece : {size_t{0}, size_t{1}, size_t{5}}) {
    auto [lines, status] = Demux(LogFraming::kMultiplexed, body, piece);
    EXPECT_EQ(lines, (std::vector<Line>{{kOut, "before"}}));
    EXPECT_EQ(status.code(), Status::Code::kInvalid);
    EXPECT_NE(status.message().find("unknown stream 7"), std::string::npos) << status.message();
  }
}

TEST(LogFrameDemuxerTest, NonzeroPaddingStopsTheDemuxer) {
  // A TTY container's output read as if it were framed.
  auto [lines, status] = Demux(LogFraming::kMultiplexed, "hello world\n");
  EXPECT_TRUE(lines.empty());
  EXPECT_EQ(status.code(), Status::Code::kInvalid);
  EXPECT_NE(status.message().find("TTY"), std::string::npos) << status.message();
  std::string padded = Frame(1, "a\n");
  padded[2] = 1;
  EXPECT_FALSE(Demux(LogFraming::kMultiplexed, padded).second.ok());
}

TEST(LogFrameDemuxerTest, DaemonErrorFrameGivesItsMessage) {
  std::string body = Frame(1, "x\n") + Frame(3, "error from daemon in stream: bad\n");
  for (size_t piece = 1; piece <= body.size(); ++piece) {
    auto [lines, status] = Demux(LogFraming::kMultiplexed, body, piece);
    EXPECT_EQ(lines, (std::vector<Line>{{kOut, "x"}}));
    EXPECT_EQ(status.message(),
              "Docker reported an error in the log stream: error from daemon in stream: bad");
  }
}

TEST(LogFrameDemuxerTest, EndInsideAFrameIsReportedAfterItsLines) {
  std::string body = Frame(1, "one\ntwo and more");
  body.resize(body.size() - 5);
  auto [lines, status] = Demux(LogFraming::kMultiplexed, body);
  EXPECT_EQ(lines, (std::vector<Line>{{kOut, "one"}, {kOut, "two and"}}));
  EXPECT_EQ(status.code(), Status::Code::kIOError);
  auto [none, header_only] = Demux(LogFraming::kMultiplexed, std::string("\x01\x00\x00", 3));
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(header_only.code(), Status::Code::kIOError);
  EXPECT_TRUE(Demux(LogFraming::kMultiplexed, "").second.ok());
}

}  // namespace
}  // namespace berth::docker
