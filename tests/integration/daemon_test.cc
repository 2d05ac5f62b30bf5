// Black-box tests of berthd's command line: listeners (TCP and unix socket), the listeners file
// and clear failures for addresses it cannot use.
#include <signal.h>

#include "tests/integration/berthd_harness.h"

namespace berth::testing {
namespace {

TEST(DaemonTest, ServesOnAUnixSocketToo) {
  BerthdProcess probe;  // only for a fresh temp dir to put the socket in
  std::string socket_path = probe.root_dir() + "/api.sock";
  BerthdProcess berthd(BerthdProcess::Options{{}, {"--listen", "unix:" + socket_path}});
  ASSERT_TRUE(berthd.Start());
  std::string listeners = ReadFile(berthd.state_dir() + "/run/listeners");
  EXPECT_NE(std::string::npos, listeners.find("unix:" + socket_path)) << listeners;
  EXPECT_NE(std::string::npos, listeners.find("127.0.0.1:" + std::to_string(berthd.port())))
      << listeners;

  std::string body;
  EXPECT_EQ(200, GetOverUnixSocket(socket_path, "/v1/apps", berthd.token(), &body)) << body;
  EXPECT_EQ(nlohmann::json::array(), nlohmann::json::parse(body, nullptr, false)) << body;
  body.clear();
  EXPECT_EQ(401, GetOverUnixSocket(socket_path, "/v1/apps", "wrong", &body)) << body;
}

TEST(DaemonTest, UnusableListenAddressFailsClearly) {
  BerthdProcess scratch;
  for (const std::string& address : {std::string("not-an-address"), std::string("127.0.0.1:99999"),
                                     std::string("unix:/nonexistent-dir/x/api.sock")}) {
    SCOPED_TRACE(address);
    CommandResult result = RunCommand({BERTHD_PATH, "--state-dir", scratch.state_dir(),
                                       "--config-dir", scratch.config_dir(), "--listen", address},
                                      {"BERTH_ADMIN_TOKEN=t"}, seconds(10));
    EXPECT_GT(result.exit_code, 0) << result.Describe();
    EXPECT_NE(std::string::npos, result.err.find(address.substr(0, 10))) << result.Describe();
  }
}

TEST(DaemonTest, PortInUseFailsClearly) {
  BerthdProcess first;
  ASSERT_TRUE(first.Start());
  BerthdProcess scratch;
  std::string address = "127.0.0.1:" + std::to_string(first.port());
  CommandResult result = RunCommand({BERTHD_PATH, "--state-dir", scratch.state_dir(),
                                     "--config-dir", scratch.config_dir(), "--listen", address},
                                    {"BERTH_ADMIN_TOKEN=t"}, seconds(10));
  EXPECT_GT(result.exit_code, 0) << result.Describe();
  EXPECT_FALSE(result.err.empty()) << result.Describe();
  EXPECT_EQ(200, first.Get("/up").status) << "the first one keeps serving";
}

TEST(DaemonTest, StopWithoutAppsExitsZeroQuickly) {
  BerthdProcess berthd;
  ASSERT_TRUE(berthd.Start());
  auto start = Clock::now();
  EXPECT_EQ(0, berthd.Stop());
  EXPECT_LT(Clock::now() - start, seconds(2));
}

// An impatient admin (or a second `docker stop`) may send SIGTERM again while berthd is
// already leaving: the exit stays a clean 0, not a death by signal.
TEST(DaemonTest, MoreSigtermsWhileExitingStillExitZero) {
  BerthdProcess berthd;
  ASSERT_TRUE(berthd.Start());
  ASSERT_EQ(0, kill(berthd.pid(), SIGTERM));
  ASSERT_TRUE(WaitUntil([&] {
    return berthd.StderrContents().find("every app stopped; exiting") != std::string::npos;
  })) << berthd.StderrContents();
  EXPECT_TRUE(WaitUntil(
      [&] {
        kill(berthd.pid(), SIGTERM);
        return !ProcessAlive(berthd.pid());
      },
      seconds(10), milliseconds(1)));
  EXPECT_EQ(0, berthd.Stop());
}

}  // namespace
}  // namespace berth::testing
