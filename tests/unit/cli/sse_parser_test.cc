// Tests for SseParser: field handling, line endings and chunks split anywhere.
#include "cli/sse_parser.h"

#include <gtest/gtest.h>

namespace berth::cli {
namespace {

TEST(SseParserTest, ParsesOneEventWithIdTypeAndData) {
  SseParser parser;
  auto events = parser.feed("id: 7\nevent: log\ndata: {\"line\":\"hi\"}\n\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].id, "7");
  EXPECT_EQ(events[0].type, "log");
  EXPECT_EQ(events[0].data, "{\"line\":\"hi\"}");
  EXPECT_EQ(parser.last_event_id(), "7");
}

TEST(SseParserTest, WaitsForTheBlankLineBeforeDispatching) {
  SseParser parser;
  EXPECT_TRUE(parser.feed("event: app\ndata: x\n").empty());
  auto events = parser.feed("\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "x");
}

TEST(SseParserTest, SkipsCommentKeepalives) {
  SseParser parser;
  EXPECT_TRUE(parser.feed(":\n\n: keepalive\n\n").empty());
  auto events = parser.feed(": hi\ndata: a\n\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "a");
}

TEST(SseParserTest, JoinsDataLinesWithNewlines) {
  SseParser parser;
  auto events = parser.feed("data: one\ndata:two\ndata\n\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "one\ntwo\n");
}

TEST(SseParserTest, DefaultsTheTypeToMessageAndResetsItAfterEachEvent) {
  SseParser parser;
  auto events = parser.feed("event: log\ndata: a\n\ndata: b\n\n");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type, "log");
  EXPECT_EQ(events[1].type, "message");
}

TEST(SseParserTest, KeepsTheLastIdAcrossEvents) {
  SseParser parser;
  auto events = parser.feed("id: 3\ndata: a\n\ndata: b\n\n");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].id, "3");
}

TEST(SseParserTest, DoesNotDispatchAnEventWithoutData) {
  SseParser parser;
  EXPECT_TRUE(parser.feed("id: 9\nevent: log\n\n").empty());
  EXPECT_EQ(parser.last_event_id(), "9");
  auto events = parser.feed("data: x\n\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, "message");  // the type of the empty event did not leak
}

TEST(SseParserTest, AcceptsCrLfAndCrLineEndings) {
  SseParser parser;
  auto events = parser.feed("data: a\r\n\r\ndata: b\r\rdata: c\n\n");
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].data, "a");
  EXPECT_EQ(events[1].data, "b");
  EXPECT_EQ(events[2].data, "c");
}

TEST(SseParserTest, HandlesACrLfSplitAcrossChunks) {
  SseParser parser;
  EXPECT_TRUE(parser.feed("data: a\r").empty());
  EXPECT_TRUE(parser.feed("\n").empty());  // the LF of the CRLF, not a blank line
  auto events = parser.feed("\r\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "a");
}

TEST(SseParserTest, GivesTheSameEventsWhateverTheChunking) {
  const std::string stream =
      ": hello\r\nid: 1\r\nevent: log\r\ndata: {\"line\": \"x: y\"}\r\n\r\n"
      "id: 2\nevent: app\ndata: {}\n\n:\n\n";
  for (size_t size = 1; size <= stream.size(); ++size) {
    SseParser parser;
    std::vector<SseEvent> events;
    for (size_t at = 0; at < stream.size(); at += size) {
      for (SseEvent& event : parser.feed(std::string_view(stream).substr(at, size))) {
        events.push_back(std::move(event));
      }
    }
    ASSERT_EQ(events.size(), 2u) << "chunk size " << size;
    EXPECT_EQ(events[0].data, "{\"line\": \"x: y\"}");
    EXPECT_EQ(events[0].id, "1");
    EXPECT_EQ(events[1].type, "app");
    EXPECT_EQ(events[1].id, "2");
  }
}

TEST(SseParserTest, KeepsOnlyTheFirstSpaceOutOfAValueAndIgnoresUnknownFields) {
  SseParser parser;
  auto events = parser.feed("retry: 1000\nfoo: bar\ndata:  two spaces\n\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, " two spaces");
}

}  // namespace
}  // namespace berth::cli
