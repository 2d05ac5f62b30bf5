// Tests of the Supervisor with fake runtimes: the order apps start and stop in, adoption after
// a restart of berthd, and removal, with no process behind them.
#include "supervise/supervisor.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "store/database.h"
#include "tests/unit/run_loop.h"
#include "tests/unit/supervise/fake_runtime.h"

namespace berth {
namespace {

class SupervisorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "/supervisor-XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    paths_ = BerthPaths{.state_dir = dir_, .runtime_dir = dir_};
    auto db = Database::Open(dir_ + "/berth.db");
    ASSERT_TRUE(db.ok()) << db.status().message();
    db_ = std::move(db).value();
  }
  void TearDown() override {
    supervisor_.reset();
    db_.reset();
    std::filesystem::remove_all(dir_);
  }

  // A new Supervisor over the same database: berthd started again.
  Supervisor* Boot() {
    supervisor_.reset();
    supervisor_ = std::make_unique<Supervisor>(&loop_, &reaper_, db_.get(), paths_,
                                               world_.Factory());
    EXPECT_TRUE(supervisor_->Load().ok());
    return supervisor_.get();
  }
  App* Create(const std::string& name, nlohmann::json definition = nlohmann::json::object()) {
    definition["name"] = name;
    definition["command"] = {"true"};
    definition["start_seconds"] = 0;
    auto spec = ParseAppSpec(definition, name);
    EXPECT_TRUE(spec.ok()) << spec.status().message();
    auto app = supervisor_->Create(std::move(spec).value());
    EXPECT_TRUE(app.ok()) << app.status().message();
    return app.ok() ? app.value() : nullptr;
  }

  EventLoop loop_;
  ChildReaper reaper_{&loop_};
  std::string dir_;
  BerthPaths paths_;
  std::unique_ptr<Database> db_;
  FakeWorld world_{.loop = &loop_};
  std::unique_ptr<Supervisor> supervisor_;
};

TEST_F(SupervisorTest, AutostartAppsStartByPriorityAndOthersWait) {
  Boot();
  Create("late", {{"priority", 900}});
  Create("early", {{"priority", 10}});
  Create("manual", {{"autostart", false}});
  EXPECT_TRUE(world_.calls.empty());
  supervisor_->StartAutostartApps();
  EXPECT_EQ((std::vector<std::string>{"recover early", "start early", "recover late", "start late",
                                      "recover manual"}),
            world_.calls);
  EXPECT_EQ(AppState::kStopped, supervisor_->Find("manual")->state());
  // From then on a new autostart app starts as soon as it is defined.
  Create("more");
  EXPECT_EQ("start more", world_.calls.back());
}

TEST_F(SupervisorTest, AfterARestartWhatStillRunsIsAdoptedNotStartedAgain) {
  Boot();
  Create("web");
  Create("worker");
  supervisor_->StartAutostartApps();
  world_.calls.clear();
  world_.still_running = {"web"};
  Boot()->StartAutostartApps();
  EXPECT_EQ((std::vector<std::string>{"recover web", "recover worker", "start worker"}),
            world_.calls);
  App* web = supervisor_->Find("web");
  ASSERT_NE(nullptr, web);
  EXPECT_EQ(AppState::kRunning, web->state());
  EXPECT_EQ("c0ffeeweb", web->runtime_info().container_id);
}

TEST_F(SupervisorTest, RemoveStopsTheAppThenForgetsIt) {
  Boot();
  Create("web");
  supervisor_->StartAutostartApps();
  std::optional<Status> removed;
  supervisor_->Remove("web", false, [&](Status status) { removed = status; });
  ASSERT_TRUE(RunUntil(&loop_, [&] { return removed.has_value(); }));
  EXPECT_TRUE(removed->ok()) << removed->message();
  EXPECT_EQ("stop web 15 10", world_.calls.back());
  EXPECT_EQ(nullptr, supervisor_->Find("web"));
  Boot();
  EXPECT_EQ(nullptr, supervisor_->Find("web"));
}

TEST_F(SupervisorTest, StopAllStopsTheHighestPriorityFirst) {
  Boot();
  Create("db", {{"priority", 1}});
  Create("web", {{"priority", 500}});
  supervisor_->StartAutostartApps();
  world_.calls.clear();
  bool done = false;
  supervisor_->StopAll([&] { done = true; });
  ASSERT_TRUE(RunUntil(&loop_, [&] { return done; }));
  EXPECT_EQ((std::vector<std::string>{"stop web 15 10", "stop db 15 10"}), world_.calls);
}

TEST_F(SupervisorTest, AnAppKeepsItsKind) {
  Boot();
  App* web = Create("web");
  auto container = ParseAppSpec({{"name", "web"}, {"kind", "container"}, {"image", "nginx:1"}},
                                "web");
  ASSERT_TRUE(container.ok());
  bool created = false;
  auto replaced = supervisor_->Put(std::move(container).value(), &created);
  ASSERT_FALSE(replaced.ok());
  EXPECT_EQ(Status::Code::kConflict, replaced.status().code());
  EXPECT_EQ("kind", replaced.status().field());
  EXPECT_EQ("app 'web' is a process app and cannot become a container app; delete it and "
            "create it again",
            replaced.status().message());
  EXPECT_EQ(AppKind::kProcess, web->spec().kind());
}

}  // namespace
}  // namespace berth
