// Tests of how berthctl reads and shows grants and times.
#include "cli/user_format.h"

#include <gtest/gtest.h>

namespace berth::cli {
namespace {

using nlohmann::json;

TEST(UserFormatTest, ParsesGrantFlags) {
  Result<json> grant = parse_grant("app:shop-*=view,control");
  ASSERT_TRUE(grant.ok()) << grant.status().message();
  EXPECT_EQ(*grant, json::parse(R"({"scope":"app:shop-*","actions":["view","control"]})"));
  for (const char* bad : {"app:shop", "=view", "global=", "global=,"}) {
    EXPECT_FALSE(parse_grant(bad).ok()) << bad;
  }
}

TEST(UserFormatTest, AddsActionsToTheGrantOfAScopeOrANewOne) {
  json grants = json::parse(R"([{"scope":"app:shop","actions":["view"]}])");
  EXPECT_EQ(add_grant(grants, "app:shop", {"view", "control"}),
            json::parse(R"([{"scope":"app:shop","actions":["view","control"]}])"));
  EXPECT_EQ(add_grant(grants, "global", {"create_apps"}),
            json::parse(R"([{"scope":"app:shop","actions":["view"]},
                            {"scope":"global","actions":["create_apps"]}])"));
  EXPECT_EQ(add_grant(json(), "global", {"view"}),
            json::parse(R"([{"scope":"global","actions":["view"]}])"));
}

TEST(UserFormatTest, RemovesActionsOrWholeGrants) {
  json grants = json::parse(R"([{"scope":"app:shop","actions":["view","control"]},
                                {"scope":"global","actions":["view"]}])");
  Result<json> fewer = remove_grant(grants, "app:shop", {"control"});
  ASSERT_TRUE(fewer.ok());
  EXPECT_EQ(*fewer, json::parse(R"([{"scope":"app:shop","actions":["view"]},
                                    {"scope":"global","actions":["view"]}])"));
  Result<json> whole = remove_grant(grants, "app:shop", {});
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(*whole, json::parse(R"([{"scope":"global","actions":["view"]}])"));
  Result<json> emptied = remove_grant(grants, "global", {"view"});
  ASSERT_TRUE(emptied.ok());
  EXPECT_EQ(emptied->size(), 1u);
  Result<json> missing = remove_grant(grants, "app:blog", {});
  EXPECT_EQ(missing.status().code(), Status::Code::kNotFound);
  EXPECT_EQ(missing.status().message(), "there is no grant on app:blog");
}

TEST(UserFormatTest, ShowsGrantsOnOneLine) {
  EXPECT_EQ(grants_text(json::parse(R"([{"scope":"global","actions":["manage"]},
                                        {"scope":"app:shop-*","actions":["view","control"]}])")),
            "global: manage; app:shop-*: view,control");
  EXPECT_EQ(grants_text(json::array()), "-");
  EXPECT_EQ(grants_text(json(), "(the user's)"), "(the user's)");
}

TEST(UserFormatTest, TimesAreTimestampsOrAges) {
  TimePoint now = *parse_timestamp("2026-11-25T08:00:00Z");
  EXPECT_EQ(format_timestamp(now), "2026-11-25T08:00:00.000Z");
  EXPECT_EQ(parse_time("30d", now, true).value(), "2026-12-25T08:00:00.000Z");
  EXPECT_EQ(parse_time("2h", now, false).value(), "2026-11-25T06:00:00.000Z");
  EXPECT_EQ(parse_time("90s", now, true).value(), "2026-11-25T08:01:30.000Z");
  EXPECT_EQ(parse_time("2027-01-01T00:00:00Z", now, true).value(), "2027-01-01T00:00:00Z");
  for (const char* bad : {"", "30", "d", "3w", "-1d", "tomorrow"}) {
    EXPECT_FALSE(parse_time(bad, now, true).ok()) << bad;
  }
}

}  // namespace
}  // namespace berth::cli
