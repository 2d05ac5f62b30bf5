// Black-box tests of bad input: every 4xx the contract lists, each with its JSON error body.
#include "tests/integration/berthd_harness.h"

namespace berth::testing {
namespace {

using ErrorsTest = BerthdTest;

nlohmann::json IdleApp(const std::string& name) {
  return ProcessApp(name, Sh("exec sleep 1000"), {{"autostart", false}});
}

TEST_F(ErrorsTest, BodyThatIsNotJsonIs400) {
  EXPECT_TRUE(IsApiError(berthd().Post("/v1/apps", std::string("{not json")), 400, "bad_json"));
  EXPECT_TRUE(
      IsApiError(berthd().Request("PUT", "/v1/apps/err-json", "{\"name\":"), 400, "bad_json"));
  ASSERT_EQ(201, berthd().Post("/v1/apps", IdleApp("err-json")).status);
  EXPECT_TRUE(IsApiError(berthd().Request("PATCH", "/v1/apps/err-json", "nope"), 400, "bad_json"));
  EXPECT_TRUE(
      IsApiError(berthd().Request("POST", "/v1/apps/err-json/control", "{]"), 400, "bad_json"));
}

TEST_F(ErrorsTest, EmptyBodyIsRejected) {
  HttpResponse response = berthd().Post("/v1/apps", std::string(""));
  EXPECT_TRUE(IsApiError(response, 400, "bad_json") || IsApiError(response, 422, "invalid"))
      << response.Describe();
}

TEST_F(ErrorsTest, BodyWithoutJsonContentTypeIs415) {
  std::string body = IdleApp("err-media").dump();
  EXPECT_TRUE(IsApiError(berthd().Post("/v1/apps", body, {"Content-Type: text/plain"}), 415,
                         "unsupported_media_type"));
  EXPECT_TRUE(IsApiError(berthd().Post("/v1/apps", body, {"Content-Type:"}), 415,
                         "unsupported_media_type"));
  EXPECT_TRUE(IsApiError(
      berthd().Post("/v1/apps", body, {"Content-Type: application/x-www-form-urlencoded"}), 415,
      "unsupported_media_type"));
  EXPECT_EQ(404, berthd().Get("/v1/apps/err-media").status);
}

TEST_F(ErrorsTest, BodyOverOneMebibyteIs413) {
  nlohmann::json spec = IdleApp("err-big");
  spec["env"] = {{"PAD", std::string(2 * 1024 * 1024, 'a')}};
  EXPECT_TRUE(IsApiError(berthd().Post("/v1/apps", spec), 413, "too_large"));
  EXPECT_EQ(404, berthd().Get("/v1/apps/err-big").status);
  HttpResponse up = berthd().Get("/up");
  EXPECT_EQ(200, up.status) << "still serving after a large body: " << up.Describe();
}

TEST_F(ErrorsTest, InvalidNamesAre422) {
  for (const std::string& name :
       {std::string("Web"), std::string("1abc"), std::string("a_b"), "a" + std::string(32, 'b'),
        std::string("../x"), std::string(""), std::string("-a"), std::string("a b")}) {
    SCOPED_TRACE("name '" + name + "'");
    EXPECT_TRUE(IsApiError(berthd().Post("/v1/apps", IdleApp(name)), 422, "invalid", "name"));
  }
  nlohmann::json numeric = IdleApp("x");
  numeric["name"] = 12;
  EXPECT_TRUE(IsApiError(berthd().Post("/v1/apps", numeric), 422, "invalid", "name"));
  nlohmann::json missing = IdleApp("x");
  missing.erase("name");
  EXPECT_TRUE(IsApiError(berthd().Post("/v1/apps", missing), 422, "invalid", "name"));
  EXPECT_EQ(nlohmann::json::array(), berthd().Get("/v1/apps").json());
}

TEST_F(ErrorsTest, InvalidPortsAre422) {
  for (const nlohmann::json& port : {nlohmann::json(0), nlohmann::json(70000), nlohmann::json("x"),
                                     nlohmann::json(-1), nlohmann::json(80.5)}) {
    SCOPED_TRACE("port " + port.dump());
    nlohmann::json spec = IdleApp("err-port");
    spec["port"] = port;
    EXPECT_TRUE(IsApiError(berthd().Post("/v1/apps", spec), 422, "invalid", "port"));
  }
}

TEST_F(ErrorsTest, PortTakenByAnotherAppIs409) {
  nlohmann::json first = IdleApp("err-port-a");
  first["port"] = 18431;
  ASSERT_EQ(201, berthd().Post("/v1/apps", first).status);
  nlohmann::json second = IdleApp("err-port-b");
  second["port"] = 18431;
  EXPECT_TRUE(IsApiError(berthd().Post("/v1/apps", second), 409, "conflict"));
  EXPECT_TRUE(IsApiError(berthd().Put("/v1/apps/err-port-b", second), 409, "conflict"));

  second["port"] = 18432;
  ASSERT_EQ(201, berthd().Post("/v1/apps", second).status);
  EXPECT_TRUE(
      IsApiError(berthd().Patch("/v1/apps/err-port-b", {{"port", 18431}}), 409, "conflict"));
  // Replacing an app with its own port is not a conflict.
  EXPECT_EQ(200, berthd().Put("/v1/apps/err-port-a", first).status);
}

TEST_F(ErrorsTest, UnknownRestartPolicyIs422) {
  nlohmann::json spec = IdleApp("err-restart");
  spec["restart"] = "sometimes";
  EXPECT_TRUE(IsApiError(berthd().Post("/v1/apps", spec), 422, "invalid", "restart"));
}

TEST_F(ErrorsTest, ANamedUserThatDoesNotExistIs422) {
  nlohmann::json app = IdleApp("err-user");
  app["user"] = "no_such_user_b";
  HttpResponse created = berthd().Post("/v1/apps", app);
  EXPECT_TRUE(IsApiError(created, 422, "invalid", "user"));
  EXPECT_NE(std::string::npos, created.body.find("no_such_user_b")) << created.body;
  EXPECT_TRUE(IsApiError(berthd().Put("/v1/apps/err-user", app), 422, "invalid", "user"));
  EXPECT_EQ(404, berthd().Get("/v1/apps/err-user").status);

  ASSERT_EQ(201, berthd().Post("/v1/apps", IdleApp("err-user")).status);
  EXPECT_TRUE(IsApiError(berthd().Patch("/v1/apps/err-user", {{"user", "no_such_user_b"}}), 422,
                         "invalid", "user"));
  EXPECT_NE("no_such_user_b", berthd().Get("/v1/apps/err-user").json().value("user", ""));
}

TEST_F(ErrorsTest, MissingOrEmptyCommandIs422) {
  nlohmann::json missing = IdleApp("err-cmd");
  missing.erase("command");
  EXPECT_TRUE(IsApiError(berthd().Post("/v1/apps", missing), 422, "invalid", "command"));
  for (const nlohmann::json& command : {nlohmann::json::array(), nlohmann::json(""),
                                        nlohmann::json(42), nlohmann::json::array({1, 2})}) {
    SCOPED_TRACE("command " + command.dump());
    nlohmann::json spec = IdleApp("err-cmd");
    spec["command"] = command;
    HttpResponse response = berthd().Post("/v1/apps", spec);
    EXPECT_TRUE(IsApiError(response, 422, "invalid"));
    // A JSON path into the array ("command[0]") names the field too.
    std::string field = response.json().value("error", nlohmann::json::object()).value("field", "");
    EXPECT_EQ(0u, field.rfind("command", 0)) << response.body;
  }
}

TEST_F(ErrorsTest, UnknownKindAndStopSignalAre422) {
  nlohmann::json kind = IdleApp("err-kind");
  kind["kind"] = "spaceship";
  EXPECT_TRUE(IsApiError(berthd().Post("/v1/apps", kind), 422, "invalid", "kind"));
  nlohmann::json signal = IdleApp("err-signal");
  signal["stop_signal"] = "BOGUS";
  EXPECT_TRUE(IsApiError(berthd().Post("/v1/apps", signal), 422, "invalid", "stop_signal"));
}

TEST_F(ErrorsTest, BodyThatIsNotAnObjectIsRejected) {
  HttpResponse response = berthd().Post("/v1/apps", std::string("[1,2,3]"));
  EXPECT_TRUE(IsApiError(response, 400, "bad_json") || IsApiError(response, 422, "invalid") ||
              IsApiError(response, 400, "bad_request"))
      << response.Describe();
}

TEST_F(ErrorsTest, UnknownControlCommandIs400) {
  ASSERT_EQ(201, berthd().Post("/v1/apps", IdleApp("err-control")).status);
  EXPECT_TRUE(IsApiError(
      berthd().Post("/v1/apps/err-control/control", nlohmann::json{{"command", "explode"}}), 400,
      "bad_request"));
  HttpResponse missing = berthd().Post("/v1/apps/err-control/control", nlohmann::json::object());
  EXPECT_TRUE(IsApiError(missing, 400, "bad_request") || IsApiError(missing, 422, "invalid"))
      << missing.Describe();
}

TEST_F(ErrorsTest, BadLogsQueryIsRejected) {
  ASSERT_EQ(201, berthd().Post("/v1/apps", IdleApp("err-logs")).status);
  for (const char* query :
       {"entries=0", "entries=5000", "entries=1001", "entries=abc", "entries=-3", "entries=10x"}) {
    SCOPED_TRACE(query);
    HttpResponse response = berthd().Get(std::string("/v1/apps/err-logs/logs?") + query);
    // API.md: a bad query is 400 bad_request; 422 invalid is tolerated for a value out of range.
    EXPECT_TRUE(IsApiError(response, 400, "bad_request") || IsApiError(response, 422, "invalid"))
        << response.Describe();
  }
  EXPECT_EQ(200, berthd().Get("/v1/apps/err-logs/logs?entries=1").status);
  EXPECT_EQ(200, berthd().Get("/v1/apps/err-logs/logs?entries=1000").status);
}

TEST_F(ErrorsTest, WrongFieldTypesAre422) {
  struct Case {
    std::string field;
    nlohmann::json value;
  };
  for (const Case& c : std::vector<Case>{{"env", "A=B"},
                                         {"env", {{"A", 1}}},
                                         {"autostart", "yes"},
                                         {"stop_timeout", -1},
                                         {"max_retries", "many"}}) {
    SCOPED_TRACE(c.field + " = " + c.value.dump());
    nlohmann::json spec = IdleApp("err-types");
    spec[c.field] = c.value;
    HttpResponse response = berthd().Post("/v1/apps", spec);
    EXPECT_EQ(422, response.status) << response.Describe();
    EXPECT_TRUE(IsApiError(response, 422, "invalid"));
    // The field may be named at the top level or deeper (env.A).
    nlohmann::json error = response.json().value("error", nlohmann::json::object());
    EXPECT_NE(std::string::npos, error.value("field", "").find(c.field)) << response.body;
  }
}

TEST_F(ErrorsTest, UnknownOrBadQueryIs400) {
  ASSERT_EQ(201, berthd().Post("/v1/apps", IdleApp("err-query")).status);
  for (const char* target :
       {"/v1/apps?bogus=1", "/v1/apps/err-query?bogus=1", "/v1/apps/err-query/logs?bogus=1"}) {
    SCOPED_TRACE(target);
    EXPECT_TRUE(IsApiError(berthd().Get(target), 400, "bad_request"));
  }
  EXPECT_TRUE(IsApiError(berthd().Get("/v1/apps/err-query/logs?follow=maybe"), 400, "bad_request"));
  EXPECT_TRUE(IsApiError(berthd().Delete("/v1/apps/err-query?purge=maybe"), 400, "bad_request"));
  EXPECT_EQ(200, berthd().Get("/v1/apps/err-query").status) << "a bad delete deletes nothing";
}

}  // namespace
}  // namespace berth::testing
