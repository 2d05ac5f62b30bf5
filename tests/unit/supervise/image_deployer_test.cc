// Tests of a container app's deployments (ImageDeployer, driven through App with a fake
// runtime and an in-memory store): the first start deploys, redeploys skip an unchanged image,
// rollbacks serve an earlier image id, and a failure leaves the serving release alone.
#include "supervise/image_deployer.h"

#include <gtest/gtest.h>

#include "store/database.h"
#include "supervise/app.h"
#include "tests/unit/run_loop.h"
#include "tests/unit/supervise/fake_runtime.h"

namespace berth {
namespace {

class ImageDeployerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = Database::Open(":memory:");
    ASSERT_TRUE(db.ok()) << db.status().message();
    db_ = std::move(db).value();
    deployments_ = std::make_unique<DeploymentsRepository>(db_.get());
    deploy_.deployments = deployments_.get();
    world_.images["acme/web:1"] = "sha256:aaa";
  }

  AppSpec Spec(const std::string& image) {
    auto spec = ParseAppSpec(
        {{"name", "web"}, {"kind", "container"}, {"image", image}, {"start_seconds", 0}}, "web");
    EXPECT_TRUE(spec.ok()) << spec.status().message();
    return std::move(spec).value();
  }
  // A running app on acme/web:1, deployed by its first start.
  std::unique_ptr<App> Running() {
    auto app = std::make_unique<App>(&context_, Spec("acme/web:1"), "api");
    app->Start();
    EXPECT_TRUE(RunUntil(&loop_, [&] { return app->state() == AppState::kRunning; }));
    return app;
  }
  bool Settled(App& app) { return !app.deploying() && app.state() == AppState::kRunning; }
  // The app's deployments, newest first.
  std::vector<Deployment> Deployments() {
    auto rows = deployments_->ListForApp("web", -1);
    EXPECT_TRUE(rows.ok());
    return rows.ok() ? *rows : std::vector<Deployment>{};
  }
  std::string LogOf(int64_t id) {
    auto row = deployments_->Get("web", id, true);
    return row.ok() && *row ? (*row)->log : "";
  }

  EventLoop loop_;
  BerthPaths paths_{.state_dir = "/nonexistent", .runtime_dir = "/nonexistent"};
  EventBus bus_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<DeploymentsRepository> deployments_;
  DeployContext deploy_{&loop_, nullptr, nullptr, &paths_, &bus_, nullptr, ""};
  FakeWorld world_{.loop = &loop_};
  RuntimeFactory factory_ = world_.Factory();
  AppContext context_{&loop_, &paths_, &bus_, &deploy_, &factory_};
};

TEST_F(ImageDeployerTest, TheFirstStartDeploysTheImageAndRunsItById) {
  auto app = Running();
  std::vector<Deployment> rows = Deployments();
  ASSERT_EQ(1u, rows.size());
  EXPECT_EQ("start", rows[0].trigger);
  EXPECT_EQ(DeployOutcome::kSucceeded, rows[0].outcome);
  EXPECT_EQ("sha256:aaa", rows[0].revision);
  EXPECT_EQ("acme/web:1", rows[0].ref);
  EXPECT_EQ(std::to_string(rows[0].id), rows[0].release);
  EXPECT_NE(std::string::npos, LogOf(rows[0].id).find("==> image id sha256:aaa"));
  EXPECT_EQ(std::vector<std::string>{"sha256:aaa"}, world_.started_images);
  EXPECT_EQ(0, world_.pulls) << "a start pulls only a missing image";
  nlohmann::json status = app->StatusJson();
  EXPECT_EQ(std::to_string(rows[0].id), status["release"]);
  EXPECT_EQ("sha256:aaa", status["image_id"]);

  // Later starts run the same release without deploying again.
  app->Restart();
  ASSERT_TRUE(RunUntil(&loop_, [&] { return world_.started_images.size() == 2; }));
  EXPECT_EQ(1u, Deployments().size());
}

TEST_F(ImageDeployerTest, ARedeployOfTheSameImageIsSkippedUnlessForced) {
  auto app = Running();
  ASSERT_TRUE(app->Redeploy(false).ok());
  ASSERT_TRUE(RunUntil(&loop_, [&] { return Settled(*app); }));
  EXPECT_EQ(DeployOutcome::kSkipped, Deployments()[0].outcome);
  EXPECT_EQ(1, world_.pulls) << "a redeploy pulls";
  EXPECT_EQ(1u, world_.started_images.size());

  ASSERT_TRUE(app->Redeploy(true).ok());
  ASSERT_TRUE(RunUntil(&loop_, [&] { return world_.started_images.size() == 2 && Settled(*app); }));
  EXPECT_EQ(DeployOutcome::kSucceeded, Deployments()[0].outcome);
}

TEST_F(ImageDeployerTest, ARedeployOfANewImageRestartsTheAppOnIt) {
  auto app = Running();
  world_.images["acme/web:1"] = "sha256:bbb";
  ASSERT_TRUE(app->Redeploy(false).ok());
  EXPECT_EQ(Status::Code::kConflict, app->Redeploy(false).code()) << "one at a time";
  ASSERT_TRUE(RunUntil(&loop_, [&] { return world_.started_images.size() == 2 && Settled(*app); }));
  EXPECT_EQ((std::vector<std::string>{"sha256:aaa", "sha256:bbb"}), world_.started_images);
  Deployment newest = Deployments()[0];
  EXPECT_EQ("redeploy", newest.trigger);
  EXPECT_EQ(DeployOutcome::kSucceeded, newest.outcome);
  EXPECT_EQ("sha256:bbb", app->StatusJson()["image_id"]);
}

TEST_F(ImageDeployerTest, AFailedPullLeavesTheServingReleaseRunning) {
  auto app = Running();
  world_.images.clear();
  ASSERT_TRUE(app->Redeploy(true).ok());
  ASSERT_TRUE(RunUntil(&loop_, [&] { return !app->deploying(); }));
  Deployment newest = Deployments()[0];
  EXPECT_EQ(DeployOutcome::kFailed, newest.outcome);
  EXPECT_EQ("no such image acme/web:1", newest.error);
  EXPECT_NE(std::string::npos, LogOf(newest.id).find("keeps serving"));
  EXPECT_EQ(AppState::kRunning, app->state());
  EXPECT_EQ(1u, world_.started_images.size());
  EXPECT_EQ("deploy failed: no such image acme/web:1", app->StatusJson()["last_error"]);
}

TEST_F(ImageDeployerTest, ARollbackServesThePreviousImageAgain) {
  auto app = Running();
  std::string first = *Deployments()[0].release;
  world_.images["acme/web:1"] = "sha256:bbb";
  ASSERT_TRUE(app->Redeploy(false).ok());
  ASSERT_TRUE(RunUntil(&loop_, [&] { return world_.started_images.size() == 2 && Settled(*app); }));
  std::string second = *Deployments()[0].release;

  ASSERT_TRUE(app->Rollback("").ok());
  ASSERT_TRUE(RunUntil(&loop_, [&] { return world_.started_images.size() == 3 && Settled(*app); }));
  Deployment rollback = Deployments()[0];
  EXPECT_EQ("rollback", rollback.trigger);
  EXPECT_EQ(DeployOutcome::kSucceeded, rollback.outcome);
  EXPECT_EQ(first, rollback.release);
  EXPECT_EQ("sha256:aaa", rollback.revision);
  EXPECT_EQ("sha256:aaa", world_.started_images.back());
  EXPECT_EQ(first, app->StatusJson()["release"]);

  Status none = app->Rollback("");
  EXPECT_EQ(Status::Code::kConflict, none.code()) << "nothing is older than the first release";
  EXPECT_EQ(Status::Code::kNotFound, app->Rollback("99").code());
  EXPECT_EQ(Status::Code::kNotFound, app->Rollback(std::to_string(rollback.id)).code())
      << "a rollback is no release of its own";

  ASSERT_TRUE(app->Rollback(second).ok());
  ASSERT_TRUE(RunUntil(&loop_, [&] { return world_.started_images.size() == 4 && Settled(*app); }));
  EXPECT_EQ("sha256:bbb", world_.started_images.back());
}

TEST_F(ImageDeployerTest, ARollbackToAnImageDockerNoLongerHasFailsAndChangesNothing) {
  auto app = Running();
  world_.images["acme/web:1"] = "sha256:bbb";
  ASSERT_TRUE(app->Redeploy(false).ok());
  ASSERT_TRUE(RunUntil(&loop_, [&] { return world_.started_images.size() == 2 && Settled(*app); }));
  world_.removed_images.insert("sha256:aaa");

  ASSERT_TRUE(app->Rollback("").ok());
  ASSERT_TRUE(RunUntil(&loop_, [&] { return !app->deploying(); }));
  Deployment rollback = Deployments()[0];
  EXPECT_EQ(DeployOutcome::kFailed, rollback.outcome);
  EXPECT_EQ("image sha256:aaa is no longer on this host", rollback.error);
  EXPECT_EQ(2u, world_.started_images.size());
  EXPECT_EQ("sha256:bbb", app->StatusJson()["image_id"]);
}

TEST_F(ImageDeployerTest, ANewImageIsDeployedBeforeTheAppRestartsOnIt) {
  auto app = Running();
  world_.images["acme/web:2"] = "sha256:ccc";
  app->Replace(Spec("acme/web:2"));
  ASSERT_TRUE(RunUntil(&loop_, [&] { return world_.started_images.size() == 2 && Settled(*app); }));
  Deployment change = Deployments()[0];
  EXPECT_EQ("change", change.trigger);
  EXPECT_EQ("acme/web:2", change.ref);
  EXPECT_EQ("sha256:ccc", world_.started_images.back());

  // An image that cannot be had: the app keeps running what it runs.
  app->Replace(Spec("acme/web:3"));
  ASSERT_TRUE(RunUntil(&loop_, [&] { return !app->deploying(); }));
  EXPECT_EQ(DeployOutcome::kFailed, Deployments()[0].outcome);
  EXPECT_EQ(AppState::kRunning, app->state());
  EXPECT_EQ(2u, world_.started_images.size());
}

TEST_F(ImageDeployerTest, ADeploymentCutShortByTheAppsDeletionIsRecordedAsFailed) {
  std::vector<std::string> phases;
  bus_.SubscribeDeploys([&](const DeployEvent& event) { phases.push_back(event.phase); });
  auto app = std::make_unique<App>(&context_, Spec("acme/web:1"), "api");
  app->Start();
  ASSERT_TRUE(app->deploying());
  app.reset();
  Deployment row = Deployments()[0];
  EXPECT_EQ(DeployOutcome::kFailed, row.outcome);
  EXPECT_EQ("the app was deleted", row.error);
  // Announced too, so that the deployment counters see it end.
  EXPECT_EQ((std::vector<std::string>{"started", "failed"}), phases);
  RunUntil(&loop_, [] { return false; }, 20);  // the fake's answer finds no deployer
}

}  // namespace
}  // namespace berth
