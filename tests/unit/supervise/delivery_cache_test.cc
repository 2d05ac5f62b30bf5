// Tests of the webhook delivery-id cache: a day's memory, bounded size.
#include "supervise/delivery_cache.h"

#include <gtest/gtest.h>

namespace berth {
namespace {

constexpr int64_t kHour = 60 * 60 * 1000;

TEST(DeliveryCache, KnowsAnIdForADay) {
  DeliveryCache cache;
  EXPECT_FALSE(cache.SeenBefore("a", 0));
  EXPECT_TRUE(cache.SeenBefore("a", 1));
  EXPECT_TRUE(cache.SeenBefore("a", 23 * kHour));
  EXPECT_FALSE(cache.SeenBefore("b", 23 * kHour));
  // A day after its first sighting the id is new again (a repeat does not extend it).
  EXPECT_FALSE(cache.SeenBefore("a", 24 * kHour));
  EXPECT_TRUE(cache.SeenBefore("a", 24 * kHour + 1));
}

TEST(DeliveryCache, ForgetsTheOldestBeyondItsSize) {
  DeliveryCache cache(3);
  for (const char* id : {"a", "b", "c"}) EXPECT_FALSE(cache.SeenBefore(id, 0));
  EXPECT_EQ(3u, cache.size());
  EXPECT_FALSE(cache.SeenBefore("d", 1));
  EXPECT_EQ(3u, cache.size());
  EXPECT_TRUE(cache.SeenBefore("d", 2));
  EXPECT_TRUE(cache.SeenBefore("b", 2));
  EXPECT_FALSE(cache.SeenBefore("a", 2));  // forgotten first
}

TEST(DeliveryCache, ExpiredIdsMakeRoom) {
  DeliveryCache cache(2, 10);
  EXPECT_FALSE(cache.SeenBefore("a", 0));
  EXPECT_FALSE(cache.SeenBefore("b", 5));
  EXPECT_FALSE(cache.SeenBefore("c", 12));  // "a" expired
  EXPECT_TRUE(cache.SeenBefore("b", 13));
  EXPECT_EQ(2u, cache.size());
}

}  // namespace
}  // namespace berth
