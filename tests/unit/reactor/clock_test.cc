// ParseRfc3339 against FormatRfc3339 and the forms clients send.
#include "reactor/clock.h"

#include <gtest/gtest.h>

namespace berth {
namespace {

TEST(ParseRfc3339Test, ReadsWhatFormatWrites) {
  int64_t ms = 1795000000123;
  EXPECT_EQ(ParseRfc3339(FormatRfc3339(ms)), ms);
}

TEST(ParseRfc3339Test, ReadsOffsetsDatesAndFractions) {
  EXPECT_EQ(ParseRfc3339("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseRfc3339("1970-01-01T01:00:00+01:00"), 0);
  EXPECT_EQ(ParseRfc3339("1970-01-01T00:00:00.5Z"), 500);
  EXPECT_EQ(ParseRfc3339("1970-01-02"), 86400000);
}

TEST(ParseRfc3339Test, RefusesWhatIsNotOne) {
  for (const char* bad :
       {"", "yesterday", "2026-13-01T00:00:00Z", "2026-01-01T00:00:00", "2026-01-01T00:00:00Zjunk",
        "2026-01-01T25:00:00Z", "2026-01-01T00:00:00.Z"})
    EXPECT_FALSE(ParseRfc3339(bad)) << bad;
}

}  // namespace
}  // namespace berth
