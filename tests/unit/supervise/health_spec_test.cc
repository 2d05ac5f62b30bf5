// Tests of the `health` field of app definitions: its three probes, defaults, the canonical
// JSON, and every mistake named by its field.
#include "supervise/health_spec.h"

#include <gtest/gtest.h>

#include "supervise/app_spec.h"

namespace berth {
namespace {

using nlohmann::json;

Result<AppSpec> Parse(json health, json app = {{"command", {"true"}}, {"port", 8080}}) {
  app["health"] = std::move(health);
  return ParseAppSpec(app, "web");
}

// The field a refused definition names.
std::string FieldOf(const Result<AppSpec>& spec) {
  EXPECT_FALSE(spec.ok());
  return spec.ok() ? "" : spec.status().field();
}

TEST(HealthSpecTest, NoHealthIsNoCheck) {
  auto spec = ParseAppSpec({{"command", {"true"}}}, "web");
  ASSERT_TRUE(spec.ok());
  EXPECT_FALSE(spec->health);
  EXPECT_TRUE(AppSpecToJson(*spec)["health"].is_null());
}

TEST(HealthSpecTest, HttpWithDefaults) {
  auto spec = Parse({{"http", "/up"}});
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  ASSERT_TRUE(spec->health);
  EXPECT_EQ(HealthProbeType::kHttp, spec->health->type);
  EXPECT_EQ("/up", spec->health->path);
  EXPECT_EQ(10, spec->health->interval_s);
  EXPECT_EQ(5, spec->health->timeout_s);
  EXPECT_EQ(3, spec->health->retries);
  EXPECT_EQ(8080, HealthPort(*spec));
  EXPECT_EQ(json::parse(R"({"http": "/up", "host": null, "status": null, "interval": 10,
                            "timeout": 5, "retries": 3, "port": null})"),
            AppSpecToJson(*spec)["health"]);
}

TEST(HealthSpecTest, EveryFieldRoundTrips) {
  for (json health : {json::parse(R"({"http": "/up?full=1", "host": "api.example.com",
                                       "status": [200, 204], "interval": 0.5, "timeout": 2,
                                       "retries": 1, "port": 9000})"),
                      json::parse(R"({"tcp": true, "interval": 30, "timeout": 1, "retries": 5,
                                      "port": null})"),
                      json::parse(R"({"exec": ["pg_isready", "-q"], "interval": 10,
                                      "timeout": 5, "retries": 3})")}) {
    auto spec = Parse(health);
    ASSERT_TRUE(spec.ok()) << spec.status().message();
    json out = AppSpecToJson(*spec)["health"];
    for (const auto& [key, value] : health.items()) EXPECT_EQ(value, out[key]) << key;
    auto again = Parse(out);
    ASSERT_TRUE(again.ok()) << again.status().message();
    EXPECT_EQ(spec->health, again->health);
  }
}

TEST(HealthSpecTest, AStatusAloneIsAList) {
  auto spec = Parse({{"http", "/"}, {"status", 418}});
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(std::vector<int>{418}, spec->health->status);
  EXPECT_TRUE(PassesHttpCheck(*spec->health, 418));
  EXPECT_FALSE(PassesHttpCheck(*spec->health, 200));
}

TEST(HealthSpecTest, ByDefault2xxAnd3xxPass) {
  HealthSpec health;
  EXPECT_TRUE(PassesHttpCheck(health, 200));
  EXPECT_TRUE(PassesHttpCheck(health, 302));
  EXPECT_FALSE(PassesHttpCheck(health, 404));
  EXPECT_FALSE(PassesHttpCheck(health, 500));
}

TEST(HealthSpecTest, MistakesNameTheirField) {
  EXPECT_EQ("health", FieldOf(Parse("/up")));
  EXPECT_EQ("health", FieldOf(Parse(json::object())));
  EXPECT_EQ("health", FieldOf(Parse({{"http", "/up"}, {"tcp", true}})));
  EXPECT_EQ("health.http", FieldOf(Parse({{"http", "up"}})));
  EXPECT_EQ("health.http", FieldOf(Parse({{"http", "/a b"}})));
  EXPECT_EQ("health.tcp", FieldOf(Parse({{"tcp", false}})));
  EXPECT_EQ("health.exec", FieldOf(Parse({{"exec", json::array()}})));
  EXPECT_EQ("health.exec", FieldOf(Parse({{"exec", "true"}})));
  EXPECT_EQ("health.exec", FieldOf(Parse({{"exec", {"true", 1}}})));
  EXPECT_EQ("health.interval", FieldOf(Parse({{"tcp", true}, {"interval", 0}})));
  EXPECT_EQ("health.timeout", FieldOf(Parse({{"tcp", true}, {"timeout", "5"}})));
  EXPECT_EQ("health.retries", FieldOf(Parse({{"tcp", true}, {"retries", 1.5}})));
  EXPECT_EQ("health.port", FieldOf(Parse({{"tcp", true}, {"port", 70000}})));
  EXPECT_EQ("health.port", FieldOf(Parse({{"exec", {"true"}}, {"port", 80}})));
  EXPECT_EQ("health.status", FieldOf(Parse({{"http", "/"}, {"status", 99}})));
  EXPECT_EQ("health.status", FieldOf(Parse({{"tcp", true}, {"status", 200}})));
  EXPECT_EQ("health.host", FieldOf(Parse({{"tcp", true}, {"host", "a.example.com"}})));
  EXPECT_EQ("health.host", FieldOf(Parse({{"http", "/"}, {"host", "a b"}})));
  EXPECT_EQ("health.path", FieldOf(Parse({{"http", "/"}, {"path", "/"}})));
}

TEST(HealthSpecTest, AnHttpOrTcpCheckNeedsAPort) {
  json no_port = {{"command", {"true"}}};
  EXPECT_EQ("health.port", FieldOf(Parse({{"tcp", true}}, no_port)));
  EXPECT_EQ("health.port", FieldOf(Parse({{"http", "/"}}, no_port)));
  EXPECT_TRUE(Parse({{"tcp", true}, {"port", 9000}}, no_port).ok());
  EXPECT_TRUE(Parse({{"exec", {"true"}}}, no_port).ok());
}

TEST(HealthSpecTest, AContainerChecksItsFirstPortInside) {
  json container = {{"kind", "container"},
                    {"image", "nginx:1"},
                    {"ports", json::parse(R"([{"host": 8081, "container": 80},
                                             {"host": 8443, "container": 443}])")}};
  auto spec = Parse({{"http", "/"}}, container);
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  EXPECT_EQ(80, HealthPort(*spec));
}

TEST(HealthSpecTest, AComposeCheckNamesAServiceAndAPortAndRunsNoCommand) {
  json compose = {{"kind", "compose"}, {"source", {{"git", {{"url", "https://example.com/r"}}}}}};
  EXPECT_EQ("health.service", FieldOf(Parse({{"tcp", true}, {"port", 80}}, compose)));
  EXPECT_EQ("health.port", FieldOf(Parse({{"tcp", true}, {"service", "web"}}, compose)));
  EXPECT_EQ("health.exec", FieldOf(Parse({{"exec", {"true"}}, {"service", "web"}}, compose)));
  auto spec = Parse({{"http", "/"}, {"service", "web"}, {"port", 80}}, compose);
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  EXPECT_EQ("web", AppSpecToJson(*spec)["health"]["service"]);
  EXPECT_EQ("health.service", FieldOf(Parse({{"tcp", true}, {"service", "web"}})));
}

TEST(HealthSpecTest, AChangeOfHealthDoesNotRestartTheApp) {
  auto a = Parse({{"http", "/up"}});
  auto b = Parse({{"tcp", true}, {"interval", 1}});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_FALSE(ChangesHowItRuns(*a, *b));
  EXPECT_NE(*a, *b);
}

}  // namespace
}  // namespace berth
