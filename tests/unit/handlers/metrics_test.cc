// Tests of Metrics: the Prometheus text of /metrics, its HELP/TYPE lines, the apps' gauges
// and counters, and the request histogram (cumulative buckets, +Inf equal to the count).
#include "handlers/metrics.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "reactor/child_reaper.h"
#include "reactor/event_loop.h"
#include "reactor/log.h"
#include "store/database.h"
#include "supervise/supervisor.h"
#include "tests/unit/handlers/exposition.h"
#include "tests/unit/run_loop.h"

namespace berth {
namespace {

namespace fs = std::filesystem;
using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::seconds;

class MetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetLogLevel(LogLevel::kError);
    std::string pattern = (fs::temp_directory_path() / "berth-metrics-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    auto db = Database::Open(":memory:");
    ASSERT_TRUE(db.ok()) << db.status().message();
    db_ = std::move(db).value();
    BerthPaths paths{(dir_ / "state").string(), (dir_ / "run").string(), false};
    supervisor_ = std::make_unique<Supervisor>(&loop_, &reaper_, db_.get(), paths);
    supervisor_->StartAutostartApps();  // as berthd does before it serves
  }

  void TearDown() override {
    if (supervisor_) {
      bool stopped = false;
      supervisor_->StopAll([&] { stopped = true; });
      EXPECT_TRUE(RunUntil(&loop_, [&] { return stopped; }));
    }
    supervisor_.reset();
    db_.reset();
    fs::remove_all(dir_);
    SetLogLevel(LogLevel::kInfo);
  }

  App* CreateApp(const std::string& name, const nlohmann::json& json) {
    Result<AppSpec> spec = ParseAppSpec(json, name);
    EXPECT_TRUE(spec.ok()) << spec.status().message();
    if (!spec.ok()) return nullptr;
    Result<App*> app = supervisor_->Create(std::move(spec).value());
    EXPECT_TRUE(app.ok()) << app.status().message();
    return app.ok() ? app.value() : nullptr;
  }

  fs::path dir_;
  EventLoop loop_;
  ChildReaper reaper_{&loop_};
  std::unique_ptr<Database> db_;
  std::unique_ptr<Supervisor> supervisor_;
  Metrics metrics_;
};

TEST_F(MetricsTest, EveryMetricHasHelpAndType) {
  Exposition text(metrics_.Render(*supervisor_));
  const std::pair<const char*, const char*> metrics[] = {
      {"berth_apps", "gauge"},
      {"berth_app_up", "gauge"},
      {"berth_app_restarts_total", "counter"},
      {"berth_http_requests_total", "counter"},
      {"berth_http_request_duration_seconds", "histogram"},
  };
  for (const auto& [name, type] : metrics) {
    EXPECT_TRUE(text.HasHelp(name)) << name;
    EXPECT_TRUE(text.HasComment(std::string("# TYPE ") + name + " " + type)) << name;
  }
}

TEST_F(MetricsTest, EmptyDaemon) {
  std::string rendered = metrics_.Render(*supervisor_);
  Exposition text(rendered);
  EXPECT_EQ(text.Value("berth_apps"), "0");
  EXPECT_EQ(text.Value("berth_http_request_duration_seconds_count"), "0");
  EXPECT_EQ(text.Value("berth_http_request_duration_seconds_sum"), "0");
  EXPECT_EQ(text.Value("berth_http_request_duration_seconds_bucket{le=\"+Inf\"}"), "0");
  for (const auto& [le, count] : text.Buckets("berth_http_request_duration_seconds"))
    EXPECT_EQ(count, 0u) << le;
  ASSERT_FALSE(rendered.empty());
  EXPECT_EQ(rendered.back(), '\n');
}

TEST_F(MetricsTest, AppsAreCountedWithTheirStateAndRestarts) {
  ASSERT_NE(CreateApp("web", {{"command", {"sleep", "30"}}, {"autostart", false}}), nullptr);
  ASSERT_NE(CreateApp("api", {{"command", {"sleep", "30"}}, {"autostart", false}}), nullptr);
  Exposition text(metrics_.Render(*supervisor_));
  EXPECT_EQ(text.Value("berth_apps"), "2");
  EXPECT_EQ(text.Value("berth_app_up{app=\"web\",kind=\"process\"}"), "0");
  EXPECT_EQ(text.Value("berth_app_up{app=\"api\",kind=\"process\"}"), "0");
  EXPECT_EQ(text.Value("berth_app_restarts_total{app=\"web\"}"), "0");
  EXPECT_EQ(text.Value("berth_app_restarts_total{app=\"api\"}"), "0");
}

TEST_F(MetricsTest, ARunningAppIsUp) {
  App* app = CreateApp("web", {{"command", {"sleep", "30"}}, {"start_seconds", 0}});
  ASSERT_NE(app, nullptr);
  ASSERT_TRUE(RunUntil(&loop_, [&] { return app->state() == AppState::kRunning; }))
      << to_string(app->state());
  Exposition text(metrics_.Render(*supervisor_));
  EXPECT_EQ(text.Value("berth_app_up{app=\"web\",kind=\"process\"}"), "1");
}

TEST_F(MetricsTest, RestartsAreCounted) {
  App* app =
      CreateApp("crashy", {{"command", "exit 1"}, {"start_seconds", 0}, {"restart", "always"}});
  ASSERT_NE(app, nullptr);
  ASSERT_TRUE(RunUntil(&loop_, [&] { return app->restarts() >= 2; }));
  bool stopped = false;
  app->Stop([&] { stopped = true; });
  ASSERT_TRUE(RunUntil(&loop_, [&] { return stopped; }));
  Exposition text(metrics_.Render(*supervisor_));
  EXPECT_EQ(text.Value("berth_app_restarts_total{app=\"crashy\"}"),
            std::to_string(app->restarts()));
  EXPECT_EQ(text.Value("berth_app_up{app=\"crashy\",kind=\"process\"}"), "0");
}

TEST_F(MetricsTest, RequestsAreCountedByCode) {
  metrics_.ObserveRequest(200, milliseconds(1));
  metrics_.ObserveRequest(200, milliseconds(2));
  metrics_.ObserveRequest(404, milliseconds(1));
  metrics_.ObserveRequest(500, milliseconds(1));
  Exposition text(metrics_.Render(*supervisor_));
  EXPECT_EQ(text.Value("berth_http_requests_total{code=\"200\"}"), "2");
  EXPECT_EQ(text.Value("berth_http_requests_total{code=\"404\"}"), "1");
  EXPECT_EQ(text.Value("berth_http_requests_total{code=\"500\"}"), "1");
  EXPECT_EQ(text.Value("berth_http_requests_total{code=\"401\"}"), "<missing>");
}

TEST_F(MetricsTest, HistogramBucketsAreCumulativeAndInfIsTheCount) {
  metrics_.ObserveRequest(200, microseconds(50));  // in every bucket
  metrics_.ObserveRequest(200, milliseconds(3));   // from le=0.005
  metrics_.ObserveRequest(200, seconds(2));        // only le=5
  metrics_.ObserveRequest(500, seconds(10));       // only +Inf
  Exposition text(metrics_.Render(*supervisor_));
  auto buckets = text.Buckets("berth_http_request_duration_seconds");
  ASSERT_EQ(buckets.size(), Metrics::kBuckets.size() + 1);
  const std::vector<std::pair<std::string, uint64_t>> expected = {
      {"0.0001", 1}, {"0.00025", 1}, {"0.0005", 1}, {"0.001", 1}, {"0.0025", 1},
      {"0.005", 2},  {"0.01", 2},    {"0.025", 2},  {"0.1", 2},   {"0.5", 2},
      {"1", 2},      {"5", 3},       {"+Inf", 4}};
  EXPECT_EQ(buckets, expected);
  // Bucket bounds ascend and counts never decrease.
  for (size_t i = 1; i + 1 < buckets.size(); ++i) {
    EXPECT_LT(std::stod(buckets[i - 1].first), std::stod(buckets[i].first));
    EXPECT_LE(buckets[i - 1].second, buckets[i].second);
  }
  EXPECT_EQ(buckets.back().first, "+Inf");
  EXPECT_EQ(std::to_string(buckets.back().second),
            text.Value("berth_http_request_duration_seconds_count"));
  EXPECT_NEAR(std::stod(text.Value("berth_http_request_duration_seconds_sum")), 12.00305, 1e-3);
}

TEST_F(MetricsTest, ABucketIncludesItsUpperBound) {
  metrics_.ObserveRequest(200, milliseconds(100));  // exactly le=0.1
  Exposition text(metrics_.Render(*supervisor_));
  EXPECT_EQ(text.Value("berth_http_request_duration_seconds_bucket{le=\"0.025\"}"), "0");
  EXPECT_EQ(text.Value("berth_http_request_duration_seconds_bucket{le=\"0.1\"}"), "1");
}

TEST_F(MetricsTest, SamplesFollowTheirTypeLine) {
  metrics_.ObserveRequest(200, milliseconds(1));
  ASSERT_NE(CreateApp("web", {{"command", "true"}, {"autostart", false}}), nullptr);
  std::string rendered = metrics_.Render(*supervisor_);
  for (const char* name : {"berth_apps", "berth_app_up", "berth_app_restarts_total",
                           "berth_http_requests_total", "berth_http_request_duration_seconds"}) {
    size_t type = rendered.find(std::string("# TYPE ") + name + " ");
    size_t sample = rendered.find(std::string("\n") + name);
    ASSERT_NE(type, std::string::npos) << name;
    ASSERT_NE(sample, std::string::npos) << name;
    EXPECT_LT(type, sample) << name;
  }
}

}  // namespace
}  // namespace berth
