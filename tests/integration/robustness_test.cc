// Black-box tests that misbehaving clients (silent, half a request, garbage) do not stop berthd
// from serving everyone else.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "tests/integration/berthd_harness.h"

namespace berth::testing {
namespace {

using RobustnessTest = BerthdTest;

// A raw TCP connection to berthd, closed on destruction.
class RawConnection {
 public:
  explicit RawConnection(int port) : fd_(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval send_timeout{2, 0};  // a daemon that stops reading must not hang the test
    setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &send_timeout, sizeof send_timeout);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~RawConnection() {
    if (fd_ >= 0) close(fd_);
  }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return connected_; }
  bool Send(const std::string& bytes) {
    return send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }

 private:
  int fd_;
  bool connected_ = false;
};

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
