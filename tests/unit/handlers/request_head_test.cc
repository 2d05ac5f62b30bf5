// Tests of RequestHeadScanner: where a request's head ends, however its bytes are split, and
// the Content-Length it declares.
#include "handlers/request_head.h"

#include <gtest/gtest.h>

#include <string>

namespace berth {
namespace {

TEST(RequestHeadScannerTest, FindsTheBlankLineAndTheBodyAfterIt) {
  RequestHeadScanner scanner;
  std::string head = "POST /v1/apps HTTP/1.1\r\nContent-Length: 2\r\n\r\n";
  auto end = scanner.Feed(head + "{}");
  ASSERT_TRUE(end);
  EXPECT_EQ(head.size(), *end);
  EXPECT_EQ(2u, scanner.content_length());
}

TEST(RequestHeadScannerTest, HeadSplitIntoSingleBytes) {
  RequestHeadScanner scanner;
  std::string head = "GET /up HTTP/1.1\r\nHost: x\r\n\r\n";
  for (size_t i = 0; i + 1 < head.size(); ++i)
    EXPECT_FALSE(scanner.Feed(head.substr(i, 1))) << "ended at byte " << i;
  EXPECT_EQ(1u, scanner.Feed(head.substr(head.size() - 1)));
  EXPECT_FALSE(scanner.content_length());
}

TEST(RequestHeadScannerTest, BareLineFeedsEndLinesToo) {
  RequestHeadScanner scanner;
  EXPECT_EQ(35u, scanner.Feed("GET /up HTTP/1.0\ncontent-length:7\n\nbody"));
  EXPECT_EQ(7u, scanner.content_length());
}

TEST(RequestHeadScannerTest, BlankLinesBeforeTheRequestLineDoNotEndIt) {
  RequestHeadScanner scanner;
  EXPECT_FALSE(scanner.Feed("\r\n\r\nGET /up HTTP/1.1\r\n"));
  EXPECT_TRUE(scanner.Feed("\r\n"));
}

TEST(RequestHeadScannerTest, OnlyANumberIsALength) {
  for (const char* value : {"12x", "-1", "", "1 2", "99999999999999999999"}) {
    RequestHeadScanner scanner;
    ASSERT_TRUE(scanner.Feed(std::string("PUT / HTTP/1.1\r\nContent-Length: ") + value + "\r\n\r\n"));
    EXPECT_FALSE(scanner.content_length()) << value;
  }
  RequestHeadScanner scanner;
  ASSERT_TRUE(scanner.Feed("PUT / HTTP/1.1\r\nCONTENT-LENGTH:\t9437184 \r\n\r\n"));
  EXPECT_EQ(9437184u, scanner.content_length());
}

TEST(RequestHeadScannerTest, SeveralLengthsCountTheLargest) {
  RequestHeadScanner scanner;
  ASSERT_TRUE(scanner.Feed("POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 99999999\r\n"
                           "Content-Length: 5\r\n\r\n"));
  EXPECT_EQ(99999999u, scanner.content_length());
}

TEST(RequestHeadScannerTest, ATransferEncodingLeavesTheLengthUnknown) {
  // evhttp follows Transfer-Encoding over Content-Length: the length says nothing then.
  RequestHeadScanner scanner;
  ASSERT_TRUE(scanner.Feed("POST / HTTP/1.1\r\nContent-Length: 2\r\n"
                           "Transfer-Encoding: chunked\r\n\r\n"));
  EXPECT_FALSE(scanner.content_length());
}

TEST(RequestHeadScannerTest, ResetStartsTheNextRequest) {
  RequestHeadScanner scanner;
  ASSERT_TRUE(scanner.Feed("PUT / HTTP/1.1\r\nContent-Length: 5\r\n\r\n"));
  scanner.Reset();
  EXPECT_FALSE(scanner.content_length());
  EXPECT_FALSE(scanner.Feed("GET / HTTP/1.1\r\n"));
  EXPECT_TRUE(scanner.Feed("\r\n"));
}

}  // namespace
}  // namespace berth
