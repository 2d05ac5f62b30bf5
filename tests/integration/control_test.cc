// Black-box tests of supervision: control commands, restarts after crashes, crash loops ending
// in `failed`, stop signals and the SIGKILL escalation to the whole process group.
#include <signal.h>

#include "tests/integration/berthd_harness.h"

namespace berth::testing {
namespace {

using ControlTest = BerthdTest;

HttpResponse Control(BerthdProcess& berthd, const std::string& name, const std::string& command) {
  return berthd.Post("/v1/apps/" + name + "/control", nlohmann::json{{"command", command}});
}

TEST_F(ControlTest, StopStartRestart) {
  ASSERT_EQ(201, berthd().Post("/v1/apps", ProcessApp("ctl-cycle", Sh("exec sleep 1000"))).status);
  auto running = berthd().WaitForState("ctl-cycle", "running");
  ASSERT_TRUE(running) << berthd().LastSeen();
  pid_t first = static_cast<pid_t>(AppPid(*running));

  HttpResponse stop = Control(berthd(), "ctl-cycle", "stop");
  ASSERT_EQ(202, stop.status) << stop.Describe();
  EXPECT_EQ("ctl-cycle", stop.json().value("name", "")) << "202 carries the app";
  auto stopped = berthd().WaitForState("ctl-cycle", "stopped");
  ASSERT_TRUE(stopped) << berthd().LastSeen();
  EXPECT_EQ(0, AppPid(*stopped)) << stopped->dump();
  EXPECT_TRUE(WaitUntil([&] { return !ProcessAlive(first); })) << "pid " << first << " survived";

  HttpResponse start = Control(berthd(), "ctl-cycle", "start");
  ASSERT_EQ(202, start.status) << start.Describe();
  auto restarted = berthd().WaitForNewPid("ctl-cycle", first);
  ASSERT_TRUE(restarted) << berthd().LastSeen();
  pid_t second = static_cast<pid_t>(AppPid(*restarted));

  HttpResponse restart = Control(berthd(), "ctl-cycle", "restart");
  ASSERT_EQ(202, restart.status) << restart.Describe();
  auto third = berthd().WaitForNewPid("ctl-cycle", second);
  ASSERT_TRUE(third) << berthd().LastSeen();
  EXPECT_TRUE(WaitUntil([&] { return !ProcessAlive(second); }));

  HttpResponse stats = berthd().Get("/v1/apps/ctl-cycle/stats");
  ASSERT_EQ(200, stats.status) << stats.Describe();
  nlohmann::json body = stats.json();
  for (const char* key :
       {"starts", "restarts", "exits", "last_exit_code", "last_start", "uptime_seconds"}) {
    EXPECT_TRUE(body.contains(key)) << key << " missing in " << stats.body;
  }
  EXPECT_GE(body.value("starts", 0), 3) << stats.body;
  EXPECT_GE(body.value("exits", 0), 2) << stats.body;
  EXPECT_TRUE(body.value("last_start", nlohmann::json()).is_string()) << stats.body;
  EXPECT_TRUE(body.value("uptime_seconds", nlohmann::json()).is_number()) << stats.body;
}

TEST_F(ControlTest, StartingARunningAppAndStoppingAStoppedOneAreHarmless) {
  ASSERT_EQ(201, berthd().Post("/v1/apps", ProcessApp("ctl-idem", Sh("exec sleep 1000"))).status);
  auto running = berthd().WaitForState("ctl-idem", "running");
  ASSERT_TRUE(running) << berthd().LastSeen();
  HttpResponse start = Control(berthd(), "ctl-idem", "start");
  EXPECT_TRUE(start.status == 202 || start.status == 409) << start.Describe();
  HttpResponse still = berthd().Get("/v1/apps/ctl-idem");
  EXPECT_EQ(AppPid(*running), AppPid(still.json())) << "start must not spawn a second copy";

  ASSERT_EQ(202, Control(berthd(), "ctl-idem", "stop").status);
  ASSERT_TRUE(berthd().WaitForState("ctl-idem", "stopped")) << berthd().LastSeen();
  HttpResponse stop = Control(berthd(), "ctl-idem", "stop");
  EXPECT_TRUE(stop.status == 202 || stop.status == 409) << stop.Describe();
  EXPECT_EQ("stopped", AppState(berthd().Get("/v1/apps/ctl-idem").json()));
}

TEST_F(ControlTest, KilledAppIsRestartedWithNewPid) {
  ASSERT_EQ(201, berthd().Post("/v1/apps", ProcessApp("ctl-crash", Sh("exec sleep 1000"))).status);
  auto running = berthd().WaitForState("ctl-crash", "running");
  ASSERT_TRUE(running) << berthd().LastSeen();
  pid_t pid = static_cast<pid_t>(AppPid(*running));
  int restarts = (*running)["status"].value("restarts", 0);

  ASSERT_EQ(0, kill(pid, SIGKILL));
  auto again = berthd().WaitForNewPid("ctl-crash", pid);
  ASSERT_TRUE(again) << berthd().LastSeen();
  EXPECT_EQ(restarts + 1, (*again)["status"].value("restarts", 0)) << again->dump();
  EXPECT_TRUE(ProcessAlive(static_cast<pid_t>(AppPid(*again))));

  HttpResponse stats = berthd().Get("/v1/apps/ctl-crash/stats");
  EXPECT_GE(stats.json().value("restarts", 0), 1) << stats.Describe();
}

TEST_F(ControlTest, CrashLoopEndsFailedWithExitCode) {
  nlohmann::json spec =
      ProcessApp("ctl-loop", Sh("exit 3"),
                 {{"backoff", {{"initial_ms", 10}, {"max_ms", 50}}}, {"max_retries", 3}});
  ASSERT_EQ(201, berthd().Post("/v1/apps", spec).status);
  auto failed = berthd().WaitForState("ctl-loop", "failed");
  ASSERT_TRUE(failed) << berthd().LastSeen();
  EXPECT_EQ(nlohmann::json(3), (*failed)["status"].value("exit_code", nlohmann::json()))
      << failed->dump();
  EXPECT_EQ(0, AppPid(*failed));
  // It stays failed: no more attempts after max_retries.
  HttpResponse stats = berthd().Get("/v1/apps/ctl-loop/stats");
  int starts = stats.json().value("starts", 0);
  EXPECT_GE(starts, 3) << stats.Describe();
  EXPECT_LE(starts, 5) << stats.Describe();
  EXPECT_EQ(nlohmann::json(3), stats.json().value("last_exit_code", nlohmann::json()))
      << stats.Describe();

  // A failed app can be started again by hand.
  EXPECT_EQ(202, Control(berthd(), "ctl-loop", "start").status);
}

TEST_F(ControlTest, RestartNeverLeavesAppExited) {
  nlohmann::json spec =
      ProcessApp("ctl-never", Sh("echo once; sleep 2; exit 4"), {{"restart", "never"}});
  ASSERT_EQ(201, berthd().Post("/v1/apps", spec).status);
  auto running = berthd().WaitForState("ctl-never", "running");
  ASSERT_TRUE(running) << berthd().LastSeen();
  auto exited = berthd().WaitForState("ctl-never", "exited");
  ASSERT_TRUE(exited) << berthd().LastSeen();
  EXPECT_EQ(nlohmann::json(4), (*exited)["status"].value("exit_code", nlohmann::json()))
      << exited->dump();
  EXPECT_EQ(0, (*exited)["status"].value("restarts", -1));
  EXPECT_EQ(0, AppPid(*exited));
}

TEST_F(ControlTest, StopSignalGoesToTheApp) {
  nlohmann::json spec = ProcessApp(
      "ctl-sigint", Sh("trap 'echo got-int; exit 0' INT; echo ready; while :; do sleep 1; done"),
      {{"stop_signal", "INT"}, {"stop_timeout", 10}});
  ASSERT_EQ(201, berthd().Post("/v1/apps", spec).status);
  ASSERT_TRUE(berthd().WaitForState("ctl-sigint", "running")) << berthd().LastSeen();
  ASSERT_TRUE(berthd().WaitForLogLine("ctl-sigint", "ready")) << berthd().LastSeen();
  auto start = Clock::now();
  ASSERT_EQ(202, Control(berthd(), "ctl-sigint", "stop").status);
  ASSERT_TRUE(berthd().WaitForState("ctl-sigint", "stopped")) << berthd().LastSeen();
  EXPECT_LT(Clock::now() - start, seconds(8)) << "INT should stop it well before stop_timeout";
  EXPECT_TRUE(berthd().WaitForLogLine("ctl-sigint", "got-int")) << berthd().LastSeen();
}

TEST_F(ControlTest, StopEscalatesToKillForTheWholeGroup) {
  nlohmann::json spec =
      ProcessApp("ctl-stubborn", Sh("trap '' TERM; sleep 1000 & sleep 1000 & echo ready; wait"),
                 {{"stop_timeout", 1}});
  ASSERT_EQ(201, berthd().Post("/v1/apps", spec).status);
  auto running = berthd().WaitForState("ctl-stubborn", "running");
  ASSERT_TRUE(running) << berthd().LastSeen();
  ASSERT_TRUE(berthd().WaitForLogLine("ctl-stubborn", "ready")) << berthd().LastSeen();
  pid_t pid = static_cast<pid_t>(AppPid(*running));
  ASSERT_TRUE(WaitUntil([&] { return LiveProcessesInGroup(pid).size() >= 3; }))
      << "the app should lead its own process group with its two children; group " << pid << " has "
      << LiveProcessesInGroup(pid).size() << " processes";

  auto start = Clock::now();
  ASSERT_EQ(202, Control(berthd(), "ctl-stubborn", "stop").status);
  auto stopped = berthd().WaitForState("ctl-stubborn", "stopped", seconds(15));
  ASSERT_TRUE(stopped) << berthd().LastSeen();
  EXPECT_GE(Clock::now() - start, milliseconds(900)) << "SIGKILL came before stop_timeout";
  EXPECT_TRUE(WaitUntil([&] { return LiveProcessesInGroup(pid).empty(); }, seconds(5)))
      << LiveProcessesInGroup(pid).size() << " processes of group " << pid << " survived";
}

TEST_F(ControlTest, RestartAlwaysRestartsACleanExit) {
  nlohmann::json spec = ProcessApp("ctl-always", Sh("sleep 1.5; exit 0"), {{"restart", "always"}});
  ASSERT_EQ(201, berthd().Post("/v1/apps", spec).status);
  auto running = berthd().WaitForState("ctl-always", "running");
  ASSERT_TRUE(running) << berthd().LastSeen();
  auto again = berthd().WaitForNewPid("ctl-always", AppPid(*running));
  ASSERT_TRUE(again) << berthd().LastSeen();
  EXPECT_GE((*again)["status"].value("restarts", 0), 1) << again->dump();
}

TEST_F(ControlTest, OnFailureDoesNotRestartACleanExit) {
  nlohmann::json spec =
      ProcessApp("ctl-clean", Sh("sleep 1.5; exit 0"), {{"restart", "on-failure"}});
  ASSERT_EQ(201, berthd().Post("/v1/apps", spec).status);
  ASSERT_TRUE(berthd().WaitForState("ctl-clean", "running")) << berthd().LastSeen();
  auto exited = berthd().WaitForState("ctl-clean", "exited");
  ASSERT_TRUE(exited) << berthd().LastSeen();
  EXPECT_EQ(nlohmann::json(0), (*exited)["status"].value("exit_code", nlohmann::json()));
  EXPECT_EQ(0, (*exited)["status"].value("restarts", -1));
}

// Pause stops the whole process group (SIGSTOP), unpause lets it go on (SIGCONT); only a
// running app can be paused, and a paused one still stops.
TEST_F(ControlTest, PauseFreezesTheGroupAndUnpauseThawsIt) {
  ASSERT_EQ(201, berthd().Post("/v1/apps", ProcessApp("ctl-pause", Sh("sleep 1000 & wait"))).status);
  auto running = berthd().WaitForState("ctl-pause", "running");
  ASSERT_TRUE(running) << berthd().LastSeen();
  pid_t leader = static_cast<pid_t>(AppPid(*running));
  std::vector<pid_t> group;
  ASSERT_TRUE(WaitUntil([&] { return (group = LiveProcessesInGroup(leader)).size() == 2; }));

  HttpResponse pause = Control(berthd(), "ctl-pause", "pause");
  ASSERT_EQ(202, pause.status) << pause.Describe();
  ASSERT_TRUE(berthd().WaitForState("ctl-pause", "paused")) << berthd().LastSeen();
  for (pid_t pid : group) EXPECT_TRUE(WaitUntil([&] { return ProcessState(pid) == 'T'; })) << pid;
  EXPECT_EQ(409, Control(berthd(), "ctl-pause", "pause").status);

  ASSERT_EQ(202, Control(berthd(), "ctl-pause", "unpause").status);
  ASSERT_TRUE(berthd().WaitForState("ctl-pause", "running")) << berthd().LastSeen();
  for (pid_t pid : group) EXPECT_TRUE(WaitUntil([&] { return ProcessState(pid) != 'T'; })) << pid;
  EXPECT_EQ(409, Control(berthd(), "ctl-pause", "unpause").status);

  ASSERT_EQ(202, Control(berthd(), "ctl-pause", "pause").status);
  ASSERT_TRUE(berthd().WaitForState("ctl-pause", "paused")) << berthd().LastSeen();
  ASSERT_EQ(202, Control(berthd(), "ctl-pause", "stop").status);
  ASSERT_TRUE(berthd().WaitForState("ctl-pause", "stopped")) << berthd().LastSeen();
  for (pid_t pid : group) EXPECT_TRUE(WaitUntil([&] { return !ProcessAlive(pid); })) << pid;
}

}  // namespace
}  // namespace berth::testing
