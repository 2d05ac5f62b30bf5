// Tests for parse_args: flag forms, positionals, and the errors a user sees.
#include "cli/args.h"

#include <gtest/gtest.h>

namespace berth::cli {
namespace {

const std::vector<FlagSpec> kFlags = {
    {.name = "json"},
    {.name = "entries", .short_name = 'n', .takes_value = true},
    {.name = "follow", .short_name = 'f'},
};

TEST(ArgsTest, ReadsSwitchesValuesAndPositionalsInAnyOrder) {
  auto parsed = parse_args({"-n", "20", "web", "--json", "-f"}, kFlags);
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed->positionals, std::vector<std::string>{"web"});
  EXPECT_EQ(parsed->value("entries"), "20");
  EXPECT_TRUE(parsed->has("json"));
  EXPECT_TRUE(parsed->has("follow"));
}

TEST(ArgsTest, AcceptsAttachedValues) {
  auto parsed = parse_args({"--entries=5", "-n7"}, kFlags);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->value("entries"), "7");  // the last one wins
}

TEST(ArgsTest, TreatsALoneDashAsAPositionalAndDoubleDashAsTheEndOfFlags) {
  auto parsed = parse_args({"-", "--", "--json"}, kFlags);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->positionals, (std::vector<std::string>{"-", "--json"}));
  EXPECT_FALSE(parsed->has("json"));
}

TEST(ArgsTest, RejectsUnknownFlagsNamingThem) {
  auto parsed = parse_args({"--purge"}, kFlags);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().message(), "unknown flag --purge");
  EXPECT_EQ(parse_args({"-x"}, kFlags).status().message(), "unknown flag -x");
}

TEST(ArgsTest, RejectsAMissingValueAndAValueGivenToASwitch) {
  EXPECT_EQ(parse_args({"web", "-n"}, kFlags).status().message(), "-n needs a value");
  EXPECT_EQ(parse_args({"--json=yes"}, kFlags).status().message(), "--json takes no value");
  EXPECT_FALSE(parse_args({"-fx"}, kFlags).ok());
}

TEST(ArgsTest, StopsAtTheFirstPositionalWhenAsked) {
  auto parsed =
      parse_args({"--json", "logs", "-n", "3"}, kFlags, ParseMode::kStopAtFirstPositional);
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->has("json"));
  EXPECT_EQ(parsed->positionals, (std::vector<std::string>{"logs", "-n", "3"}));
  EXPECT_FALSE(parsed->has("entries"));
}

TEST(ArgsTest, MergeReplacesFlagsPresentInBoth) {
  ParsedArgs global;
  global.set("url", "http://a");
  global.set("token", "t");
  ParsedArgs local;
  local.set("url", "http://b");
  global.merge_flags(local);
  EXPECT_EQ(global.value("url"), "http://b");
  EXPECT_EQ(global.value("token"), "t");
}

}  // namespace
}  // namespace berth::cli
