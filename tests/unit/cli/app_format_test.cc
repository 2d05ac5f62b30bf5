// Tests for the text renderings of apps and events.
#include "cli/app_format.h"

#include <gtest/gtest.h>

namespace berth::cli {
namespace {

using nlohmann::json;
using std::chrono::seconds;

TEST(AppFormatTest, ParsesRfc3339Timestamps) {
  auto base = parse_timestamp("2026-11-25T08:00:00.000Z");
  ASSERT_TRUE(base.has_value());
  EXPECT_EQ(std::chrono::system_clock::to_time_t(*base), 1795593600);
  EXPECT_EQ(parse_timestamp("2026-11-25T08:00:00Z"), base);
  EXPECT_EQ(parse_timestamp("2026-11-25T09:30:00.5+01:30"), base);
}

TEST(AppFormatTest, RejectsWhatIsNotATimestamp) {
  EXPECT_FALSE(parse_timestamp("").has_value());
  EXPECT_FALSE(parse_timestamp("yesterday").has_value());
  EXPECT_FALSE(parse_timestamp("2026-11-25T08:00:00").has_value());
  EXPECT_FALSE(parse_timestamp("2026-11-25 08:00:00Z").has_value());
}

TEST(AppFormatTest, FormatsAgesWithTwoUnitsAtMost) {
  EXPECT_EQ(format_age(seconds(0)), "0s");
  EXPECT_EQ(format_age(seconds(45)), "45s");
  EXPECT_EQ(format_age(seconds(192)), "3m12s");
  EXPECT_EQ(format_age(seconds(180)), "3m");
  EXPECT_EQ(format_age(seconds(2 * 3600 + 5 * 60 + 9)), "2h5m");
  EXPECT_EQ(format_age(seconds(3 * 86400 + 4 * 3600)), "3d4h");
  EXPECT_EQ(format_age(seconds(-5)), "0s");
}

TEST(AppFormatTest, FieldTextShowsNullAndMissingAsDash) {
  json object = {{"s", "x"}, {"n", 42}, {"b", true}, {"z", nullptr}};
  EXPECT_EQ(field_text(object, "s"), "x");
  EXPECT_EQ(field_text(object, "n"), "42");
  EXPECT_EQ(field_text(object, "b"), "true");
  EXPECT_EQ(field_text(object, "z"), "-");
  EXPECT_EQ(field_text(object, "missing"), "-");
  EXPECT_EQ(field_text(json::array(), "s"), "-");
}

TEST(AppFormatTest, RendersAnAppRow) {
  json app = json::parse(R"({
    "name": "web", "kind": "process", "source": "api",
    "status": {"state": "running", "pid": 4242, "since": "2026-11-25T08:00:00.000Z",
               "restarts": 2, "exit_code": null, "last_error": null}})");
  auto now = *parse_timestamp("2026-11-25T08:03:12Z");
  EXPECT_EQ(app_row(app, now),
            (std::vector<std::string>{"web", "process", "running", "4242", "3m12s", "2", "api"}));
  EXPECT_EQ(app_row(app, now).size(), app_table_headers().size());
}

TEST(AppFormatTest, ShowsACodeSourceByItsUrl) {
  auto now = std::chrono::system_clock::now();
  json app = {{"name", "api"},
              {"source", {{"git", {{"url", "https://git.example.com/a.git"}, {"ref", "main"}}}}}};
  EXPECT_EQ(app_row(app, now).back(), "git https://git.example.com/a.git#main");
  app["source"]["git"].erase("ref");
  EXPECT_EQ(app_row(app, now).back(), "git https://git.example.com/a.git");
  app["source"] = {{"tarball", {{"url", "https://example.com/a.tar.gz"}}}};
  EXPECT_EQ(app_row(app, now).back(), "tarball https://example.com/a.tar.gz");
  app["source"] = "file";
  EXPECT_EQ(app_row(app, now).back(), "file");
}

TEST(AppFormatTest, RendersAnAppRowWithoutStatus) {
  EXPECT_EQ(app_row(json{{"name", "x"}}, std::chrono::system_clock::now()),
            (std::vector<std::string>{"x", "-", "-", "-", "-", "-", "-"}));
}

TEST(AppFormatTest, DescribesAppEvents) {
  SseEvent event{"app",
                 R"({"app":"web","from":"running","to":"backoff","ts":"T","pid":7,"exit_code":1})",
                 "4"};
  EXPECT_EQ(event_line(event), "T web running -> backoff (pid 7, exit_code 1)");
  event.data = R"({"app":"web","from":"stopped","to":"starting","ts":"T","pid":null})";
  EXPECT_EQ(event_line(event), "T web stopped -> starting");
}

TEST(AppFormatTest, DescribesHealthEvents) {
  SseEvent event{"health", R"({"app":"web","ts":"T","health":{"status":"healthy","failures":0}})",
                 ""};
  EXPECT_EQ(event_line(event), "T web health healthy");
  event.data = R"({"app":"web","ts":"T","health":{"status":"unhealthy","failures":2,
                   "last_error":"no answer within 5 s"}})";
  EXPECT_EQ(event_line(event), "T web health unhealthy (2 failures: no answer within 5 s)");
  event.data = R"({"app":"web","ts":"T","health":null})";
  EXPECT_EQ(event_line(event), "T web health not checked");
}

TEST(AppFormatTest, ShowsOtherEventsAsTheyCame) {
  EXPECT_EQ(event_line(SseEvent{"deploy", R"({"app":"web"})", ""}), R"(deploy {"app":"web"})");
  EXPECT_EQ(event_line(SseEvent{"app", "not json", ""}), "app not json");
}

TEST(AppFormatTest, FormatsBytesInPowersOf1024) {
  EXPECT_EQ(format_bytes(0), "0 B");
  EXPECT_EQ(format_bytes(1023), "1023 B");
  EXPECT_EQ(format_bytes(1536), "1.5 KiB");
  EXPECT_EQ(format_bytes(50541363), "48.2 MiB");
  EXPECT_EQ(format_bytes(uint64_t{2} << 30), "2.0 GiB");
  EXPECT_EQ(format_bytes(uint64_t{3} << 50), "3072.0 TiB");
}

TEST(AppFormatTest, RunningIdIsTheShortContainerIdOrThePid) {
  EXPECT_EQ(running_id({{"pid", 42}}), "42");
  EXPECT_EQ(running_id({{"pid", nullptr}, {"container_id", "3f2a1b9c8d7e4f60a1b2c3d4"}}),
            "3f2a1b9c8d7e");
  EXPECT_EQ(running_id({{"pid", nullptr}, {"container_id", nullptr}}), "-");
}

}  // namespace
}  // namespace berth::cli
