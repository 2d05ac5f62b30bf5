// Tests of DeploymentCounters: counting what the store holds at startup, then deploy events,
// timing them from their start, and the cumulative duration buckets.
#include "supervise/deployment_counters.h"

#include <gtest/gtest.h>

#include <memory>

#include "store/database.h"

namespace berth {
namespace {

DeployEvent Event(const std::string& app, int64_t id, const std::string& phase, int64_t ts_ms) {
  return DeployEvent{.app = app, .id = id, .phase = phase, .ts_ms = ts_ms};
}

uint64_t CountOf(const DeploymentCounters& counters, const std::string& app,
                 DeployOutcome outcome) {
  auto app_counts = counters.by_app().find(app);
  if (app_counts == counters.by_app().end()) return 0;
  auto count = app_counts->second.find(outcome);
  return count == app_counts->second.end() ? 0 : count->second;
}

TEST(DeploymentCountersTest, EventsAreCountedByAppAndOutcomeAndTimedFromTheirStart) {
  DeploymentCounters counters;
  counters.Observe(Event("web", 1, "started", 10'000));
  counters.Observe(Event("web", 1, "succeeded", 12'500));
  counters.Observe(Event("web", 2, "started", 20'000));
  counters.Observe(Event("web", 2, "skipped", 20'100));
  counters.Observe(Event("api", 3, "started", 30'000));
  counters.Observe(Event("api", 3, "rolled_back", 90'000));

  EXPECT_EQ(CountOf(counters, "web", DeployOutcome::kSucceeded), 1u);
  EXPECT_EQ(CountOf(counters, "web", DeployOutcome::kSkipped), 1u);
  EXPECT_EQ(CountOf(counters, "web", DeployOutcome::kFailed), 0u);
  EXPECT_EQ(CountOf(counters, "api", DeployOutcome::kRolledBack), 1u);
  EXPECT_EQ(counters.Total(DeployOutcome::kSucceeded), 1u);
  EXPECT_EQ(counters.Total(DeployOutcome::kRolledBack), 1u);

  DurationHistogram succeeded = counters.Durations(DeployOutcome::kSucceeded);
  EXPECT_EQ(succeeded.count, 1u);
  EXPECT_DOUBLE_EQ(succeeded.sum_seconds, 2.5);
  EXPECT_DOUBLE_EQ(counters.Durations(DeployOutcome::kSkipped).sum_seconds, 0.1);
  EXPECT_DOUBLE_EQ(counters.Durations(DeployOutcome::kRolledBack).sum_seconds, 60);
  EXPECT_EQ(counters.Durations(DeployOutcome::kFailed).count, 0u);
}

TEST(DeploymentCountersTest, AnEndWhoseStartWasNotSeenIsCountedButNotTimed) {
  DeploymentCounters counters;
  counters.Observe(Event("web", 7, "started", 1'000));
  counters.Observe(Event("web", 8, "failed", 5'000));  // another deployment's end
  counters.Observe(Event("web", 9, "started", 6'000));
  counters.Observe(Event("web", 9, "progress", 6'500));  // not an outcome: ignored
  counters.Observe(Event("web", 9, "running", 6'500));
  EXPECT_EQ(CountOf(counters, "web", DeployOutcome::kFailed), 1u);
  EXPECT_EQ(counters.Durations(DeployOutcome::kFailed).count, 0u);
  EXPECT_EQ(counters.Total(DeployOutcome::kRunning), 0u);
  counters.Observe(Event("web", 9, "failed", 7'000));
  EXPECT_EQ(counters.Durations(DeployOutcome::kFailed).count, 1u);
  EXPECT_DOUBLE_EQ(counters.Durations(DeployOutcome::kFailed).sum_seconds, 1);
}

TEST(DeploymentCountersTest, BucketsAreCumulativeAndIncludeTheirBound) {
  DurationHistogram histogram;
  histogram.Observe(250);        // le 0.25 and up
  histogram.Observe(1'000);      // le 1 and up
  histogram.Observe(3'600'000);  // only +Inf
  histogram.Observe(-5);         // a clock that went back counts as 0
  EXPECT_EQ(histogram.count, 4u);
  EXPECT_DOUBLE_EQ(histogram.sum_seconds, 3601.25);
  EXPECT_EQ(histogram.buckets[0], 2u);      // le 0.25
  EXPECT_EQ(histogram.buckets[1], 2u);      // le 0.5
  EXPECT_EQ(histogram.buckets[2], 3u);      // le 1
  EXPECT_EQ(histogram.buckets.back(), 3u);  // le 1800
  DurationHistogram sum = histogram;
  sum += histogram;
  EXPECT_EQ(sum.count, 8u);
  EXPECT_EQ(sum.buckets[2], 6u);
}

TEST(DeploymentCountersTest, LoadCountsWhatTheStoreHoldsThenEventsAddToIt) {
  auto db = Database::Open(":memory:");
  ASSERT_TRUE(db.ok()) << db.status().message();
  DeploymentsRepository repo(db->get());
  auto finish = [&](const std::string& app, DeployOutcome outcome, int64_t duration_ms) {
    auto id = repo.Begin({.app = app, .trigger = "redeploy", .started_at = "2026-01-01T00:00:00Z"});
    ASSERT_TRUE(id.ok());
    ASSERT_TRUE(repo.Finish(*id, outcome, "", "2026-01-01T00:00:01Z", duration_ms).ok());
  };
  finish("web", DeployOutcome::kSucceeded, 2'000);
  finish("web", DeployOutcome::kFailed, 500);
  finish("api", DeployOutcome::kSkipped, 100);
  ASSERT_TRUE(
      repo.Begin({.app = "api", .trigger = "start", .started_at = "2026-01-01T00:00:02Z"}).ok());
  ASSERT_TRUE(
      repo.FailRunning("berthd stopped during the deployment", "2026-01-01T00:01:00Z").ok());

  DeploymentCounters counters;
  ASSERT_TRUE(counters.Load(&repo).ok());
  EXPECT_EQ(CountOf(counters, "web", DeployOutcome::kSucceeded), 1u);
  EXPECT_EQ(CountOf(counters, "web", DeployOutcome::kFailed), 1u);
  EXPECT_EQ(CountOf(counters, "api", DeployOutcome::kSkipped), 1u);
  EXPECT_EQ(CountOf(counters, "api", DeployOutcome::kFailed), 1u) << "the run berthd left";
  EXPECT_EQ(counters.Total(DeployOutcome::kFailed), 2u);
  EXPECT_EQ(counters.Durations(DeployOutcome::kFailed).count, 1u) << "the one with a duration";

  counters.Observe(Event("web", 10, "started", 0));
  counters.Observe(Event("web", 10, "succeeded", 1'000));
  EXPECT_EQ(CountOf(counters, "web", DeployOutcome::kSucceeded), 2u);
  EXPECT_EQ(counters.Durations(DeployOutcome::kSucceeded).count, 2u);
}

TEST(DeploymentCountersTest, ForgettingAnAppKeepsTheTotals) {
  DeploymentCounters counters;
  counters.Count("web", DeployOutcome::kSucceeded, 1'000);
  counters.Count("api", DeployOutcome::kSucceeded, std::nullopt);
  counters.Forget("web");
  EXPECT_EQ(counters.by_app().count("web"), 0u);
  EXPECT_EQ(CountOf(counters, "api", DeployOutcome::kSucceeded), 1u);
  EXPECT_EQ(counters.Total(DeployOutcome::kSucceeded), 2u);
  EXPECT_EQ(counters.Durations(DeployOutcome::kSucceeded).count, 1u);
}

}  // namespace
}  // namespace berth
