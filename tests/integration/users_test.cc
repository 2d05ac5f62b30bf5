// Users, API tokens and dashboard sessions against the real berthd: the story of alice, who
// may look after the shop apps only, through her token and her session.
#include "tests/integration/berthd_harness.h"

namespace berth::testing {
namespace {

const char kAlicePassword[] = "alice-password-1";

class UsersTest : public BerthdTest {
 protected:
  void SetUp() override {
    BerthdTest::SetUp();
    for (const char* app : {"shop-api", "shop-web", "billing"})
      ASSERT_EQ(201, berthd().Post("/v1/apps", App(app)).status);
    HttpResponse alice = berthd().Post(
        "/v1/users", nlohmann::json::parse(R"({"name": "alice", "password": "alice-password-1",
          "grants": [{"scope": "app:shop-*", "actions": ["view_logs", "control"]},
                     {"scope": "app:shop-api", "actions": ["deploy"]}]})"));
    ASSERT_EQ(201, alice.status) << alice.Describe();
  }

  static nlohmann::json App(const std::string& name) {
    return {{"name", name}, {"command", {"sleep", "600"}}, {"autostart", true}};
  }

  std::string Token(const nlohmann::json& body, const std::string& user = "alice") {
    HttpResponse created = berthd().Post("/v1/users/" + user + "/tokens", body);
    EXPECT_EQ(201, created.status) << created.Describe();
    return created.json().value("token", "");
  }

  static HeaderLines Bearer(const std::string& token) { return {"Authorization: Bearer " + token}; }

  static std::vector<std::string> Names(const HttpResponse& apps) {
    std::vector<std::string> names;
    for (const auto& app : apps.json()) names.push_back(app.value("name", ""));
    return names;
  }

  // Signs in; returns the cookie header line and sets `csrf`.
  std::string SignIn(const std::string& name, const std::string& password, std::string* csrf,
                     HttpResponse* answer = nullptr) {
    HttpResponse response = berthd().Post(
        "/v1/session", nlohmann::json{{"name", name}, {"password", password}}, {"Authorization:"});
    if (answer) *answer = response;
    if (response.status != 200) return "";
    *csrf = response.json().value("csrf_token", "");
    std::string cookie = response.header("set-cookie");
    return "Cookie: " + cookie.substr(0, cookie.find(';'));
  }
};

TEST_F(UsersTest, AUserIsListedWithoutThePasswordAndExplained) {
  HttpResponse users = berthd().Get("/v1/users");
  ASSERT_EQ(200, users.status);
  ASSERT_EQ(1u, users.json().size());
  EXPECT_TRUE(users.json()[0].value("has_password", false));
  EXPECT_EQ(std::string::npos, users.body.find(kAlicePassword));
  EXPECT_EQ(std::string::npos, users.body.find("pbkdf2"));
  HttpResponse why = berthd().Get("/v1/users/alice/permissions?app=shop-api");
  ASSERT_EQ(200, why.status) << why.Describe();
  EXPECT_EQ(nlohmann::json({"view", "view_logs", "control", "deploy"}), why.json()["actions"]);
  EXPECT_EQ("implied by view_logs on app:shop-*", why.json()["why"].value("view", ""));
  EXPECT_EQ(nlohmann::json::array(),
            berthd().Get("/v1/users/alice/permissions?app=billing").json()["actions"]);
}

TEST_F(UsersTest, BadUsersAreRefusedNamingTheField) {
  EXPECT_TRUE(IsApiError(berthd().Post("/v1/users", nlohmann::json{{"name", "Bob!"}}), 422,
                         "invalid", "name"));
  EXPECT_TRUE(
      IsApiError(berthd().Post("/v1/users", nlohmann::json{{"name", "bob"}, {"password", "short"}}),
                 422, "invalid", "password"));
  EXPECT_TRUE(IsApiError(
      berthd().Post("/v1/users",
                    nlohmann::json::parse(
                        R"({"name": "bob", "grants": [{"scope": "app:x", "actions": ["fly"]}]})")),
      422, "invalid", "grants[0].actions[0]"));
  EXPECT_TRUE(
      IsApiError(berthd().Post("/v1/users", nlohmann::json{{"name", "alice"}}), 409, "conflict"));
  EXPECT_EQ(1u, berthd().Get("/v1/users").json().size());
}

TEST_F(UsersTest, ATokenSeesAndDoesOnlyWhatItsGrantsAllow) {
  std::string ci = Token(nlohmann::json::parse(
      R"({"name": "ci", "grants": [{"scope": "app:shop-api", "actions": ["deploy"]}]})"));
  ASSERT_FALSE(ci.empty());
  EXPECT_EQ(std::vector<std::string>{"shop-api"}, Names(berthd().Get("/v1/apps", Bearer(ci))));
  HttpResponse refused = berthd().Post("/v1/apps/shop-api/control",
                                       nlohmann::json{{"command", "restart"}}, Bearer(ci));
  EXPECT_TRUE(IsApiError(refused, 403, "forbidden")) << refused.Describe();
  EXPECT_NE(std::string::npos,
            refused.json()["error"].value("message", "").find("control on app:shop-api"));
  // A leaked token reaches nothing else, and cannot make itself a wider one.
  for (const char* path : {"/v1/apps/billing", "/v1/apps/shop-web", "/v1/apps/shop-api/logs",
                           "/v1/users", "/metrics", "/v1/registries"})
    EXPECT_TRUE(IsApiError(berthd().Get(path, Bearer(ci)), 403, "forbidden")) << path;
  EXPECT_TRUE(IsApiError(berthd().Delete("/v1/apps/billing", Bearer(ci)), 403, "forbidden"));
  HttpResponse wider = berthd().Post(
      "/v1/users/alice/tokens",
      nlohmann::json::parse(
          R"({"name": "more", "grants": [{"scope": "app:shop-*", "actions": ["control"]}]})"),
      Bearer(ci));
  EXPECT_TRUE(IsApiError(wider, 422, "invalid", "grants")) << wider.Describe();
  HttpResponse same =
      berthd().Post("/v1/users/alice/tokens", nlohmann::json{{"name", "copy"}}, Bearer(ci));
  ASSERT_EQ(201, same.status) << same.Describe();
  EXPECT_EQ(nlohmann::json::parse(R"([{"scope": "app:shop-api", "actions": ["deploy"]}])"),
            same.json()["grants"]);
  EXPECT_TRUE(
      IsApiError(berthd().Post("/v1/users", nlohmann::json{{"name", "mallory"}}, Bearer(ci)), 403,
                 "forbidden"));
  EXPECT_EQ(std::vector<std::string>{"alice"}, [&] {
    std::vector<std::string> users;
    for (const auto& u : berthd().Get("/v1/users").json()) users.push_back(u.value("name", ""));
    return users;
  }());
}

TEST_F(UsersTest, StopAllStopsOnlyTheAppsTheCallerMayControl) {
  std::string token = Token(nlohmann::json{{"name", "all"}});
  for (const char* app : {"shop-api", "shop-web", "billing"})
    ASSERT_TRUE(berthd().WaitForState(app, "running")) << berthd().LastSeen();
  HttpResponse stopped =
      berthd().Post("/v1/control", nlohmann::json{{"command", "stop"}}, Bearer(token));
  ASSERT_EQ(202, stopped.status) << stopped.Describe();
  EXPECT_EQ((std::vector<std::string>{"shop-api", "shop-web"}), Names(stopped));
  ASSERT_TRUE(berthd().WaitForState("shop-web", "stopped")) << berthd().LastSeen();
  EXPECT_EQ("running", berthd().Get("/v1/apps/billing").json()["status"].value("state", ""));
  EXPECT_TRUE(IsApiError(
      berthd().Post("/v1/control", nlohmann::json{{"command", "stop"}, {"apps", {"billing"}}},
                    Bearer(token)),
      403, "forbidden"));
}

TEST_F(UsersTest, EventsShowOnlyTheAppsTheCallerMayView) {
  std::string token = Token(nlohmann::json{{"name", "events"}});
  auto stream = berthd().OpenSse("/v1/events", Bearer(token));
  ASSERT_EQ(200, stream->WaitForStatus());
  ASSERT_EQ(
      202,
      berthd().Post("/v1/apps/billing/control", nlohmann::json{{"command", "restart"}}).status);
  ASSERT_EQ(
      202,
      berthd().Post("/v1/apps/shop-web/control", nlohmann::json{{"command", "restart"}}).status);
  auto shop = stream->WaitForEvent([](const SseEvent& e) {
    return e.event == "app" && e.json().value("app", "") == "shop-web";
  });
  ASSERT_TRUE(shop) << stream->RawBody();
  // billing restarted first: its events would have come before shop-web's.
  for (const SseEvent& event : stream->AllEvents())
    EXPECT_EQ(std::string::npos, event.data.find("billing")) << event.data;
}

TEST_F(UsersTest, EditsNeedEditEnvForEnvAndSecretsAndEditConfigurationForTheRest) {
  ASSERT_EQ(
      200, berthd()
               .Patch("/v1/apps/shop-web",
                      nlohmann::json::parse(R"({"secrets": {"KEY": "s3cret"}, "env": {"A": "1"}})"))
               .status);
  HttpResponse created =
      berthd().Post("/v1/users", nlohmann::json::parse(R"({"name": "ops", "grants": [
        {"scope": "app:shop-web", "actions": ["edit_configuration"]}]})"));
  ASSERT_EQ(201, created.status);
  std::string ops = Token(nlohmann::json{{"name", "t"}}, "ops");
  // What GET shows, sent back with another command: the masked secret stays as it is.
  nlohmann::json app = berthd().Get("/v1/apps/shop-web", Bearer(ops)).json();
  ASSERT_EQ("***", app["secrets"].value("KEY", "")) << app.dump();
  nlohmann::json spec = {{"name", "shop-web"},
                         {"command", {"sleep", "601"}},
                         {"autostart", true},
                         {"env", app["env"]},
                         {"secrets", app["secrets"]}};
  HttpResponse put = berthd().Put("/v1/apps/shop-web", spec, Bearer(ops));
  EXPECT_EQ(200, put.status) << put.Describe();
  spec["env"]["A"] = "2";
  EXPECT_TRUE(IsApiError(berthd().Put("/v1/apps/shop-web", spec, Bearer(ops)), 403, "forbidden"));
  EXPECT_TRUE(
      IsApiError(berthd().Patch("/v1/apps/shop-web",
                                nlohmann::json::parse(R"({"secrets": {"KEY": "x"}})"), Bearer(ops)),
                 403, "forbidden"));
  EXPECT_EQ(200, berthd()
                     .Patch("/v1/apps/shop-web", nlohmann::json{{"start_seconds", 2}}, Bearer(ops))
                     .status);
}

TEST_F(UsersTest, StreamsEndWhenTheirUsersGrantsChangeOrTheirTokenIsRevoked) {
  HttpResponse created = berthd().Post("/v1/users/alice/tokens", nlohmann::json{{"name", "tail"}});
  ASSERT_EQ(201, created.status);
  HeaderLines auth = Bearer(created.json().value("token", ""));
  auto events = berthd().OpenSse("/v1/events", auth);
  auto logs = berthd().OpenSse("/v1/apps/shop-api/logs?follow=true", auth);
  ASSERT_EQ(200, events->WaitForStatus());
  ASSERT_EQ(200, logs->WaitForStatus());
  // Another user's change leaves them open.
  ASSERT_EQ(201, berthd().Post("/v1/users", nlohmann::json{{"name", "bob"}}).status);
  ASSERT_EQ(
      200,
      berthd().Patch("/v1/users/bob", nlohmann::json{{"grants", nlohmann::json::array()}}).status);
  ASSERT_EQ(
      202,
      berthd().Post("/v1/apps/shop-web/control", nlohmann::json{{"command", "restart"}}).status);
  EXPECT_TRUE(events->WaitForEvent([](const SseEvent& e) {
    return e.event == "app" && e.json().value("app", "") == "shop-web";
  })) << events->RawBody();
  EXPECT_FALSE(events->Finished());
  ASSERT_EQ(204,
            berthd()
                .Delete("/v1/users/alice/tokens/" + std::to_string(created.json().value("id", 0)))
                .status);
  EXPECT_TRUE(WaitUntil([&] { return events->Finished() && logs->Finished(); }))
      << events->RawBody();
  // The client that comes back is refused.
  EXPECT_TRUE(IsApiError(berthd().Get("/v1/events", auth), 401, "unauthorized"));
}

TEST_F(UsersTest, RevokedAndExpiredTokensStopWorking) {
  HttpResponse created =
      berthd().Post("/v1/users/alice/tokens", nlohmann::json{{"name", "laptop"}});
  ASSERT_EQ(201, created.status);
  std::string token = created.json().value("token", "");
  ASSERT_EQ(0u, token.rfind("berth_", 0));
  ASSERT_EQ(200, berthd().Get("/v1/apps/shop-api", Bearer(token)).status);
  HttpResponse listed = berthd().Get("/v1/users/alice/tokens");
  ASSERT_EQ(1u, listed.json().size());
  EXPECT_EQ(std::string::npos, listed.body.find(token));
  EXPECT_EQ("laptop", listed.json()[0].value("name", ""));
  std::string id = std::to_string(created.json().value("id", 0));
  EXPECT_EQ(204, berthd().Delete("/v1/users/alice/tokens/" + id).status);
  EXPECT_TRUE(IsApiError(berthd().Get("/v1/apps/shop-api", Bearer(token)), 401, "unauthorized"));
  EXPECT_TRUE(
      IsApiError(berthd().Post("/v1/users/alice/tokens",
                               nlohmann::json{{"name", "x"}, {"expires", "2001-01-01T00:00:00Z"}}),
                 422, "invalid", "expires"));
  EXPECT_TRUE(IsApiError(
      berthd().Post("/v1/users/alice/tokens", nlohmann::json{{"name", "x"}, {"expires", "soon"}}),
      422, "invalid", "expires"));
}

TEST_F(UsersTest, TokensAndUsersSurviveARestartAndDieWithTheirUser) {
  std::string token = Token(nlohmann::json{{"name", "kept"}});
  ASSERT_EQ(0, berthd().Stop());
  ASSERT_TRUE(berthd().Restart());
  EXPECT_EQ(200, berthd().Get("/v1/apps/shop-api", Bearer(token)).status);
  EXPECT_EQ(204, berthd().Delete("/v1/users/alice").status);
  EXPECT_TRUE(IsApiError(berthd().Get("/v1/apps/shop-api", Bearer(token)), 401, "unauthorized"));
  ASSERT_EQ(0, berthd().Stop());
  ASSERT_TRUE(berthd().Restart());
  EXPECT_TRUE(IsApiError(berthd().Get("/v1/apps/shop-api", Bearer(token)), 401, "unauthorized"));
}

TEST_F(UsersTest, ASessionCookieIsHttpOnlyStrictAndWritesNeedItsCsrfToken) {
  std::string csrf;
  HttpResponse answer;
  std::string cookie = SignIn("alice", kAlicePassword, &csrf, &answer);
  ASSERT_FALSE(cookie.empty()) << answer.Describe();
  std::string set_cookie = answer.header("set-cookie");
  EXPECT_NE(std::string::npos, set_cookie.find("HttpOnly")) << set_cookie;
  EXPECT_NE(std::string::npos, set_cookie.find("SameSite=Strict")) << set_cookie;
  EXPECT_EQ(std::string::npos, set_cookie.find("Secure")) << set_cookie;
  EXPECT_EQ(64u, csrf.size());
  EXPECT_EQ(std::vector<std::string>({"shop-api", "shop-web"}),
            Names(berthd().Get("/v1/apps", {"Authorization:", cookie})));
  nlohmann::json restart = {{"command", "restart"}};
  HttpResponse forged =
      berthd().Post("/v1/apps/shop-web/control", restart, {"Authorization:", cookie});
  EXPECT_TRUE(IsApiError(forged, 403, "forbidden")) << forged.Describe();
  EXPECT_NE(std::string::npos, forged.body.find("X-CSRF-Token"));
  EXPECT_TRUE(
      IsApiError(berthd().Post("/v1/apps/shop-web/control", restart,
                               {"Authorization:", cookie, "X-CSRF-Token: " + std::string(64, '0')}),
                 403, "forbidden"));
  EXPECT_EQ(202, berthd()
                     .Post("/v1/apps/shop-web/control", restart,
                           {"Authorization:", cookie, "X-CSRF-Token: " + csrf})
                     .status);
  // Behind a TLS proxy the cookie is Secure.
  HttpResponse tls =
      berthd().Post("/v1/session", nlohmann::json{{"name", "alice"}, {"password", kAlicePassword}},
                    {"Authorization:", "X-Forwarded-Proto: https"});
  EXPECT_NE(std::string::npos, tls.header("set-cookie").find("; Secure"));
  // Signing out ends it.
  EXPECT_EQ(
      204,
      berthd().Delete("/v1/session", {"Authorization:", cookie, "X-CSRF-Token: " + csrf}).status);
  EXPECT_TRUE(
      IsApiError(berthd().Get("/v1/apps", {"Authorization:", cookie}), 401, "unauthorized"));
}

TEST_F(UsersTest, WrongPasswordsAreSlowedDownPerUser) {
  std::string csrf;
  HttpResponse answer;
  for (int i = 0; i < 5; ++i) {
    SignIn("alice", "not-the-password", &csrf, &answer);
    EXPECT_TRUE(IsApiError(answer, 401, "unauthorized")) << answer.Describe();
  }
  // Even the right password must now wait; so must other guesses, and the answer says for how long.
  SignIn("alice", kAlicePassword, &csrf, &answer);
  EXPECT_TRUE(IsApiError(answer, 429, "too_many_requests")) << answer.Describe();
  EXPECT_EQ("1", answer.header("retry-after"));
  // Unknown users answer like wrong passwords.
  SignIn("nobody-at-all", "not-the-password", &csrf, &answer);
  EXPECT_TRUE(answer.status == 401 || answer.status == 429) << answer.Describe();
  // Once the wait is over, the right password works and clears the count.
  ASSERT_TRUE(WaitUntil([&] { return !SignIn("alice", kAlicePassword, &csrf, &answer).empty(); },
                        milliseconds(5000)))
      << answer.Describe();
}

TEST(UsersSessionTest, AnIdleSessionExpires) {
  BerthdProcess berthd({.extra_env = {"BERTH_SESSION_IDLE_SECONDS=2"}});
  ASSERT_TRUE(berthd.Start());
  ASSERT_EQ(
      201, berthd.Post("/v1/users", nlohmann::json{{"name", "alice"}, {"password", kAlicePassword}})
               .status);
  HttpResponse signed_in =
      berthd.Post("/v1/session", nlohmann::json{{"name", "alice"}, {"password", kAlicePassword}},
                  {"Authorization:"});
  ASSERT_EQ(200, signed_in.status) << signed_in.Describe();
  std::string set_cookie = signed_in.header("set-cookie");
  HeaderLines cookie = {"Authorization:", "Cookie: " + set_cookie.substr(0, set_cookie.find(';'))};
  // Use keeps it alive past its idle time...
  auto start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - start < milliseconds(3000)) {
    ASSERT_EQ(200, berthd.Get("/v1/session", cookie).status);
    std::this_thread::sleep_for(milliseconds(500));  // time passing is what is tested
  }
  // ...and two idle seconds end it.
  std::this_thread::sleep_for(milliseconds(2500));
  EXPECT_TRUE(IsApiError(berthd.Get("/v1/session", cookie), 401, "unauthorized"));
}

TEST(UsersBootstrapTest, TheAdminPasswordMakesAnAdminUser) {
  BerthdProcess berthd({.extra_env = {"BERTH_ADMIN_PASSWORD=admin-password-1"}});
  ASSERT_TRUE(berthd.Start());
  HttpResponse signed_in = berthd.Post(
      "/v1/session", nlohmann::json{{"name", "admin"}, {"password", "admin-password-1"}},
      {"Authorization:"});
  ASSERT_EQ(200, signed_in.status) << signed_in.Describe();
  EXPECT_EQ(nlohmann::json::parse(R"([{"scope": "global", "actions": ["manage"]}])"),
            signed_in.json()["grants"]);
}

}  // namespace
}  // namespace berth::testing
