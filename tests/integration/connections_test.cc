// Black-box tests of how berthd's API holds up against floods of connections and slow
// clients: the open-files limit, --max-connections, --header-timeout and the body limits.
#include <sys/resource.h>

#include <fstream>
#include <memory>
#include <vector>

#include "tests/integration/berthd_harness.h"
#include "tests/integration/raw_connection.h"

namespace berth::testing {
namespace {

// Counts the lines of `text` that contain `needle`.
size_t CountLines(const std::string& text, const std::string& needle) {
  size_t count = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
    ++count;
  return count;
}

// The "Max open files" soft limit in /proc/<pid>/limits, or 0.
unsigned long OpenFilesLimit(pid_t pid) {
  std::ifstream limits("/proc/" + std::to_string(pid) + "/limits");
  std::string line;
  while (std::getline(limits, line)) {
    if (line.rfind("Max open files", 0) == 0) return std::stoul(line.substr(26));
  }
  return 0;
}

std::unique_ptr<BerthdProcess> StartBerthd(BerthdProcess::Options options) {
  auto berthd = std::make_unique<BerthdProcess>(std::move(options));
  EXPECT_TRUE(berthd->Start());
  return berthd;
}

TEST(ConnectionsTest, SoftOpenFilesLimitIsRaisedToTheHardLimit) {
  auto berthd = StartBerthd({.open_files = rlimit{64, 4096}});
  EXPECT_EQ(4096u, OpenFilesLimit(berthd->pid()));
  // Far more idle connections than the inherited soft limit would allow.
  std::vector<std::unique_ptr<RawConnection>> idle;
  for (int i = 0; i < 200; ++i) idle.push_back(std::make_unique<RawConnection>(berthd->port()));
  HttpResponse up = berthd->Get("/up");
  EXPECT_EQ(200, up.status) << up.Describe();
}

TEST(ConnectionsTest, RunningOutOfDescriptorsPausesAcceptingAndRecovers) {
  // Few descriptors and no cap below them, so that accept() itself fails.
  auto berthd = StartBerthd({.extra_args = {"--max-connections", "1000", "--header-timeout", "30"},
                             .open_files = rlimit{64, 64}});
  std::vector<std::unique_ptr<RawConnection>> flood;
  for (int i = 0; i < 150; ++i) flood.push_back(std::make_unique<RawConnection>(berthd->port()));
  EXPECT_TRUE(WaitUntil([&] {
    return berthd->StderrContents().find("cannot accept API connections") != std::string::npos;
  })) << "no warning about the failed accept() calls";
  flood.clear();
  HttpResponse up;
  EXPECT_TRUE(WaitUntil([&] { return (up = berthd->Get("/up")).status == 200; }))
      << up.Describe();
  std::string log = berthd->StderrContents();
  EXPECT_EQ(0u, CountLines(log, "Error from accept() call"));
  EXPECT_LE(CountLines(log, "cannot accept API connections"), 3u) << "not throttled";
}

TEST(ConnectionsTest, ConnectionsBeyondTheCapAreClosedAtOnce) {
  auto berthd = StartBerthd({.extra_args = {"--max-connections", "4"}});
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < 4; ++i) {
    held.push_back(std::make_unique<RawConnection>(berthd->port()));
    ASSERT_TRUE(held.back()->connected());
  }
  RawConnection extra(berthd->port());
  EXPECT_TRUE(extra.ClosedWithin(seconds(2))) << "a fifth connection was kept";
  EXPECT_FALSE(held.front()->ClosedWithin(milliseconds(100)));
  held.pop_back();
  HttpResponse up;
  EXPECT_TRUE(WaitUntil([&] { return (up = berthd->Get("/up")).status == 200; }))
      << up.Describe();
  EXPECT_TRUE(WaitUntil([&] {
    return berthd->StderrContents().find("--max-connections is 4") != std::string::npos;
  }));
}

class SlowClientTest : public ::testing::Test {
 protected:
  void SetUp() override { berthd_ = StartBerthd({.extra_args = {"--header-timeout", "1"}}); }
  BerthdProcess& berthd() { return *berthd_; }

  // Sends `bytes` one every 300 ms until berthd closes the connection; how long that took,
  // or nullopt if it kept the connection for `limit`.
  std::optional<milliseconds> TrickleUntilClosed(RawConnection& connection,
                                                 const std::string& bytes, milliseconds limit) {
    auto start = Clock::now();
    for (size_t i = 0; Clock::now() - start < limit; ++i) {
      if (i < bytes.size()) connection.Send(bytes.substr(i, 1));
      if (connection.ClosedWithin(milliseconds(300)))
        return std::chrono::duration_cast<milliseconds>(Clock::now() - start);
    }
    return std::nullopt;
  }

  std::unique_ptr<BerthdProcess> berthd_;
};

TEST_F(SlowClientTest, TrickledHeadersAreCutOffAtTheHeaderTimeout) {
  RawConnection slow(berthd().port());
  ASSERT_TRUE(slow.Send("GET /v1/apps HTTP/1.1\r\n"));
  auto closed = TrickleUntilClosed(slow, "X-Slow: " + std::string(100, 'a'), seconds(6));
  ASSERT_TRUE(closed) << "a client sending a header byte every 300 ms was kept for 6 s";
  EXPECT_LT(*closed, milliseconds(2500));
  HttpResponse apps = berthd().Get("/v1/apps");
  EXPECT_EQ(200, apps.status) << apps.Describe();
}

TEST_F(SlowClientTest, TrickledBodyIsCutOff) {
  RawConnection slow(berthd().port());
  ASSERT_TRUE(slow.Send("POST /v1/apps HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        "Authorization: Bearer " + berthd().token() +
                        "\r\nContent-Length: 200\r\n\r\n"));
  auto closed = TrickleUntilClosed(slow, std::string(200, ' '), seconds(6));
  ASSERT_TRUE(closed) << "a client sending a body byte every 300 ms was kept for 6 s";
  EXPECT_LT(*closed, milliseconds(3500));
}

TEST_F(SlowClientTest, SilentConnectionIsClosedButAnIdleKeepAliveOneIsNot) {
  RawConnection silent(berthd().port());
  EXPECT_TRUE(silent.ClosedWithin(seconds(3)));
  RawConnection keep_alive(berthd().port());
  ASSERT_TRUE(keep_alive.Send("GET /up HTTP/1.1\r\nHost: x\r\n\r\n"));
  // Answered, then idle for longer than the header timeout: still open, still serving.
  EXPECT_FALSE(keep_alive.ClosedWithin(milliseconds(2000)));
  EXPECT_NE(std::string::npos, keep_alive.received().find("200 OK"));
  ASSERT_TRUE(keep_alive.Send("GET /up HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  EXPECT_TRUE(keep_alive.ClosedWithin(seconds(2)));
  EXPECT_EQ(2u, CountLines(keep_alive.received(), "200 OK"));
}

using BodyLimitTest = BerthdTest;

// Sends a POST head with `length_lines` and a byte of body; expects the JSON 413 and a close
// before the rest of the body was sent.
void ExpectRefusedUnread(BerthdProcess& berthd, const std::string& length_lines) {
  RawConnection client(berthd.port());
  ASSERT_TRUE(client.Send("POST /v1/apps HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                          "Authorization: Bearer " + berthd.token() + "\r\n" + length_lines +
                          "\r\n{"));
  ASSERT_TRUE(client.ClosedWithin(seconds(5)));
  const std::string& answer = client.received();
  EXPECT_EQ(0u, answer.rfind("HTTP/1.1 413 ", 0)) << answer;
  EXPECT_NE(std::string::npos, answer.find("Content-Type: application/json")) << answer;
  auto body = nlohmann::json::parse(answer.substr(answer.find("\r\n\r\n") + 4), nullptr, false);
  EXPECT_EQ("too_large", body["error"]["code"]) << answer;
}

TEST_F(BodyLimitTest, DeclaredBodyOverEightMebibytesGetsJson413Unread) {
  ExpectRefusedUnread(berthd(), "Content-Length: 9437184\r\n");
}

TEST_F(BodyLimitTest, ADeclaredBodyOverTheLimitIsRefusedUnreadHoweverItIsDeclared) {
  ExpectRefusedUnread(berthd(), "Content-Length: 2097152\r\n");
  ExpectRefusedUnread(berthd(), "Content-Length: 9437184\r\nContent-Length: 1\r\n");
  EXPECT_EQ(200, berthd().Get("/up").status);
}

TEST_F(BodyLimitTest, SentBodyOverEightMebibytesGetsJson413) {
  HttpResponse response = berthd().Post("/v1/apps", std::string(9 << 20, ' '));
  EXPECT_TRUE(IsApiError(response, 413, "too_large")) << response.Describe().substr(0, 300);
  EXPECT_EQ(200, berthd().Get("/up").status);
}

using HeadTest = BerthdTest;

TEST_F(HeadTest, EveryGetRouteAnswersHeadWithoutABody) {
  ASSERT_EQ(201, berthd().Post("/v1/apps", ProcessApp("head-app", Sh("exec sleep 1000"))).status);
  for (std::string path :
       {"/up", "/metrics", "/v1/apps", "/v1/apps/head-app", "/v1/apps/head-app/logs",
        "/v1/apps/head-app/stats", "/v1/apps/head-app/deployments", "/v1/apps/nope"}) {
    HttpResponse get = berthd().Get(path);
    HttpResponse head = berthd().Request("HEAD", path);
    EXPECT_EQ(get.status, head.status) << path << ": " << head.Describe();
    EXPECT_EQ(get.header("content-type"), head.header("content-type")) << path;
    // The same length as GET's body (some bodies change from one request to the next).
    EXPECT_FALSE(head.header("content-length").empty()) << path;
    if (path == "/up" || path == "/v1/apps/nope") {
      EXPECT_EQ(std::to_string(get.body.size()), head.header("content-length")) << path;
    }
    EXPECT_TRUE(head.body.empty()) << path;
  }
  for (std::string path : {"/v1/events", "/v1/apps/head-app/logs?follow=true"}) {
    HttpResponse head = berthd().Request("HEAD", path);
    EXPECT_EQ(200, head.status) << path << ": " << head.Describe();
    EXPECT_EQ("text/event-stream", head.header("content-type")) << path;
  }
  HttpResponse post = berthd().Request("POST", "/up", "{}");
  EXPECT_NE(std::string::npos, post.header("allow").find("HEAD")) << post.Describe();
}

}  // namespace
}  // namespace berth::testing
