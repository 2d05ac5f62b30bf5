// Black-box tests of the bounds on restart storms and log floods: the start limit of a crash
// loop, app lines in berthd's log obeying --log-level, --log-forward and log_forward, and the
// byte cap of an app's log ring.
#include <chrono>

#include "tests/integration/berthd_harness.h"

namespace berth::testing {
namespace {

using LimitsTest = BerthdTest;
using Clock = std::chrono::steady_clock;

// An app that ends as soon as it starts and is restarted at once, every time.
nlohmann::json CrashLoop(const std::string& name, const nlohmann::json& extra = {}) {
  nlohmann::json app = ProcessApp(name, {"/bin/true"},
                                  {{"restart", "always"},
                                   {"start_seconds", 0},
                                   {"backoff", {{"initial_ms", 1}, {"max_ms", 1}}}});
  for (const auto& [key, value] : extra.items()) app[key] = value;
  return app;
}

long Control(BerthdProcess& berthd, const std::string& name, const std::string& command) {
  return berthd.Post("/v1/apps/" + name + "/control", nlohmann::json{{"command", command}}).status;
}

long Starts(BerthdProcess& berthd, const std::string& name) {
  return berthd.Get("/v1/apps/" + name + "/stats").json().value("starts", -1L);
}

bool HeldByStartLimit(const nlohmann::json& app) {
  return AppState(app) == "backoff" && app["status"]["start_limited_until"].is_string();
}

TEST_F(LimitsTest, TheDefaultStartLimitHoldsACrashLoopAfterTenStarts) {
  ASSERT_EQ(201, berthd().Post("/v1/apps", CrashLoop("storm")).status);
  auto held = berthd().WaitForApp("storm", HeldByStartLimit);
  ASSERT_TRUE(held) << berthd().LastSeen();
  EXPECT_EQ(10, Starts(berthd(), "storm"));
  std::string error = (*held)["status"].value("last_error", "");
  EXPECT_NE(std::string::npos, error.find("started 10 times in 10 s")) << error;
  EXPECT_NE(std::string::npos, error.find("next start at")) << error;
  EXPECT_EQ(10, (*held)["start_limit"].value("burst", 0));
  // A start asked for through the API is not held back.
  ASSERT_EQ(202, Control(berthd(), "storm", "start"));
  EXPECT_TRUE(WaitUntil([&] { return Starts(berthd(), "storm") >= 11; }, milliseconds(5000)));
}

TEST_F(LimitsTest, ACrashLoopMakesAtMostABurstOfStartsPerInterval) {
  Clock::time_point created = Clock::now();
  ASSERT_EQ(201, berthd()
                     .Post("/v1/apps",
                           CrashLoop("burst",
                                     {{"start_limit", {{"burst", 4}, {"interval_seconds", 1.5}}}}))
                     .status);
  auto held = berthd().WaitForApp("burst", HeldByStartLimit);
  ASSERT_TRUE(held) << berthd().LastSeen();
  EXPECT_NE(std::string::npos,
            (*held)["status"].value("last_error", "").find("started 4 times in 1.5 s"))
      << held->dump();
  EXPECT_LE(Starts(berthd(), "burst"), 4);
  // The fifth start waits until the first has left the interval; the ninth, the fifth.
  ASSERT_TRUE(WaitUntil([&] { return Starts(berthd(), "burst") >= 5; }, milliseconds(10000)));
  EXPECT_GE(Clock::now() - created, milliseconds(1450));
  ASSERT_TRUE(WaitUntil([&] { return Starts(berthd(), "burst") >= 9; }, milliseconds(10000)));
  EXPECT_GE(Clock::now() - created, milliseconds(2950));
  // Stopping a held app cancels the start it waits for.
  ASSERT_EQ(202, Control(berthd(), "burst", "stop"));
  auto stopped = berthd().WaitForState("burst", "stopped");
  ASSERT_TRUE(stopped) << berthd().LastSeen();
  EXPECT_TRUE((*stopped)["status"]["start_limited_until"].is_null()) << stopped->dump();
}

TEST_F(LimitsTest, AnIntervalOfZeroTurnsTheLimitOff) {
  ASSERT_EQ(201, berthd()
                     .Post("/v1/apps",
                           CrashLoop("unlimited", {{"start_limit", {{"interval_seconds", 0}}}}))
                     .status);
  EXPECT_TRUE(WaitUntil([&] { return Starts(berthd(), "unlimited") > 30; }, milliseconds(10000)));
  ASSERT_EQ(202, Control(berthd(), "unlimited", "stop"));
  EXPECT_TRUE(berthd().WaitForState("unlimited", "stopped")) << berthd().LastSeen();
}

// An app writing "<tag>-out" on stdout, then "<tag>-err" on stderr, then waiting.
nlohmann::json Chatty(const std::string& name, const nlohmann::json& extra = {}) {
  nlohmann::json app =
      ProcessApp(name, Sh("echo " + name + "-out; echo " + name + "-err >&2; exec sleep 1000"));
  for (const auto& [key, value] : extra.items()) app[key] = value;
  return app;
}

// Waits until both lines of Chatty(name) are in its ring: by then berthd has forwarded them,
// or never will.
void WaitForBothLines(BerthdProcess& berthd, const std::string& name) {
  ASSERT_TRUE(berthd.WaitForLogLine(name, name + "-out")) << berthd.LastSeen();
  ASSERT_TRUE(berthd.WaitForLogLine(name, name + "-err")) << berthd.LastSeen();
}

bool Forwarded(BerthdProcess& berthd, const std::string& line) {
  return berthd.StderrContents().find(line) != std::string::npos;
}

// Runs Chatty(name) under a berthd started with `options`: only its stderr line reaches
// berthd's log.
void ExpectOnlyStderrForwarded(BerthdProcess::Options options, const std::string& name) {
  BerthdProcess berthd(std::move(options));
  ASSERT_TRUE(berthd.Start());
  ASSERT_EQ(201, berthd.Post("/v1/apps", Chatty(name)).status);
  WaitForBothLines(berthd, name);
  EXPECT_TRUE(Forwarded(berthd, name + "[stderr]: " + name + "-err"));
  EXPECT_FALSE(Forwarded(berthd, name + "-out"));
}

TEST(LogForwardTest, LevelWarnForwardsStderrLinesOnly) {
  ExpectOnlyStderrForwarded({.extra_args = {"--log-level", "warn"}}, "quiet");
}

TEST(LogForwardTest, LevelErrorFromTheEnvironmentForwardsStderrLinesOnly) {
  ExpectOnlyStderrForwarded({.extra_env = {"BERTH_LOG_LEVEL=error"}}, "errors");
}

TEST_F(LimitsTest, LogForwardFalseKeepsAnAppOutOfBerthdsLogButNotOutOfItsRing) {
  ASSERT_EQ(201, berthd().Post("/v1/apps", Chatty("silent", {{"log_forward", false}})).status);
  ASSERT_EQ(201, berthd().Post("/v1/apps", Chatty("loud")).status);
  WaitForBothLines(berthd(), "silent");
  WaitForBothLines(berthd(), "loud");
  EXPECT_TRUE(Forwarded(berthd(), "loud[stdout]: loud-out"));
  EXPECT_TRUE(Forwarded(berthd(), "loud[stderr]: loud-err"));
  EXPECT_FALSE(Forwarded(berthd(), "silent-out"));
  EXPECT_FALSE(Forwarded(berthd(), "silent-err"));
  // Turned on again, its next lines are forwarded.
  ASSERT_EQ(200, berthd().Patch("/v1/apps/silent", {{"log_forward", true}}).status);
  ASSERT_EQ(202, Control(berthd(), "silent", "restart"));
  EXPECT_TRUE(WaitUntil([&] { return Forwarded(berthd(), "silent[stdout]: silent-out"); }))
      << berthd().StderrContents();
}

TEST(LogForwardTest, LogForwardNoKeepsEveryAppOut) {
  BerthdProcess berthd(BerthdProcess::Options{.extra_args = {"--log-forward", "no"}});
  ASSERT_TRUE(berthd.Start());
  ASSERT_EQ(201, berthd.Post("/v1/apps", Chatty("muted")).status);
  WaitForBothLines(berthd, "muted");
  EXPECT_FALSE(Forwarded(berthd, "muted-out"));
  EXPECT_FALSE(Forwarded(berthd, "muted-err"));
  // berthd's own messages still come.
  EXPECT_TRUE(Forwarded(berthd, "app muted: stopped -> starting"));
}

TEST(LogForwardTest, ABadLogForwardValueIsRefused) {
  BerthdProcess berthd(BerthdProcess::Options{.extra_env = {"BERTH_LOG_FORWARD=maybe"}});
  EXPECT_FALSE(berthd.Start());
  EXPECT_TRUE(Forwarded(berthd, "--log-forward must be yes or no")) << berthd.StderrContents();
}

// A script writing `n` lines "<i> xxx…" of `size` bytes each, then waiting.
nlohmann::json BigLines(int n, int size) {
  return Sh("x=$(head -c " + std::to_string(size - 7) +
            " /dev/zero | tr '\\0' x); i=100001; while [ $i -le " + std::to_string(100000 + n) +
            " ]; do echo \"$i $x\"; i=$((i+1)); done; exec sleep 1000");
}

size_t TotalBytes(const nlohmann::json& logs) {
  size_t total = 0;
  for (const std::string& line : LogLines(logs)) total += line.size();
  return total;
}

TEST_F(LimitsTest, TheRingKeepsTheNewestLinesWithinItsByteCap) {
  ASSERT_EQ(201, berthd()
                     .Post("/v1/apps",
                           ProcessApp("capped", BigLines(100, 10000),
                                      {{"log_ring", {{"bytes", 65536}}}, {"log_forward", false}}))
                     .status);
  auto logs = berthd().WaitForLogLine("capped", "100100 x");
  ASSERT_TRUE(logs) << berthd().LastSeen();
  std::vector<std::string> lines = LogLines(*logs);
  // Six lines of 10,000 bytes fit in 64 KiB.
  ASSERT_EQ(6u, lines.size());
  EXPECT_EQ("100095", lines.front().substr(0, 6));
  EXPECT_EQ(100, (*logs).back().value("seq", 0));
  EXPECT_LE(TotalBytes(*logs), 65536u);
  nlohmann::json two = berthd().Get("/v1/apps/capped/logs?entries=2").json();
  ASSERT_EQ(2u, two.size()) << two.dump();
  EXPECT_EQ(99, two[0].value("seq", 0));
}

TEST_F(LimitsTest, TheDefaultRingHoldsOneMebibyte) {
  ASSERT_EQ(
      201, berthd()
               .Post("/v1/apps", ProcessApp("wide", BigLines(200, 16383), {{"log_forward", false}}))
               .status);
  auto logs = berthd().WaitForLogLine("wide", "100200 x");
  ASSERT_TRUE(logs) << berthd().LastSeen();
  EXPECT_EQ(64u, logs->size());
  EXPECT_LE(TotalBytes(*logs), 1048576u);
  EXPECT_EQ(200, (*logs).back().value("seq", 0));
}

}  // namespace
}  // namespace berth::testing
