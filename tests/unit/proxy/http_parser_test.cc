// Tests of the proxy's HTTP parser: where it stops (after a head, after a message), that a
// body's bytes are counted as they came, pipelining, limits, and the end of an EOF body.
#include "proxy/http_parser.h"

#include <gtest/gtest.h>

namespace berth {
namespace {

using Event = HttpParser::Event;

TEST(HttpParserTest, StopsAfterTheHeadAndAfterTheMessage) {
  HttpParser parser(HttpParser::Kind::kRequest);
  std::string input =
      "POST /a?b=1 HTTP/1.1\r\nHost: x.com\r\nContent-Length: 5\r\nX-A:  v \r\n\r\nhelloGET / "
      "HTTP/1.1\r\nHost: x.com\r\n\r\n";
  size_t used = 0;
  ASSERT_EQ(parser.Parse(input.data(), input.size(), &used), Event::kHead);
  EXPECT_EQ(input.substr(0, used).find("hello"), std::string::npos);
  EXPECT_EQ(input.substr(used, 5), "hello");
  const MessageHead& head = parser.head();
  EXPECT_EQ(head.method, "POST");
  EXPECT_EQ(head.target, "/a?b=1");
  EXPECT_TRUE(head.has_length);
  EXPECT_FALSE(head.chunked);
  EXPECT_EQ(*head.Find("x-a"), "v");
  size_t at = used;
  ASSERT_EQ(parser.Parse(input.data() + at, input.size() - at, &used), Event::kMessageEnd);
  EXPECT_EQ(used, 5u);
  at += used;
  ASSERT_EQ(parser.Parse(input.data() + at, input.size() - at, &used), Event::kHead);
  EXPECT_EQ(parser.head().method, "GET");
  at += used;
  EXPECT_EQ(at, input.size());
  EXPECT_EQ(parser.Parse(input.data() + at, 0, &used), Event::kMessageEnd);
}

TEST(HttpParserTest, CountsChunkedFramingAsBody) {
  HttpParser parser(HttpParser::Kind::kRequest);
  std::string head = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  std::string body = "3\r\nabc\r\n0\r\n\r\n";
  std::string input = head + body;
  size_t used = 0;
  ASSERT_EQ(parser.Parse(input.data(), input.size(), &used), Event::kHead);
  EXPECT_EQ(used, head.size());
  EXPECT_TRUE(parser.head().chunked);
  ASSERT_EQ(parser.Parse(input.data() + used, input.size() - used, &used), Event::kMessageEnd);
  EXPECT_EQ(used, body.size());
}

TEST(HttpParserTest, ByteByByte) {
  HttpParser parser(HttpParser::Kind::kRequest);
  std::string input = "GET /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
  size_t used = 0;
  Event last = Event::kNeedMore;
  for (size_t i = 0; i < input.size(); ++i) {
    last = parser.Parse(input.data() + i, 1, &used);
    EXPECT_EQ(used, 1u);
  }
  EXPECT_EQ(last, Event::kHead);
  EXPECT_FALSE(parser.head().keep_alive);
  EXPECT_EQ(parser.Parse(input.data(), 0, &used), Event::kMessageEnd);
}

TEST(HttpParserTest, RefusesAHeadOverTheLimitAndBadInput) {
  HttpParser parser(HttpParser::Kind::kRequest, 100);
  std::string input = "GET / HTTP/1.1\r\nX: " + std::string(200, 'a') + "\r\n\r\n";
  size_t used = 0;
  EXPECT_EQ(parser.Parse(input.data(), input.size(), &used), Event::kError);
  EXPECT_TRUE(parser.head_too_large());
  HttpParser bad(HttpParser::Kind::kRequest);
  std::string junk = "HELLO\r\n\r\n";
  EXPECT_EQ(bad.Parse(junk.data(), junk.size(), &used), Event::kError);
  HttpParser nameless(HttpParser::Kind::kRequest);
  std::string smuggled = "GET / HTTP/1.1\r\nHost: a\r\n: sneaky\r\n\r\n";
  EXPECT_EQ(nameless.Parse(smuggled.data(), smuggled.size(), &used), Event::kError);
  EXPECT_EQ(nameless.error(), "a header line without a name");
}

TEST(HttpParserTest, SeesAnUpgrade) {
  HttpParser parser(HttpParser::Kind::kRequest);
  std::string input =
      "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n\x81\x01";
  size_t used = 0;
  ASSERT_EQ(parser.Parse(input.data(), input.size(), &used), Event::kHead);
  EXPECT_TRUE(parser.head().upgrade);
  size_t at = used;
  ASSERT_EQ(parser.Parse(input.data() + at, input.size() - at, &used), Event::kMessageEnd);
  EXPECT_EQ(used, 0u);
}

TEST(HttpParserTest, ResponsesEndByLengthOrByEof) {
  HttpParser parser(HttpParser::Kind::kResponse);
  std::string input = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  size_t used = 0;
  ASSERT_EQ(parser.Parse(input.data(), input.size(), &used), Event::kHead);
  EXPECT_EQ(parser.head().status, 200);
  EXPECT_EQ(parser.head().reason, "OK");
  size_t at = used;
  ASSERT_EQ(parser.Parse(input.data() + at, input.size() - at, &used), Event::kMessageEnd);
  EXPECT_EQ(used, 2u);

  HttpParser eof(HttpParser::Kind::kResponse);
  std::string open = "HTTP/1.1 200 OK\r\n\r\nsome";
  ASSERT_EQ(eof.Parse(open.data(), open.size(), &used), Event::kHead);
  EXPECT_TRUE(eof.BodyUntilEof());
  at = used;
  ASSERT_EQ(eof.Parse(open.data() + at, open.size() - at, &used), Event::kNeedMore);
  EXPECT_EQ(eof.Finish(), Event::kMessageEnd);
}

TEST(HttpParserTest, AnInterimResponseIsAMessageOfItsOwn) {
  HttpParser parser(HttpParser::Kind::kResponse);
  std::string input = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n";
  size_t used = 0, at = 0;
  ASSERT_EQ(parser.Parse(input.data(), input.size(), &used), Event::kHead);
  EXPECT_EQ(parser.head().status, 100);
  at += used;
  ASSERT_EQ(parser.Parse(input.data() + at, input.size() - at, &used), Event::kMessageEnd);
  at += used;
  ASSERT_EQ(parser.Parse(input.data() + at, input.size() - at, &used), Event::kHead);
  EXPECT_EQ(parser.head().status, 204);
  at += used;
  EXPECT_EQ(parser.Parse(input.data() + at, input.size() - at, &used), Event::kMessageEnd);
}

TEST(HttpParserTest, TheAnswerToHeadIsResetAfterItsHead) {
  HttpParser parser(HttpParser::Kind::kResponse);
  std::string first = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n";
  size_t used = 0;
  ASSERT_EQ(parser.Parse(first.data(), first.size(), &used), Event::kHead);
  parser.Reset();
  std::string second = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
  ASSERT_EQ(parser.Parse(second.data(), second.size(), &used), Event::kHead);
  EXPECT_EQ(parser.Parse(second.data() + used, 0, &used), Event::kMessageEnd);
}

}  // namespace
}  // namespace berth
