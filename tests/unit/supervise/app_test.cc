// Tests of App's state machine driven through a fake runtime: starts, crashes, backoff, stops,
// adoption and stats, with no process behind them.
#include "supervise/app.h"

#include <gtest/gtest.h>
#include <signal.h>

#include "tests/unit/run_loop.h"
#include "tests/unit/supervise/fake_runtime.h"

namespace berth {
namespace {

class AppTest : public ::testing::Test {
 protected:
  // An app from its JSON definition (the name is added).
  std::unique_ptr<App> Make(nlohmann::json definition) {
    definition["name"] = "web";
    if (!definition.contains("command")) definition["command"] = {"true"};
    auto spec = ParseAppSpec(definition, "web");
    EXPECT_TRUE(spec.ok()) << spec.status().message();
    return std::make_unique<App>(&context_, std::move(spec).value(), "api");
  }
  std::vector<AppState> States() const { return states_; }

  EventLoop loop_;
  BerthPaths paths_{.state_dir = "/nonexistent", .runtime_dir = "/nonexistent"};
  EventBus bus_;
  FakeWorld world_{.loop = &loop_};
  RuntimeFactory factory_ = world_.Factory();
  AppContext context_{&loop_, &paths_, &bus_, nullptr, &factory_};
  std::vector<AppState> states_;
  uint64_t subscription_ =
      bus_.SubscribeTransitions([this](const TransitionEvent& event) { states_.push_back(event.to); });
};

TEST_F(AppTest, StartsThroughTheRuntimeAndRunsOnceStartSecondsPass) {
  auto app = Make({{"start_seconds", 0.05}});
  app->Start();
  EXPECT_EQ(AppState::kStarting, app->state());
  EXPECT_EQ(1000, app->pid());
  ASSERT_TRUE(RunUntil(&loop_, [&] { return app->state() == AppState::kRunning; }));
  EXPECT_EQ(std::vector<std::string>{"start web"}, world_.calls);
  EXPECT_EQ(1000, app->StatusJson()["pid"]);
}

TEST_F(AppTest, ACrashWhileRunningRestartsAtOnceAndCounts) {
  auto app = Make({{"start_seconds", 0}});
  app->Start();
  ASSERT_EQ(AppState::kRunning, app->state());
  world_["web"]->Exit(3);
  EXPECT_EQ(AppState::kRunning, app->state());
  EXPECT_EQ((std::vector<AppState>{AppState::kStarting, AppState::kRunning, AppState::kExited,
                                   AppState::kStarting, AppState::kRunning}),
            states_);
  EXPECT_EQ(1u, app->restarts());
  EXPECT_EQ(1001, app->pid());
  EXPECT_EQ("exited with code 3", app->StatusJson()["last_error"]);
  EXPECT_EQ(3, app->StatsJson()["last_exit_code"]);
}

TEST_F(AppTest, ACleanExitIsNotRestartedOnFailure) {
  auto app = Make({{"start_seconds", 0}, {"restart", "on-failure"}});
  app->Start();
  world_["web"]->Exit(0);
  EXPECT_EQ(AppState::kExited, app->state());
  EXPECT_EQ(0, app->pid());
  EXPECT_EQ(1u, world_.calls.size());
}

TEST_F(AppTest, DyingDuringStartBacksOffThenFails) {
  auto app = Make({{"start_seconds", 10},
                   {"backoff", {{"initial_ms", 1}, {"max_ms", 2}}},
                   {"max_retries", 2},
                   {"start_limit", {{"burst", 100}, {"interval_seconds", 1}}}});
  app->Start();
  for (int run = 0; run < 3; ++run) {
    ASSERT_TRUE(RunUntil(&loop_, [&] { return app->state() == AppState::kStarting; }));
    world_["web"]->Exit(1);
  }
  EXPECT_EQ(AppState::kFailed, app->state());
  EXPECT_NE(std::string::npos,
            app->StatusJson()["last_error"].get<std::string>().find("gave up after 3"));
  EXPECT_EQ(3u, world_.calls.size());
  EXPECT_EQ(2, std::count(states_.begin(), states_.end(), AppState::kBackoff));
}

TEST_F(AppTest, AStartTheRuntimeRefusesIsRetriedLikeACrash) {
  world_.failing.insert("web");
  auto app = Make({{"backoff", {{"initial_ms", 1}, {"max_ms", 1}}}, {"max_retries", 1}});
  app->Start();
  ASSERT_TRUE(RunUntil(&loop_, [&] { return app->state() == AppState::kFailed; }));
  EXPECT_EQ(2u, world_.calls.size());
  EXPECT_NE(std::string::npos,
            app->StatusJson()["last_error"].get<std::string>().find("no such thing"));
}

TEST_F(AppTest, StopAsksTheRuntimeWithTheAppsSignalAndTimeout) {
  world_.stop_at_once = false;
  auto app = Make({{"start_seconds", 0}, {"stop_signal", "INT"}, {"stop_timeout", 7}});
  app->Start();
  bool stopped = false;
  app->Stop([&] { stopped = true; });
  EXPECT_EQ(AppState::kStopping, app->state());
  EXPECT_EQ("stop web " + std::to_string(SIGINT) + " 7", world_.calls.back());
  EXPECT_FALSE(stopped);
  world_["web"]->Exit(130);
  EXPECT_TRUE(stopped);
  EXPECT_EQ(AppState::kStopped, app->state());
  EXPECT_EQ(0, app->pid());
}

TEST_F(AppTest, StoppingWhatIsNotRunningEndsAtOnce) {
  auto app = Make({});
  bool stopped = false;
  app->Stop([&] { stopped = true; });
  EXPECT_TRUE(stopped);
  EXPECT_EQ(AppState::kStopped, app->state());
  EXPECT_TRUE(world_.calls.empty());
}

TEST_F(AppTest, RestartStopsThenStarts) {
  auto app = Make({{"start_seconds", 0}});
  app->Start();
  app->Restart();
  ASSERT_TRUE(RunUntil(&loop_, [&] { return world_.calls.size() == 3; }));
  EXPECT_EQ((std::vector<std::string>{"start web", "stop web 15 10", "start web"}), world_.calls);
  EXPECT_EQ(AppState::kRunning, app->state());
}

TEST_F(AppTest, WhatStillRunsIsAdoptedNotStarted) {
  world_.still_running.insert("web");
  auto app = Make({{"start_seconds", 5}});
  bool adopted = false;
  app->Recover([&](bool yes) { adopted = yes; });
  EXPECT_TRUE(adopted);
  EXPECT_EQ(AppState::kRunning, app->state());
  EXPECT_EQ("c0ffeeweb", app->runtime_info().container_id);
  EXPECT_EQ(std::vector<std::string>{"recover web"}, world_.calls);
  // From then on it is supervised as if started here.
  world_["web"]->Exit(9);
  EXPECT_EQ(AppState::kStarting, app->state());
  EXPECT_EQ("start web", world_.calls.back());
}

TEST_F(AppTest, NothingToAdoptLeavesTheAppStopped) {
  auto app = Make({});
  bool adopted = true;
  app->Recover([&](bool yes) { adopted = yes; });
  EXPECT_FALSE(adopted);
  EXPECT_EQ(AppState::kStopped, app->state());
}

TEST_F(AppTest, StatsComeFromTheRuntimeOnlyWhileItRuns) {
  auto app = Make({{"start_seconds", 0}});
  std::optional<Result<RuntimeStats>> answer;
  app->Stats([&](Result<RuntimeStats> stats) { answer = std::move(stats); });
  ASSERT_TRUE(answer);
  EXPECT_EQ(Status::Code::kUnavailable, answer->status().code());
  app->Start();
  answer.reset();
  app->Stats([&](Result<RuntimeStats> stats) { answer = std::move(stats); });
  ASSERT_TRUE(answer && answer->ok());
  EXPECT_EQ(12.5, *answer->value().cpu_percent);
}

TEST_F(AppTest, PauseAndResumeGoThroughTheRuntimeOnlyFromTheRightState) {
  auto app = Make({{"start_seconds", 0}});
  EXPECT_EQ(Status::Code::kConflict, app->Pause().code());
  app->Start();
  EXPECT_EQ(Status::Code::kConflict, app->Resume().code());
  ASSERT_TRUE(app->Pause().ok());
  EXPECT_EQ(AppState::kPaused, app->state());
  EXPECT_EQ(Status::Code::kConflict, app->Pause().code());
  ASSERT_TRUE(app->Resume().ok());
  EXPECT_EQ(AppState::kRunning, app->state());
  EXPECT_EQ((std::vector<std::string>{"start web", "pause web", "resume web"}), world_.calls);
  // A paused app stops, and one that dies while paused is restarted like a running one.
  ASSERT_TRUE(app->Pause().ok());
  world_["web"]->Exit(137);
  EXPECT_EQ(AppState::kRunning, app->state());
  EXPECT_EQ(1u, app->restarts());
  ASSERT_TRUE(app->Pause().ok());
  bool stopped = false;
  app->Stop([&] { stopped = true; });
  ASSERT_TRUE(RunUntil(&loop_, [&] { return stopped; }));
  EXPECT_EQ(AppState::kStopped, app->state());
}

TEST_F(AppTest, OutputLinesGoToTheRingInOrder) {
  auto app = Make({{"start_seconds", 0}, {"log_forward", false}});
  app->Start();
  world_["web"]->Print(LogStream::kStdout, {"one", "two"});
  world_["web"]->Print(LogStream::kStderr, {"three"});
  std::vector<LogEntry> entries;
  app->logs().ForEachSince(0, 10, [&](const LogEntry& entry) { entries.push_back(entry); });
  ASSERT_EQ(3u, entries.size());
  EXPECT_EQ("one", entries[0].line);
  EXPECT_EQ("three", entries[2].line);
  EXPECT_EQ(LogStream::kStderr, entries[2].stream);
}

TEST_F(AppTest, AChangeToHowItRunsRestartsARunningApp) {
  auto app = Make({{"start_seconds", 0}});
  app->Start();
  auto same = ParseAppSpec({{"name", "web"}, {"command", {"true"}}, {"start_seconds", 0}}, "web");
  app->Replace(same.value());
  EXPECT_EQ(1u, world_.calls.size());
  auto changed = ParseAppSpec(
      {{"name", "web"}, {"command", {"true"}}, {"start_seconds", 0}, {"env", {{"A", "1"}}}}, "web");
  app->Replace(changed.value());
  ASSERT_TRUE(RunUntil(&loop_, [&] { return world_.calls.size() == 3; }));
  EXPECT_EQ((std::vector<std::string>{"start web", "stop web 15 10", "start web"}), world_.calls);
}

TEST_F(AppTest, AHealthCheckGatesHealthyAndEveryChangeIsAnEvent) {
  std::vector<std::string> events;
  bus_.SubscribeHealth([&](const HealthEvent& event) {
    events.push_back(event.app + " " +
                     (event.health.is_null() ? "null" : event.health.value("status", "")));
  });
  world_.exec_outcomes["web"] = {.exit_code = 1, .output = "not yet\n"};
  auto app = Make({{"start_seconds", 0},
                   {"health", {{"exec", {"ready"}}, {"interval", 0.1}, {"retries", 2}}}});
  EXPECT_TRUE(app->StatusJson()["health"].is_null());
  app->Start();
  ASSERT_EQ(AppState::kRunning, app->state());
  EXPECT_FALSE(app->healthy());
  EXPECT_EQ("starting", app->StatusJson()["health"]["status"]);
  EXPECT_EQ(std::vector<std::string>{"web starting"}, events);
  ASSERT_TRUE(RunUntil(&loop_, [&] { return events.size() == 2; }));
  EXPECT_EQ("web unhealthy", events.back());
  EXPECT_EQ("ready exited with code 1: not yet", app->StatusJson()["health"]["last_error"]);
  EXPECT_FALSE(app->healthy());
  world_.exec_outcomes.erase("web");
  ASSERT_TRUE(RunUntil(&loop_, [&] { return app->healthy(); }));
  EXPECT_EQ((std::vector<std::string>{"web starting", "web unhealthy", "web healthy"}), events);
  // The cached text follows every probe.
  EXPECT_NE(std::string::npos, app->JsonText().find(R"("status":"healthy")"));
  // Unhealthy does not restart the app.
  EXPECT_EQ(std::vector<std::string>{"start web"}, world_.calls);
  app->Stop();
  ASSERT_TRUE(RunUntil(&loop_, [&] { return app->state() == AppState::kStopped; }));
  EXPECT_TRUE(app->StatusJson()["health"].is_null());
  EXPECT_EQ("web null", events.back());
  int execs = world_.execs;
  RunUntil(&loop_, [] { return false; }, 300);
  EXPECT_EQ(execs, world_.execs);  // no check while stopped
}

TEST_F(AppTest, AChangeOfTheHealthCheckStartsItOverWithoutARestart) {
  auto app = Make({{"start_seconds", 0}, {"health", {{"exec", {"ready"}}, {"interval", 60}}}});
  app->Start();
  ASSERT_TRUE(RunUntil(&loop_, [&] { return app->healthy(); }));
  auto changed = ParseAppSpec({{"name", "web"},
                               {"command", {"true"}},
                               {"start_seconds", 0},
                               {"health", {{"exec", {"other"}}, {"interval", 60}}}},
                              "web");
  app->Replace(changed.value());
  EXPECT_EQ("starting", app->StatusJson()["health"]["status"]);
  EXPECT_FALSE(app->healthy());
  ASSERT_TRUE(RunUntil(&loop_, [&] { return app->healthy(); }));
  EXPECT_EQ(std::vector<std::string>{"start web"}, world_.calls);
  auto none = ParseAppSpec({{"name", "web"}, {"command", {"true"}}, {"start_seconds", 0}}, "web");
  app->Replace(none.value());
  EXPECT_TRUE(app->StatusJson()["health"].is_null());
  EXPECT_TRUE(app->healthy());
}

}  // namespace
}  // namespace berth
