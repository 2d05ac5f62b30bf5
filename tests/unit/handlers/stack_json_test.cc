// Tests of the /stacks API's pure parts: bodies, Rails' validation messages, the mapping onto
// an app definition, the stack JSON, header normalisation, times and Ruby's to_i.
#include "handlers/stack_json.h"

#include <gtest/gtest.h>

#include <regex>

namespace berth {
namespace {

using nlohmann::json;

json ValidStack() {
  return {{"name", "web"},
          {"git_repository", "https://git.example/web.git"},
          {"git_reference", "refs/heads/main"},
          {"compose_file", "compose.yaml"},
          {"strategy", "polling"},
          {"polling_interval", 30}};
}

std::string Errors(const json& stack, bool taken = false) {
  return ValidateStack(stack, taken).dump();
}

TEST(StackParamsTest, TakesTheWrappedOrTheTopLevelAttributesAndDropsTheRest) {
  EXPECT_EQ(StackParams(R"({"stack":{"name":"a","id":7},"strategy":"x"})"), json({{"name", "a"}}));
  EXPECT_EQ(StackParams(R"({"name":"a","unknown":1,"uuid":"u"})"), json({{"name", "a"}}));
  EXPECT_EQ(StackParams(R"({"compose_variables":{"A":"1"},"compose_includes":["x.yml"]})"),
            json({{"compose_variables", {{"A", "1"}}}, {"compose_includes", {"x.yml"}}}));
}

TEST(StackParamsTest, EmptyNonObjectInvalidOrAttributelessBodiesAreBadRequests) {
  for (const char* body : {"", "[]", "\"web\"", "{", "{}", R"({"other":1})", R"({"stack":"web"})",
                           R"({"stack":{}})", R"({"name":{"nested":1}})"})
    EXPECT_FALSE(StackParams(body)) << body;
}

TEST(ValidateStackTest, AValidStackHasNoErrors) { EXPECT_EQ(Errors(ValidStack()), "{}"); }

TEST(ValidateStackTest, BlankAttributesInUpstreamsOrderWithRailsMessages) {
  json stack = {{"name", nullptr}, {"git_repository", ""}, {"git_reference", "  "}};
  EXPECT_EQ(Errors(stack),
            R"({"name":["can't be blank"],"git_repository":["can't be blank"],)"
            R"("git_reference":["can't be blank"],"compose_file":["can't be blank"],)"
            R"("strategy":["is not included in the list","can't be blank"]})");
}

TEST(ValidateStackTest, RepositoryUrlsNeedAKnownScheme) {
  json stack = ValidStack();
  stack["git_repository"] = "ftp://host/repo.git";
  EXPECT_EQ(Errors(stack),
            R"({"git_repository":["scheme must be one of file, ssh, http, or https"]})");
  stack["git_repository"] = "git@github.com:me/repo.git";
  EXPECT_EQ(Errors(stack),
            R"({"git_repository":["scheme must be one of file, ssh, http, or https"]})");
  stack["git_repository"] = "https://host/a b";
  EXPECT_EQ(Errors(stack), R"({"git_repository":["is not a valid URL"]})");
  stack["git_repository"] = "file:///srv/repo.git";
  EXPECT_EQ(Errors(stack), "{}");
}

TEST(ValidateStackTest, NamesAreUniqueAndFollowBerthsRule) {
  json stack = ValidStack();
  EXPECT_EQ(Errors(stack, true), R"({"name":["has already been taken"]})");
  stack["name"] = "Web_1";
  EXPECT_EQ(Errors(stack), R"({"name":["is invalid"]})");
}

TEST(ValidateStackTest, PollingIntervalsAreWholePositiveNumbersOfAtLeastTen) {
  json stack = ValidStack();
  auto interval_error = [&](const json& value) {
    stack["polling_interval"] = value;
    return Errors(stack);
  };
  EXPECT_EQ(interval_error(nullptr), R"({"polling_interval":["is not a number"]})");
  EXPECT_EQ(interval_error("soon"), R"({"polling_interval":["is not a number"]})");
  EXPECT_EQ(interval_error(1.5), R"({"polling_interval":["must be an integer"]})");
  EXPECT_EQ(interval_error("2.5"), R"({"polling_interval":["must be an integer"]})");
  EXPECT_EQ(interval_error(0), R"({"polling_interval":["must be greater than 0"]})");
  EXPECT_EQ(interval_error(-3), R"({"polling_interval":["must be greater than 0"]})");
  EXPECT_EQ(interval_error(5), R"({"polling_interval":["must be greater than or equal to 10"]})");
  EXPECT_EQ(interval_error("60"), "{}");
  stack["strategy"] = "webhook";
  stack["polling_interval"] = nullptr;
  EXPECT_EQ(Errors(stack),
            R"({"signature_header":["can't be blank"],"signature_secret":["can't be blank"]})");
}

TEST(ValidateStackTest, StrategiesOtherThanPollingAndWebhookAreNotInTheList) {
  json stack = ValidStack();
  stack["strategy"] = "manual";
  EXPECT_EQ(Errors(stack), R"({"strategy":["is not included in the list"]})");
}

TEST(NormalizeSignatureHeaderTest, CapitalisesEveryWordAndJoinsThemWithDashes) {
  EXPECT_EQ(NormalizeSignatureHeader("x_hub_signature_256"), "X-Hub-Signature-256");
  EXPECT_EQ(NormalizeSignatureHeader("X-HUB-SIGNATURE"), "X-Hub-Signature");
  EXPECT_EQ(NormalizeSignatureHeader("x gitea signature"), "X-Gitea-Signature");
  // Unlike Rails' humanize, a trailing id stays: it is part of the header's name.
  EXPECT_EQ(NormalizeSignatureHeader("x_request_id"), "X-Request-Id");
  EXPECT_EQ(NormalizeSignatureHeader(""), "");
}

TEST(StackAppJsonTest, MapsTheAttributesOntoAComposeAppFromGit) {
  json stack = ValidStack();
  stack["git_username"] = "me";
  stack["git_token"] = "t0k";
  stack["compose_variables"] = {{"GREETING", "hi"}, {"N", 3}};
  stack["compose_includes"] = {"extra.yml"};
  stack["signature_header"] = "x_hub_signature_256";
  stack["signature_secret"] = "s3cret";
  json app = StackAppJson(stack, json::object());
  auto spec = ParseAppSpec(app, "web");
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  EXPECT_EQ(spec->kind(), AppKind::kCompose);
  EXPECT_EQ(spec->source->url, "https://git.example/web.git");
  EXPECT_EQ(spec->source->ref, "refs/heads/main");
  EXPECT_EQ(spec->source->token, "t0k");
  EXPECT_EQ(spec->compose()->file, "compose.yaml");
  EXPECT_EQ(spec->compose()->includes, std::vector<std::string>{"extra.yml"});
  EXPECT_EQ(spec->compose()->variables.at("N"), "3");
  EXPECT_EQ(spec->deploy.strategy, DeployStrategy::kPolling);
  EXPECT_EQ(spec->deploy.interval_s, 30);
  EXPECT_EQ(spec->deploy.signature_header, "X-Hub-Signature-256");
  EXPECT_EQ(spec->deploy.secret, "s3cret");
  // And back, secrets in clear for merging.
  json attributes = StackAttributes(*spec);
  EXPECT_EQ(attributes["git_token"], "t0k");
  EXPECT_EQ(attributes["polling_interval"], 30);
}

TEST(StackAttributeOfTest, NamesTheAttributeAnAppFieldMapsTo) {
  EXPECT_EQ(StackAttributeOf("source.git.url"), "git_repository");
  EXPECT_EQ(StackAttributeOf("compose.variables.A"), "compose_variables");
  EXPECT_EQ(StackAttributeOf("compose.includes[0]"), "compose_includes");
  EXPECT_EQ(StackAttributeOf("deploy.interval"), "polling_interval");
  EXPECT_EQ(StackAttributeOf("deploy.signature_header"), "signature_header");
  EXPECT_EQ(StackAttributeOf("routes[0].host"), "base");
}

TEST(StackJsonTest, HasUpstreamsKeysInSchemaOrderAndMasksSecrets) {
  json stack = ValidStack();
  stack["git_token"] = "t0k";
  auto spec = ParseAppSpec(StackAppJson(stack, json::object()), "web");
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  StoredStack row{7, "web", "uuid-1", "2026-12-05T22:31:07.123Z", "2026-12-05T22:31:08.000Z"};
  StackStats stats{.processed = 2, .failed = 1, .last_run = "t", .last_action = "deploy"};
  std::string full = StackJson(*spec, row, stats, true, true).dump();
  EXPECT_EQ(
      full,
      R"({"id":7,"name":"web","uuid":"uuid-1","git_repository":"https://git.example/web.git",)"
      R"("git_reference":"refs/heads/main","git_username":null,"git_token":"***",)"
      R"("compose_file":"compose.yaml","compose_variables":{},"compose_includes":[],)"
      R"("strategy":"polling","polling_interval":30,"signature_header":null,)"
      R"("signature_secret":null,"processed":2,"failed":1,"last_run":"t",)"
      R"("created_at":"2026-12-05T22:31:07.123Z","updated_at":"2026-12-05T22:31:08.000Z",)"
      R"("healthy":true,"last_action":"deploy"})");
  std::string shown = StackJson(*spec, row, stats, false, false).dump();
  EXPECT_EQ(shown.find("processed"), std::string::npos);
  EXPECT_EQ(shown.find("last_action"), std::string::npos);
  EXPECT_NE(shown.find(R"("healthy":false)"), std::string::npos);
}

TEST(RailsTimeTest, IsUtcIso8601WithMilliseconds) {
  EXPECT_EQ(RailsTime(1796509867123), "2026-12-05T22:31:07.123Z");
  EXPECT_EQ(RailsTime(0), "1970-01-01T00:00:00.000Z");
}

TEST(RubyToIntegerTest, ReadsLeadingDigitsAsRubysToI) {
  EXPECT_EQ(RubyToInteger("12"), 12);
  EXPECT_EQ(RubyToInteger("  7abc"), 7);
  EXPECT_EQ(RubyToInteger("abc"), 0);
  EXPECT_EQ(RubyToInteger(""), 0);
  EXPECT_EQ(RubyToInteger("-3"), -3);
  EXPECT_EQ(RubyToInteger("+4"), 4);
  EXPECT_EQ(RubyToInteger("1_000"), 1000);
  EXPECT_EQ(RubyToInteger("99999999999999999999"), 1000000000);
}

TEST(NewStackUuidTest, IsARandomVersion4Uuid) {
  std::regex v4("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  std::string a = NewStackUuid(), b = NewStackUuid();
  EXPECT_TRUE(std::regex_match(a, v4)) << a;
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace berth
