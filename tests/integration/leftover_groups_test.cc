// Black-box tests of what a berthd killed with SIGKILL leaves behind: the next berthd on the
// same state dir ends its apps' leftover process groups (and nothing else) before starting
// them again.
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "tests/integration/berthd_harness.h"
#include "tests/integration/nginx_support.h"

namespace berth::testing {
namespace {

using LeftoverGroupsTest = BerthdTest;

// Processes of the group led by `leader`, other than the leader: what the app's shell started.
std::vector<pid_t> Descendants(pid_t leader) {
  std::vector<pid_t> pids = LiveProcessesInGroup(leader);
  std::erase(pids, leader);
  return pids;
}

bool Serves(int port) {
  return GitHttpServer::Get("http://127.0.0.1:" + std::to_string(port) + "/") == 200;
}

std::string BootIdForTest() { return Trim(ReadFile("/proc/sys/kernel/random/boot_id")); }

// The server under `sh -c` outlives a killed berthd (only the shell dies with it) and holds the
// port; the next berthd ends it, says so, and the app runs and serves again.
TEST_F(LeftoverGroupsTest, TheNextBerthdEndsWhatAKilledOneLeftAndTheAppServesAgain) {
  int port = FreeTcpPort();
  ASSERT_NE(0, port);
  std::string command =
      "python3 -m http.server " + std::to_string(port) + " --bind 127.0.0.1; echo end";
  ASSERT_EQ(201, berthd().Post("/v1/apps", ProcessApp("o2", command, {{"port", port}})).status);
  auto running = berthd().WaitForState("o2", "running");
  ASSERT_TRUE(running) << berthd().LastSeen();
  ASSERT_TRUE(WaitUntil([&] { return Serves(port); }));
  pid_t group = static_cast<pid_t>(AppPid(*running));
  std::vector<pid_t> servers = Descendants(group);
  ASSERT_EQ(1u, servers.size());

  berthd().Kill9();
  ASSERT_TRUE(WaitUntil([&] { return !ProcessAlive(group); }));
  ASSERT_TRUE(ProcessAlive(servers[0])) << "the server should have outlived berthd";
  ASSERT_TRUE(berthd().Restart());

  EXPECT_TRUE(WaitUntil([&] { return !ProcessAlive(servers[0]); }));
  auto again = berthd().WaitForNewPid("o2", group);
  ASSERT_TRUE(again) << berthd().LastSeen();
  EXPECT_TRUE(WaitUntil([&] { return Serves(port); }));
  EXPECT_NE(std::string::npos,
            berthd().StderrContents().find("ended leftover process group " + std::to_string(group) +
                                           " of app o2 from a previous run (pids " +
                                           std::to_string(servers[0]) + ")"))
      << berthd().StderrContents();
  // Still running a while later: the new server got the port.
  EXPECT_FALSE(WaitUntil([&] { return AppState(berthd().Get("/v1/apps/o2").json()) != "running"; },
                         milliseconds(1500)));
}

// A leftover that ignores the stop signal gets SIGKILL once the app's stop_timeout has passed.
TEST_F(LeftoverGroupsTest, ALeftoverThatIgnoresTermIsKilledAfterTheStopTimeout) {
  nlohmann::json app =
      ProcessApp("o2-stubborn", "trap '' TERM; sleep 1000; echo end", {{"stop_timeout", 2}});
  ASSERT_EQ(201, berthd().Post("/v1/apps", app).status);
  auto running = berthd().WaitForState("o2-stubborn", "running");
  ASSERT_TRUE(running) << berthd().LastSeen();
  pid_t group = static_cast<pid_t>(AppPid(*running));
  std::vector<pid_t> sleepers = Descendants(group);
  ASSERT_EQ(1u, sleepers.size());

  berthd().Kill9();
  ASSERT_TRUE(WaitUntil([&] { return !ProcessAlive(group); }));
  auto restarted = Clock::now();
  ASSERT_TRUE(berthd().Restart());

  EXPECT_TRUE(WaitUntil([&] { return !ProcessAlive(sleepers[0]); }));
  EXPECT_GE(Clock::now() - restarted, milliseconds(2000)) << "TERM should have been ignored";
  EXPECT_NE(std::string::npos,
            berthd().StderrContents().find("ended leftover process group " + std::to_string(group) +
                                           " of app o2-stubborn from a previous run (pids " +
                                           std::to_string(sleepers[0]) +
                                           "), with SIGKILL after its stop_timeout"))
      << berthd().StderrContents();
}

// berthd killed while it waits for the rest of a stopping app's group (the leader has gone):
// the record still names the group, and the next berthd ends what is left of it.
TEST_F(LeftoverGroupsTest, WhatOutlivedItsLeaderInAStopIsEndedToo) {
  std::string script = "(trap '' TERM; exec sleep 1000) & trap 'exit 0' TERM; wait";
  nlohmann::json app = ProcessApp("o2-rest", script, {{"stop_timeout", 3}});
  ASSERT_EQ(201, berthd().Post("/v1/apps", app).status);
  auto running = berthd().WaitForState("o2-rest", "running");
  ASSERT_TRUE(running) << berthd().LastSeen();
  pid_t group = static_cast<pid_t>(AppPid(*running));
  ASSERT_TRUE(WaitUntil([&] { return Descendants(group).size() == 1; }));
  pid_t rest = Descendants(group)[0];

  nlohmann::json stop = {{"command", "stop"}};
  ASSERT_EQ(202, berthd().Post("/v1/apps/o2-rest/control", stop).status);
  ASSERT_TRUE(WaitUntil([&] { return !ProcessAlive(group); }));
  // Stopping until the rest of the group is gone (past the pipes' end-of-output grace).
  ASSERT_FALSE(
      WaitUntil([&] { return AppState(berthd().Get("/v1/apps/o2-rest").json()) != "stopping"; },
                milliseconds(1500)));
  berthd().Kill9();
  ASSERT_TRUE(ProcessAlive(rest));
  ASSERT_TRUE(berthd().Restart());

  EXPECT_TRUE(WaitUntil([&] { return !ProcessAlive(rest); }));
  EXPECT_NE(std::string::npos,
            berthd().StderrContents().find("ended leftover process group " + std::to_string(group) +
                                           " of app o2-rest from a previous run (pids " +
                                           std::to_string(rest) + ")"))
      << berthd().StderrContents();
}

// A record whose group id now belongs to a process that started after the recorded leader
// (the id was reused) is left alone, even though it runs as the recorded user.
TEST(LeftoverGroupsStaleTest, ARecordWhoseGroupIdWasReusedIsNotSignalled) {
  BerthdProcess berthd;
  // Its own process group and session: setsid execs in place when not a group leader.
  pid_t unrelated =
      SpawnChild({"/usr/bin/setsid", "/bin/sleep", "1000"}, InheritedEnvironment(), -1, -1);
  ASSERT_GT(unrelated, 0);
  ASSERT_TRUE(WaitUntil([&] {
    std::vector<pid_t> group = LiveProcessesInGroup(unrelated);
    return group.size() == 1 && group[0] == unrelated &&
           ReadFile("/proc/" + std::to_string(unrelated) + "/comm") == "sleep\n";
  }));
  std::string run = berthd.state_dir() + "/run";
  ASSERT_EQ(0, mkdir(run.c_str(), 0711));
  // pgid, leader start ticks (1: long before `unrelated`), uid, SIGTERM, 1000 ms, app.
  ASSERT_TRUE(WriteFile(run + "/process-groups",
                        "boot " + BootIdForTest() + "\n" + std::to_string(unrelated) + " 1 " +
                            std::to_string(getuid()) + " 15 1000 ghost\n"));

  ASSERT_TRUE(berthd.Start());
  EXPECT_FALSE(WaitUntil([&] { return !ProcessAlive(unrelated); }, milliseconds(1500)))
      << "berthd signalled a process it never started";
  EXPECT_NE(std::string::npos, berthd.StderrContents().find("left process group " +
                                                            std::to_string(unrelated) + " alone"))
      << berthd.StderrContents();
  kill(unrelated, SIGKILL);
  waitpid(unrelated, nullptr, 0);
}

}  // namespace
}  // namespace berth::testing
