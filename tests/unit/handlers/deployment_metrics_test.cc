// Tests of the deployment metrics of /metrics: deployments by app, kind and outcome (counted
// from the store at startup, then from deploy events), the duration histograms, the apps' health
// and the names the Supervisor GitOps service used.
#include "handlers/deployment_metrics.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <sstream>
#include <string>

#include "store/database.h"
#include "supervise/supervisor.h"
#include "tests/unit/handlers/exposition.h"
#include "tests/unit/run_loop.h"
#include "tests/unit/supervise/fake_runtime.h"

namespace berth {
namespace {

class DeploymentMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "/deployment-metrics-XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    auto db = Database::Open(":memory:");
    ASSERT_TRUE(db.ok()) << db.status().message();
    db_ = std::move(db).value();
    repo_ = std::make_unique<DeploymentsRepository>(db_.get());
  }
  void TearDown() override {
    supervisor_.reset();
    std::filesystem::remove_all(dir_);
  }

  // berthd starting over what the store holds.
  void Boot() {
    supervisor_ = std::make_unique<Supervisor>(&loop_, &reaper_, db_.get(),
                                               BerthPaths{.state_dir = dir_, .runtime_dir = dir_},
                                               world_.Factory());
    ASSERT_TRUE(supervisor_->Load().ok());
  }

  void Define(const std::string& name, nlohmann::json definition) {
    auto spec = ParseAppSpec(definition, name);
    ASSERT_TRUE(spec.ok()) << spec.status().message();
    ASSERT_TRUE(supervisor_->Create(std::move(spec).value()).ok());
  }

  void Stored(const std::string& app, DeployOutcome outcome, int64_t duration_ms) {
    auto id =
        repo_->Begin({.app = app, .trigger = "redeploy", .started_at = "2026-01-01T00:00:00Z"});
    ASSERT_TRUE(id.ok());
    ASSERT_TRUE(repo_->Finish(*id, outcome, "", "2026-01-01T00:00:01Z", duration_ms).ok());
  }

  void Deployed(const std::string& app, int64_t id, const std::string& outcome, int64_t ms) {
    supervisor_->bus().Publish(DeployEvent{.app = app, .id = id, .phase = "started", .ts_ms = 0});
    supervisor_->bus().Publish(DeployEvent{.app = app, .id = id, .phase = outcome, .ts_ms = ms});
  }

  std::string Render() {
    std::ostringstream out;
    RenderDeploymentMetrics(*supervisor_, out);
    return out.str();
  }

  static nlohmann::json GitApp() {
    return {{"command", "./run"},
            {"autostart", false},
            {"source", {{"git", {{"url", "https://example.com/a.git"}}}}}};
  }

  std::string dir_;
  EventLoop loop_;
  ChildReaper reaper_{&loop_};
  FakeWorld world_{.loop = &loop_};
  std::unique_ptr<Database> db_;
  std::unique_ptr<DeploymentsRepository> repo_;
  std::unique_ptr<Supervisor> supervisor_;
};

TEST_F(DeploymentMetricsTest, EveryMetricHasHelpAndTypeBeforeItsSamples) {
  Boot();
  std::string rendered = Render();
  Exposition text(rendered);
  const std::pair<const char*, const char*> metrics[] = {
      {"berth_deployments_total", "counter"},
      {"berth_deployment_duration_seconds", "histogram"},
      {"berth_app_healthy", "gauge"},
      {"supervisor_total_stacks", "gauge"},
      {"supervisor_total_healthy_stacks", "gauge"},
      {"supervisor_total_unhealthy_stacks", "gauge"},
      {"supervisor_jobs_execution_time", "histogram"},
      {"supervisor_jobs_executed_total", "counter"},
      {"supervisor_jobs_succeeded_total", "counter"},
      {"supervisor_jobs_failed_total", "counter"},
  };
  for (const auto& [name, type] : metrics) {
    EXPECT_TRUE(text.HasHelp(name)) << name;
    EXPECT_TRUE(text.HasComment(std::string("# TYPE ") + name + " " + type)) << name;
  }
  EXPECT_EQ(text.Value("supervisor_jobs_executed_total"), "0");
  EXPECT_EQ(text.Value("berth_deployment_duration_seconds_count"), "0");
  EXPECT_EQ(text.Value("berth_deployment_duration_seconds_sum"), "0");
  EXPECT_EQ(rendered.back(), '\n');
}

TEST_F(DeploymentMetricsTest, DeploymentsAreCountedFromTheStoreThenFromEvents) {
  Stored("web", DeployOutcome::kSucceeded, 2'000);
  Stored("web", DeployOutcome::kFailed, 400);
  Boot();
  Define("web", GitApp());
  Define("plain", {{"command", "true"}, {"autostart", false}});
  Deployed("web", 10, "skipped", 100);
  Deployed("web", 11, "rolled_back", 30'000);

  Exposition text(Render());
  const std::string web = "berth_deployments_total{app=\"web\",kind=\"process\",outcome=\"";
  EXPECT_EQ(text.Value(web + "succeeded\"}"), "1");
  EXPECT_EQ(text.Value(web + "failed\"}"), "1");
  EXPECT_EQ(text.Value(web + "skipped\"}"), "1");
  EXPECT_EQ(text.Value(web + "rolled_back\"}"), "1");
  EXPECT_EQ(text.Value("berth_deployments_total{app=\"plain\",kind=\"process\","
                       "outcome=\"succeeded\"}"),
            "<missing>")
      << "an app that does not deploy has no deployment series";
}

TEST_F(DeploymentMetricsTest, AnAppThatDeploysShowsZerosBeforeItsFirstDeployment) {
  Boot();
  Define("web", GitApp());
  Exposition text(Render());
  for (const char* outcome : {"succeeded", "failed", "skipped", "rolled_back"})
    EXPECT_EQ(text.Value(std::string("berth_deployments_total{app=\"web\",kind=\"process\","
                                     "outcome=\"") +
                         outcome + "\"}"),
              "0")
        << outcome;
}

TEST_F(DeploymentMetricsTest, HistogramsAndSupervisorJobCountersLeaveSkippedRunsToBerthsOwn) {
  Stored("gone", DeployOutcome::kSucceeded, 500);  // an app deleted since: still in the totals
  Boot();
  Define("web", GitApp());
  Deployed("web", 1, "succeeded", 2'000);
  Deployed("web", 2, "failed", 1'000);
  Deployed("web", 3, "rolled_back", 90'000);
  Deployed("web", 4, "skipped", 250);

  Exposition text(Render());
  EXPECT_EQ(text.Value("berth_deployment_duration_seconds_count"), "5");
  EXPECT_EQ(text.Value("berth_deployment_duration_seconds_bucket{le=\"+Inf\"}"), "5");
  EXPECT_EQ(text.Value("berth_deployment_duration_seconds_sum"), "93.75");
  std::vector<std::pair<std::string, uint64_t>> expected = {
      {"0.25", 1}, {"0.5", 2}, {"1", 3},   {"2.5", 4}, {"5", 4},    {"10", 4},  {"30", 4},
      {"60", 4},   {"120", 5}, {"300", 5}, {"600", 5}, {"1800", 5}, {"+Inf", 5}};
  EXPECT_EQ(text.Buckets("berth_deployment_duration_seconds"), expected);

  EXPECT_EQ(text.Value("supervisor_jobs_execution_time_count"), "4");
  EXPECT_EQ(text.Value("supervisor_jobs_execution_time_sum"), "93.5");
  EXPECT_EQ(text.Value("supervisor_jobs_executed_total"), "4");
  EXPECT_EQ(text.Value("supervisor_jobs_succeeded_total"), "2");
  EXPECT_EQ(text.Value("supervisor_jobs_failed_total"), "2");
}

TEST_F(DeploymentMetricsTest, HealthyMeansRunningAndStacksAreComposeApps) {
  Boot();
  supervisor_->StartAutostartApps();
  Define("up", {{"command", "true"}, {"start_seconds", 0}});
  Define("sick", {{"command", "true"}, {"start_seconds", 0}});
  world_.unwell.insert("sick");  // running, but its runtime knows it is unwell
  Define("down", {{"command", "true"}, {"autostart", false}});
  Define("stack", {{"kind", "compose"},
                   {"autostart", false},
                   {"source", {{"git", {{"url", "https://example.com/infra.git"}}}}}});
  ASSERT_TRUE(
      RunUntil(&loop_, [&] {
        return supervisor_->Find("up")->state() == AppState::kRunning &&
               supervisor_->Find("sick")->state() == AppState::kRunning;
      }));

  Exposition text(Render());
  EXPECT_EQ(text.Value("berth_app_healthy{app=\"up\"}"), "1");
  EXPECT_EQ(text.Value("berth_app_healthy{app=\"sick\"}"), "0");
  EXPECT_EQ(text.Value("berth_app_healthy{app=\"down\"}"), "0");
  EXPECT_EQ(text.Value("berth_app_healthy{app=\"stack\"}"), "0");
  EXPECT_EQ(text.Value("supervisor_total_stacks"), "1");
  EXPECT_EQ(text.Value("supervisor_total_healthy_stacks"), "0");
  EXPECT_EQ(text.Value("supervisor_total_unhealthy_stacks"), "1");
  EXPECT_EQ(text.Value("berth_deployments_total{app=\"stack\",kind=\"compose\","
                       "outcome=\"failed\"}"),
            "0");
}

}  // namespace
}  // namespace berth
