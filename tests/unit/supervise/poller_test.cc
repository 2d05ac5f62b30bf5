// Tests of the poll schedule's arithmetic (jitter, backoff) and of what counts as a move.
#include "supervise/poller.h"

#include <gtest/gtest.h>

namespace berth {
namespace {

TEST(PollDelayMs, IsTheIntervalWithinTenPercent) {
  EXPECT_EQ(10000, PollDelayMs(10, 0, 0.0));
  EXPECT_EQ(9000, PollDelayMs(10, 0, -1.0));
  EXPECT_EQ(11000, PollDelayMs(10, 0, 1.0));
  EXPECT_EQ(315000, PollDelayMs(300, 0, 0.5));
}

TEST(PollDelayMs, DoublesAfterEachFailureUpToEightTimes) {
  EXPECT_EQ(20000, PollDelayMs(10, 1, 0.0));
  EXPECT_EQ(40000, PollDelayMs(10, 2, 0.0));
  EXPECT_EQ(80000, PollDelayMs(10, 3, 0.0));
  EXPECT_EQ(80000, PollDelayMs(10, 4, 0.0));
  EXPECT_EQ(80000, PollDelayMs(10, 1000, 0.0));
  EXPECT_EQ(88000, PollDelayMs(10, 50, 1.0));
  EXPECT_EQ(72000, PollDelayMs(10, 50, -1.0));
}

TEST(PollDelayMs, ClampsAJitterOutOfRange) {
  EXPECT_EQ(11000, PollDelayMs(10, 0, 7.0));
  EXPECT_EQ(9000, PollDelayMs(10, 0, -7.0));
}

TEST(PollDelayMs, HoldsTheLongestIntervalWithoutOverflow) {
  EXPECT_EQ(int64_t{7} * 86400 * 1000 * kMaxPollBackoff, PollDelayMs(7 * 86400, 99, 0.0));
}

TEST(RevisionMoved, ComparesFullAndAbbreviatedShas) {
  const std::string serving = "0123456789abcdef0123456789abcdef01234567";
  EXPECT_FALSE(RevisionMoved(serving, serving));
  EXPECT_FALSE(RevisionMoved("0123456", serving));
  EXPECT_TRUE(RevisionMoved("fedcba9876543210fedcba9876543210fedcba98", serving));
  EXPECT_TRUE(RevisionMoved(serving, ""));  // nothing serves yet
  EXPECT_FALSE(RevisionMoved("", serving));  // the remote said nothing
}

}  // namespace
}  // namespace berth
