// LoginLimiter: free attempts, then doubling waits, per user and per address.
#include "handlers/login_limiter.h"

#include <gtest/gtest.h>

namespace berth {
namespace {

TEST(LoginLimiterTest, WaitsDoubleAfterTheFreeFailures) {
  LoginLimiter limiter;
  int64_t now = 1000000;
  for (int i = 0; i < LoginLimiter::kFreeFailures; ++i) {
    EXPECT_EQ(limiter.WaitMs("alice", "10.0.0.1", now), 0);
    limiter.Failed("alice", "10.0.0.1", now);
  }
  EXPECT_EQ(limiter.WaitMs("alice", "10.0.0.1", now), 0);
  limiter.Failed("alice", "10.0.0.1", now);
  EXPECT_EQ(limiter.WaitMs("alice", "10.0.0.1", now), 1000);
  // Another address guessing the same user waits too; the same address for another user too.
  EXPECT_EQ(limiter.WaitMs("alice", "10.0.0.2", now), 1000);
  EXPECT_EQ(limiter.WaitMs("bob", "10.0.0.1", now), 1000);
  EXPECT_EQ(limiter.WaitMs("bob", "10.0.0.2", now), 0);
  limiter.Failed("alice", "10.0.0.1", now + 1000);
  EXPECT_EQ(limiter.WaitMs("alice", "10.0.0.1", now + 1000), 2000);
  for (int i = 0; i < 30; ++i) limiter.Failed("alice", "10.0.0.1", now + 2000);
  EXPECT_EQ(limiter.WaitMs("alice", "10.0.0.1", now + 2000), LoginLimiter::kMaxDelayMs);
}

TEST(LoginLimiterTest, ASuccessClearsTheCounts) {
  LoginLimiter limiter;
  for (int i = 0; i < 6; ++i) limiter.Failed("alice", "10.0.0.1", 0);
  limiter.Succeeded("alice", "10.0.0.1");
  EXPECT_EQ(limiter.WaitMs("alice", "10.0.0.1", 0), 0);
}

}  // namespace
}  // namespace berth
