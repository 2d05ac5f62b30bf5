// Black-box tests of the audit trail: what berthd records of the requests it answers, secrets
// masked, GET /v1/audit's filters and their errors, who may read it, and --audit-days.
#include <time.h>

#include <regex>

#include "tests/integration/berthd_harness.h"

namespace berth::testing {
namespace {

using nlohmann::json;

constexpr char kRegistryPassword[] = "audit-pw-4c1e9b";

// The time now as the API writes it, to the second: "2026-11-25T08:00:00".
std::string NowToTheSecond() {
  time_t now = time(nullptr);
  tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  return text;
}

class AuditTest : public BerthdTest {
 protected:
  // GET /v1/audit with `query`; the entries, after checking the answer is 200 and a list.
  json Audit(const std::string& query = "") {
    HttpResponse response = berthd().Get("/v1/audit" + query);
    EXPECT_EQ(200, response.status) << response.Describe();
    json entries = response.json();
    EXPECT_TRUE(entries.is_array()) << response.Describe();
    return entries.is_array() ? entries : json::array();
  }

  // Polls until GET /v1/audit`query` has at least `count` entries; returns them.
  json AuditWithAtLeast(size_t count, const std::string& query = "") {
    json entries;
    EXPECT_TRUE(WaitUntil([&] { return (entries = Audit(query)).size() >= count; }))
        << entries.dump();
    return entries;
  }

  void CreateApp(const std::string& name) {
    HttpResponse created = berthd().Post("/v1/apps", ProcessApp(name, Sh("sleep 300")));
    ASSERT_EQ(201, created.status) << created.Describe();
  }
};

TEST_F(AuditTest, RecordsTheAdminsWritesNewestFirst) {
  std::string before = NowToTheSecond();
  CreateApp("shop");
  HttpResponse control = berthd().Post("/v1/apps/shop/control", json{{"command", "stop"}});
  ASSERT_EQ(202, control.status) << control.Describe();
  json entries = AuditWithAtLeast(2, "?app=shop");
  ASSERT_GE(entries.size(), 2u);
  const json& stop = entries[0];
  EXPECT_EQ(stop["method"], "POST");
  EXPECT_EQ(stop["route"], "/v1/apps/shop/control");
  EXPECT_EQ(stop["app"], "shop");
  EXPECT_EQ(stop["principal"], "admin");
  EXPECT_TRUE(stop["user"].is_null());
  EXPECT_EQ(stop["status"], 202);
  EXPECT_EQ(stop["outcome"], "ok");
  EXPECT_EQ(stop["summary"], R"({"command":"stop"})");
  EXPECT_EQ(stop["client"], "127.0.0.1");
  ASSERT_TRUE(stop["ts"].is_string());
  std::string ts = stop["ts"];
  EXPECT_TRUE(std::regex_match(ts, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)"))) << ts;
  EXPECT_GE(ts, before);
  EXPECT_LE(ts, NowToTheSecond() + "~");
  const json& create = entries[1];
  EXPECT_EQ(create["route"], "/v1/apps");
  EXPECT_EQ(create["status"], 201);
  EXPECT_GT(stop["id"].get<int64_t>(), create["id"].get<int64_t>());
}

TEST_F(AuditTest, KeepsEntriesAcrossRestarts) {
  CreateApp("kept");
  AuditWithAtLeast(1, "?app=kept");
  ASSERT_EQ(0, berthd().Stop());
  ASSERT_TRUE(berthd().Restart());
  EXPECT_FALSE(Audit("?app=kept").empty());
}

TEST_F(AuditTest, FailedRequestsAreRecordedAsFailed) {
  HttpResponse missing = berthd().Post("/v1/apps/ghost/control", json{{"command", "start"}});
  ASSERT_EQ(404, missing.status) << missing.Describe();
  json entries = AuditWithAtLeast(1, "?app=ghost");
  ASSERT_GE(entries.size(), 1u);
  EXPECT_EQ(entries[0]["status"], 404);
  EXPECT_EQ(entries[0]["outcome"], "failed");
}

TEST_F(AuditTest, AWebhookIsRecordedAsTheAppsWebhook) {
  HttpResponse delivery = berthd().Post("/v1/apps/hooked/webhook", std::string("{}"),
                                        {"Authorization:", "X-GitHub-Event: push"});
  ASSERT_EQ(404, delivery.status) << delivery.Describe();
  json entries = AuditWithAtLeast(1, "?app=hooked");
  ASSERT_GE(entries.size(), 1u);
  EXPECT_EQ(entries[0]["principal"], "webhook:hooked") << entries.dump();
  EXPECT_EQ(entries[0]["route"], "/v1/apps/hooked/webhook");
}

TEST_F(AuditTest, SecretsNeverReachTheTrail) {
  HttpResponse created =
      berthd().Post("/v1/registries",
                    json{{"host", "ghcr.io"}, {"username", "ci"}, {"password", kRegistryPassword}});
  ASSERT_EQ(201, created.status) << created.Describe();
  json entries;
  ASSERT_TRUE(WaitUntil([&] {
    entries = Audit();
    for (const json& entry : entries)
      if (entry["route"] == "/v1/registries") return true;
    return false;
  })) << entries.dump();
  EXPECT_EQ(entries.dump().find(kRegistryPassword), std::string::npos) << entries.dump();
  std::string db = berthd().state_dir() + "/berth.db";
  for (const std::string& file : {db, db + "-wal"})
    EXPECT_EQ(ReadFile(file).find(kRegistryPassword), std::string::npos) << file;
  for (const json& entry : entries) {
    if (entry["route"] != "/v1/registries") continue;
    json summary = json::parse(entry["summary"].get<std::string>());
    EXPECT_EQ(summary["password"], "***");
    EXPECT_EQ(summary["username"], "ci");
  }
}

TEST_F(AuditTest, RecordsUsersAndWhatTheyWereRefused) {
  CreateApp("shop");
  HttpResponse created = berthd().Post(
      "/v1/users", json{{"name", "dave"},
                        {"grants", json::array({{{"scope", "app:*"}, {"actions", {"view"}}}})}});
  ASSERT_EQ(201, created.status) << created.Describe();
  HttpResponse token = berthd().Post("/v1/users/dave/tokens", json{{"name", "ci"}});
  ASSERT_EQ(201, token.status) << token.Describe();
  HeaderLines as_dave = {"Authorization: Bearer " + token.json()["token"].get<std::string>()};
  HttpResponse refused = berthd().Post("/v1/apps/shop/control", json{{"command", "stop"}}, as_dave);
  ASSERT_EQ(403, refused.status) << refused.Describe();
  EXPECT_EQ(200, berthd().Get("/v1/apps/shop", as_dave).status);
  json entries = AuditWithAtLeast(1, "?user=dave");
  ASSERT_EQ(entries.size(), 1u) << entries.dump() << " (an answered read is not recorded)";
  EXPECT_EQ(entries[0]["principal"], "token:dave/ci");
  EXPECT_EQ(entries[0]["user"], "dave");
  EXPECT_EQ(entries[0]["app"], "shop");
  EXPECT_EQ(entries[0]["status"], 403);
  EXPECT_EQ(entries[0]["outcome"], "refused");
}

TEST_F(AuditTest, FiltersByAppTimeAndLimit) {
  CreateApp("one");
  CreateApp("two");
  json both = AuditWithAtLeast(2);
  ASSERT_GE(both.size(), 2u);
  std::string after = both[0]["ts"];  // the newest: two's creation
  for (const json& entry : Audit("?app=one")) EXPECT_EQ(entry["app"], "one");
  EXPECT_EQ(Audit("?limit=1").size(), 1u);
  json since = Audit("?since=" + after);
  ASSERT_FALSE(since.empty());
  for (const json& entry : since) EXPECT_GE(entry["ts"].get<std::string>(), after);
  EXPECT_TRUE(Audit("?until=2000-01-01T00:00:00Z").empty());
  EXPECT_TRUE(Audit("?user=nobody").empty());
}

TEST_F(AuditTest, BadParametersAreRefusedNamingThem) {
  HttpResponse since = berthd().Get("/v1/audit?since=yesterday");
  EXPECT_TRUE(IsApiError(since, 400, "bad_request"));
  EXPECT_NE(since.body.find("since"), std::string::npos) << since.body;
  HttpResponse until = berthd().Get("/v1/audit?until=2026-13-01T00:00:00Z");
  EXPECT_TRUE(IsApiError(until, 400, "bad_request"));
  EXPECT_NE(until.body.find("until"), std::string::npos) << until.body;
  for (const char* limit : {"0", "1001", "ten"}) {
    HttpResponse response = berthd().Get(std::string("/v1/audit?limit=") + limit);
    EXPECT_TRUE(IsApiError(response, 400, "bad_request")) << limit;
    EXPECT_NE(response.body.find("limit"), std::string::npos) << response.body;
  }
  EXPECT_TRUE(IsApiError(berthd().Get("/v1/audit?apps=x"), 400, "bad_request"));
  EXPECT_EQ(200, berthd().Get("/v1/audit?limit=1000").status);
}

TEST_F(AuditTest, ReadingItNeedsManageUsers) {
  HttpResponse created = berthd().Post(
      "/v1/users",
      json{{"name", "carol"},
           {"password", "carol-password-1"},
           {"grants", json::array({{{"scope", "app:*"}, {"actions", {"manage"}}},
                                   {{"scope", "global"}, {"actions", {"create_apps"}}}})}});
  ASSERT_EQ(201, created.status) << created.Describe();
  HttpResponse token = berthd().Post("/v1/users/carol/tokens", json{{"name", "ci"}});
  ASSERT_EQ(201, token.status) << token.Describe();
  HeaderLines as_carol = {"Authorization: Bearer " + token.json()["token"].get<std::string>()};
  EXPECT_TRUE(IsApiError(berthd().Get("/v1/audit", as_carol), 403, "forbidden"));
  HttpResponse granted = berthd().Patch(
      "/v1/users/carol",
      json{{"grants", json::array({{{"scope", "global"}, {"actions", {"manage_users"}}}})}});
  ASSERT_EQ(200, granted.status) << granted.Describe();
  EXPECT_EQ(200, berthd().Get("/v1/audit", as_carol).status);
  HttpResponse anonymous = berthd().Get("/v1/audit", {"Authorization: Bearer nope"});
  EXPECT_TRUE(IsApiError(anonymous, 401, "unauthorized"));
}

TEST(AuditDaysTest, BadValuesAreRefusedNamingTheFlag) {
  for (const char* days : {"0", "3651", "ninety"}) {
    BerthdProcess berthd(BerthdProcess::Options{.extra_args = {"--audit-days", days}});
    EXPECT_FALSE(berthd.Start());
    EXPECT_NE(berthd.StderrContents().find("--audit-days (BERTH_AUDIT_DAYS) must be a number of "
                                           "days from 1 to 3650"),
              std::string::npos)
        << berthd.StderrContents();
  }
  BerthdProcess from_env(BerthdProcess::Options{.extra_env = {"BERTH_AUDIT_DAYS=-1"}});
  EXPECT_FALSE(from_env.Start());
  BerthdProcess good(BerthdProcess::Options{.extra_args = {"--audit-days", "3650"}});
  EXPECT_TRUE(good.Start());
}

}  // namespace
}  // namespace berth::testing
