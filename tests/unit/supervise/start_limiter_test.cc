// Tests of StartLimiter: at most `burst` starts within any interval, the wait past it, and an
// interval of 0 that turns the limit off.
#include "supervise/start_limiter.h"

#include <gtest/gtest.h>

namespace berth {
namespace {

TEST(StartLimiterTest, StartsUpToTheBurstAtOnce) {
  StartLimit limit{.burst = 3, .interval_seconds = 10};
  StartLimiter limiter;
  for (int64_t now : {1000, 1001, 1002}) {
    EXPECT_EQ(limiter.NextStartMs(limit, now), now);
    limiter.Record(limit, now);
  }
  // The fourth start waits until the first leaves the interval.
  EXPECT_EQ(limiter.NextStartMs(limit, 1003), 11000);
  EXPECT_EQ(limiter.NextStartMs(limit, 10999), 11000);
  EXPECT_EQ(limiter.NextStartMs(limit, 11000), 11000);
  limiter.Record(limit, 11000);
  EXPECT_EQ(limiter.NextStartMs(limit, 11000), 11001);
}

TEST(StartLimiterTest, CountsOnlyStartsWithinTheInterval) {
  StartLimit limit{.burst = 2, .interval_seconds = 1};
  StartLimiter limiter;
  limiter.Record(limit, 0);
  limiter.Record(limit, 5000);
  EXPECT_EQ(limiter.NextStartMs(limit, 5001), 5001);
  limiter.Record(limit, 5001);
  EXPECT_EQ(limiter.NextStartMs(limit, 5002), 6000);
}

TEST(StartLimiterTest, AnIntervalOfZeroIsNoLimit) {
  StartLimit limit{.burst = 1, .interval_seconds = 0};
  StartLimiter limiter;
  for (int64_t now = 0; now < 100; ++now) limiter.Record(limit, now);
  EXPECT_EQ(limiter.NextStartMs(limit, 100), 100);
}

TEST(StartLimiterTest, TheDefaultAllowsTenStartsInFiveSeconds) {
  // An app that ends as soon as it starts and asks to start again every millisecond.
  StartLimit limit;
  StartLimiter limiter;
  int starts = 0;
  for (int64_t now = 0; now < 5000;) {
    int64_t next = limiter.NextStartMs(limit, now);
    if (next >= 5000) break;
    limiter.Record(limit, next);
    ++starts;
    now = next + 1;
  }
  EXPECT_EQ(starts, 10);
}

TEST(StartLimiterTest, ALargerBurstAfterSomeStartsCountsThemAll) {
  StartLimit small{.burst = 2, .interval_seconds = 10};
  StartLimit large{.burst = 4, .interval_seconds = 10};
  StartLimiter limiter;
  limiter.Record(small, 0);
  limiter.Record(small, 1);
  limiter.Record(large, 2);
  EXPECT_EQ(limiter.NextStartMs(large, 3), 3);
  limiter.Record(large, 3);
  EXPECT_EQ(limiter.NextStartMs(large, 4), 10000);
}

}  // namespace
}  // namespace berth
