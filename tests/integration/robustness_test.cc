// Black-box tests that misbehaving clients (silent, half a request, garbage) do not stop berthd
// from serving everyone else.
#include "tests/integration/berthd_harness.h"
#include "tests/integration/raw_connection.h"

namespace berth::testing {
namespace {

using RobustnessTest = BerthdTest;

TEST_F(RobustnessTest, SilentAndHalfFinishedClientsDoNotBlockOthers) {
  RawConnection silent(berthd().port());
  ASSERT_TRUE(silent.connected());
  RawConnection half(berthd().port());
  ASSERT_TRUE(half.connected());
  ASSERT_TRUE(half.Send("GET /v1/apps HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bea"));
  RawConnection half_body(berthd().port());
  ASSERT_TRUE(half_body.connected());
  ASSERT_TRUE(
      half_body.Send("POST /v1/apps HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     "Content-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"na"));

  auto start = Clock::now();
  HttpResponse up = berthd().Get("/up");
  EXPECT_EQ(200, up.status) << up.Describe();
  HttpResponse apps = berthd().Get("/v1/apps");
  EXPECT_EQ(200, apps.status) << apps.Describe();
  HttpResponse created = berthd().Post(
      "/v1/apps", ProcessApp("rob-other", Sh("exec sleep 1000"), {{"autostart", false}}));
  EXPECT_EQ(201, created.status) << created.Describe();
  EXPECT_LT(Clock::now() - start, seconds(3)) << "other clients waited on the silent ones";
}

TEST_F(RobustnessTest, GarbageRequestDoesNotHurtTheDaemon) {
  {
    RawConnection garbage(berthd().port());
    ASSERT_TRUE(garbage.connected());
    garbage.Send("\x16\x03\x01 this is not http\r\n\r\n");
    RawConnection huge_header(berthd().port());
    ASSERT_TRUE(huge_header.connected());
    huge_header.Send("GET /up HTTP/1.1\r\nX-Big: " + std::string(256 * 1024, 'a') + "\r\n\r\n");
  }
  HttpResponse up = berthd().Get("/up");
  EXPECT_EQ(200, up.status) << up.Describe();
  EXPECT_TRUE(berthd().running());
}

TEST_F(RobustnessTest, ManyConnectionsOpenAndCloseCleanly) {
  for (int i = 0; i < 200; ++i) {
    RawConnection connection(berthd().port());
    ASSERT_TRUE(connection.connected()) << "connection " << i;
  }
  for (int i = 0; i < 50; ++i) {
    HttpResponse up = berthd().Get("/up");
    ASSERT_EQ(200, up.status) << "request " << i << ": " << up.Describe();
  }
}

TEST_F(RobustnessTest, AbandonedEventStreamsAreCleanedUp) {
  for (int i = 0; i < 20; ++i) {
    auto stream = berthd().OpenSse("/v1/events");
    ASSERT_EQ(200, stream->WaitForStatus()) << "stream " << i;
  }
  ASSERT_EQ(201,
            berthd().Post("/v1/apps", ProcessApp("rob-after-sse", Sh("exec sleep 1000"))).status);
  EXPECT_TRUE(berthd().WaitForState("rob-after-sse", "running")) << berthd().LastSeen();
  EXPECT_EQ(200, berthd().Get("/up").status);
}

}  // namespace
}  // namespace berth::testing
