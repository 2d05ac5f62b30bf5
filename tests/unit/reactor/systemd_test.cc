// SystemdNotifier: messages go to $NOTIFY_SOCKET only when berthd was started with it, STATUS is
// sent only when it changes, and the watchdog is pinged from the loop.
#include "reactor/systemd.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <string>

#include "reactor/handles.h"
#include "tests/unit/run_loop.h"

namespace berth {
namespace {

namespace fs = std::filesystem;

class SystemdNotifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "berth-notify-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    path_ = dir_ + "/notify.sock";
    socket_.reset(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    strncpy(addr.sun_path, path_.c_str(), sizeof addr.sun_path - 1);
    ASSERT_EQ(0, bind(socket_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr));
    unsetenv("NOTIFY_SOCKET");
    unsetenv("WATCHDOG_USEC");
    unsetenv("WATCHDOG_PID");
  }
  void TearDown() override {
    unsetenv("NOTIFY_SOCKET");
    unsetenv("WATCHDOG_USEC");
    fs::remove_all(dir_);
  }

  // The next message, or "" when none is waiting.
  std::string Next() {
    pollfd p{socket_.get(), POLLIN, 0};
    if (poll(&p, 1, 0) != 1) return "";
    char buffer[512];
    ssize_t n = recv(socket_.get(), buffer, sizeof buffer, 0);
    return n > 0 ? std::string(buffer, n) : "";
  }

  EventLoop loop_;
  std::string dir_, path_;
  UniqueFd socket_;
};

TEST_F(SystemdNotifierTest, SendsNothingWithoutNotifySocket) {
  SystemdNotifier notifier(&loop_);
  EXPECT_FALSE(notifier.enabled());
  setenv("NOTIFY_SOCKET", path_.c_str(), 1);  // too late: decided at construction
  notifier.Ready();
  notifier.Status("1 app: 1 running");
  notifier.Stopping();
  EXPECT_EQ("", Next());
}

TEST_F(SystemdNotifierTest, StatusIsSentOnlyWhenItChanges) {
  setenv("NOTIFY_SOCKET", path_.c_str(), 1);
  SystemdNotifier notifier(&loop_);
  notifier.Ready();
  notifier.Status("no apps");
  notifier.Status("no apps");
  notifier.Status("1 app: 1 starting");
  EXPECT_EQ("READY=1", Next());
  EXPECT_EQ("STATUS=no apps", Next());
  EXPECT_EQ("STATUS=1 app: 1 starting", Next());
  EXPECT_EQ("", Next());
}

TEST_F(SystemdNotifierTest, ReloadingCarriesTheMonotonicClock) {
  setenv("NOTIFY_SOCKET", path_.c_str(), 1);
  SystemdNotifier notifier(&loop_);
  notifier.Reloading();
  std::string message = Next();
  EXPECT_EQ(0u, message.rfind("RELOADING=1\nMONOTONIC_USEC=", 0)) << message;
}

TEST_F(SystemdNotifierTest, TheLoopPingsTheWatchdog) {
  setenv("NOTIFY_SOCKET", path_.c_str(), 1);
  setenv("WATCHDOG_USEC", "20000", 1);
  SystemdNotifier notifier(&loop_);
  EXPECT_EQ(20000u, notifier.watchdog_usec());
  int pings = 0;
  EXPECT_TRUE(RunUntil(&loop_, [&] {
    while (Next() == "WATCHDOG=1") ++pings;
    return pings >= 3;
  }));
}

TEST_F(SystemdNotifierTest, NoWatchdogWithoutWatchdogUsec) {
  setenv("NOTIFY_SOCKET", path_.c_str(), 1);
  SystemdNotifier notifier(&loop_);
  EXPECT_EQ(0u, notifier.watchdog_usec());
}

}  // namespace
}  // namespace berth
