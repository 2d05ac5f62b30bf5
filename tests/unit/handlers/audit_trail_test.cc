// Tests of the audit trail: masking secrets in summaries, cutting long ones, outcomes, and an
// AuditTrail that records, fills the outcome and prunes old entries when it starts.
#include "handlers/audit_trail.h"

#include <gtest/gtest.h>

#include "reactor/clock.h"
#include "tests/unit/run_loop.h"

namespace berth {
namespace {

using nlohmann::json;

std::string Summary(const char* body) { return AuditSummary("POST", json::parse(body)); }

TEST(AuditSummaryTest, MasksSecretKeysAtAnyDepthInAnyCase) {
  EXPECT_EQ(Summary(R"({"name":"alice","password":"hunter2"})"),
            R"({"name":"alice","password":"***"})");
  EXPECT_EQ(Summary(R"({"source":{"git":{"url":"https://x/y.git","Token":"ghp_abc"}}})"),
            R"({"source":{"git":{"Token":"***","url":"https://x/y.git"}}})");
  EXPECT_EQ(Summary(R"({"webhook_secret":"s","API_KEY":"k","apikey":"k","private_key":"p"})"),
            R"({"API_KEY":"***","apikey":"***","private_key":"***","webhook_secret":"***"})");
  EXPECT_EQ(Summary(R"({"credentials":{"username":"ci","password":"x"}})"),
            R"({"credentials":"***"})");
  EXPECT_EQ(Summary(R"({"registry_auth":{"username":"ci","password":"pw"}})"),
            R"({"registry_auth":{"password":"***","username":"ci"}})");
  EXPECT_EQ(Summary(R"({"secret":{"nested":"x"}})"), R"({"secret":"***"})");
  EXPECT_EQ(Summary(R"({"github_token":"t","db_password":"p","hook_secret":"s"})"),
            R"({"db_password":"***","github_token":"***","hook_secret":"***"})");
}

TEST(AuditSummaryTest, MasksInsideArrays) {
  EXPECT_EQ(Summary(R"([{"password":"a"},{"name":"b"}])"), R"([{"password":"***"},{"name":"b"}])");
}

TEST(AuditSummaryTest, SecretsKeepTheirNamesButNotTheirValues) {
  EXPECT_EQ(Summary(R"({"secrets":{"API_KEY":"abc","DB_URL":"postgres://u:p@h/d"}})"),
            R"({"secrets":{"API_KEY":"***","DB_URL":"***"}})");
  EXPECT_EQ(Summary(R"({"secrets":"all of them"})"), R"({"secrets":"***"})");
}

TEST(AuditSummaryTest, EnvValuesStay) {
  EXPECT_EQ(Summary(R"({"env":{"GREETING":"hello","MODE":"prod"}})"),
            R"({"env":{"GREETING":"hello","MODE":"prod"}})");
}

TEST(AuditSummaryTest, NothingForReadsOrAMissingBody) {
  EXPECT_EQ(AuditSummary("GET", json::parse(R"({"password":"x"})")), "");
  EXPECT_EQ(AuditSummary("HEAD", json::object()), "");
  EXPECT_EQ(AuditSummary("DELETE", json()), "");
  EXPECT_EQ(AuditSummary("POST", json::parse(R"({"command":"restart"})")),
            R"({"command":"restart"})");
}

TEST(AuditSummaryTest, LongSummariesAreCutAtACharacterBoundary) {
  std::string value;
  for (int i = 0; i < 600; ++i) value += "\xC3\xA9";  // "é", two bytes each
  std::string summary = AuditSummary("PUT", json{{"note", value}});
  EXPECT_LE(summary.size(), kMaxAuditSummaryBytes);
  EXPECT_GE(summary.size(), kMaxAuditSummaryBytes - 2);
  EXPECT_TRUE(summary.ends_with("\xE2\x80\xA6")) << summary.substr(summary.size() - 10);
  EXPECT_FALSE(json::accept(summary));
  // Every byte before the ellipsis belongs to a whole "é" (or the JSON around it).
  std::string head = summary.substr(0, summary.size() - 3);
  EXPECT_EQ(head.substr(0, 9), R"({"note":")");
  EXPECT_EQ((head.size() - 9) % 2, 0u);
  EXPECT_EQ(AuditSummary("PUT", json{{"note", "short"}}), R"({"note":"short"})");
}

TEST(AuditOutcomeTest, ClassifiesStatuses) {
  EXPECT_EQ(AuditOutcome(200), "ok");
  EXPECT_EQ(AuditOutcome(204), "ok");
  EXPECT_EQ(AuditOutcome(302), "ok");
  EXPECT_EQ(AuditOutcome(401), "refused");
  EXPECT_EQ(AuditOutcome(403), "refused");
  EXPECT_EQ(AuditOutcome(429), "refused");
  EXPECT_EQ(AuditOutcome(404), "failed");
  EXPECT_EQ(AuditOutcome(422), "failed");
  EXPECT_EQ(AuditOutcome(500), "failed");
}

TEST(IsAuditedTest, WritesAndRefusalsAreRecordedAnsweredReadsAreNot) {
  for (const char* method : {"POST", "PUT", "PATCH", "DELETE"}) {
    EXPECT_TRUE(IsAudited(method, 200)) << method;
    EXPECT_TRUE(IsAudited(method, 404)) << method;
    EXPECT_TRUE(IsAudited(method, 403)) << method;
  }
  for (const char* method : {"GET", "HEAD", "OPTIONS"}) {
    EXPECT_FALSE(IsAudited(method, 200)) << method;
    EXPECT_FALSE(IsAudited(method, 404)) << method;
    EXPECT_TRUE(IsAudited(method, 401)) << method;
    EXPECT_TRUE(IsAudited(method, 403)) << method;
    EXPECT_TRUE(IsAudited(method, 429)) << method;
  }
}

class AuditTrailTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<Database>> db = Database::Open(":memory:");
    ASSERT_TRUE(db.ok()) << db.status().message();
    db_ = std::move(db).value();
  }

  AuditEntry Entry(int64_t ts_ms, int status) {
    return AuditEntry{.ts_ms = ts_ms,
                      .principal = "admin",
                      .client = "127.0.0.1",
                      .method = "DELETE",
                      .route = "/v1/apps/shop",
                      .app = "shop",
                      .status = status};
  }

  EventLoop loop_;
  std::unique_ptr<Database> db_;
};

TEST_F(AuditTrailTest, RecordsWithTheOutcomeOfTheStatus) {
  AuditTrail trail(&loop_, db_.get(), 90);
  int64_t now = WallClockMs();
  trail.Record(Entry(now, 204));
  trail.Record(Entry(now + 1, 403));
  Result<std::vector<AuditEntry>> found = trail.Find({});
  ASSERT_TRUE(found.ok()) << found.status().message();
  ASSERT_EQ(found->size(), 2u);
  EXPECT_EQ((*found)[0].outcome, "refused");
  EXPECT_EQ((*found)[1].outcome, "ok");
}

TEST_F(AuditTrailTest, PrunesEntriesOlderThanItsDaysWhenItStarts) {
  AuditRepository repository(db_.get());
  int64_t now = WallClockMs();
  int64_t day = int64_t{24} * 3600 * 1000;
  for (int64_t age_days : {1, 6, 8, 30}) {
    Status appended = repository.Append(Entry(now - age_days * day, 200));
    ASSERT_TRUE(appended.ok()) << appended.message();
  }
  AuditTrail trail(&loop_, db_.get(), 7);
  Result<std::vector<AuditEntry>> found = trail.Find({});
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->size(), 2u);
  EXPECT_EQ((*found)[0].ts_ms, now - day);
  EXPECT_EQ((*found)[1].ts_ms, now - 6 * day);
}

TEST_F(AuditTrailTest, AnonymousRefusalsAreWrittenTogetherAndCountedPastTheCap) {
  AuditTrail trail(&loop_, db_.get(), 90);
  AuditEntry refused = Entry(WallClockMs(), 401);
  refused.principal = "anonymous";
  for (size_t i = 0; i < AuditTrail::kMaxPending + 5; ++i) trail.Record(refused);
  trail.Record(Entry(WallClockMs(), 204));  // a known caller's is written at once
  ASSERT_EQ(trail.Find({})->size(), 1u);
  ASSERT_TRUE(RunUntil(&loop_, [&] { return trail.Find({.limit = 2000})->size() > 1; }));
  Result<std::vector<AuditEntry>> found = trail.Find({.limit = 2000});
  ASSERT_EQ(found->size(), AuditTrail::kMaxPending + 2);
  int counted = 0;
  for (const AuditEntry& entry : *found)
    if (entry.summary.rfind("5 more requests without valid credentials", 0) == 0) ++counted;
  EXPECT_EQ(counted, 1);
}

TEST_F(AuditTrailTest, AFailedWriteIsLoggedNotThrown) {
  AuditTrail trail(&loop_, db_.get(), 90);
  ASSERT_TRUE(db_->Exec("DROP TABLE audit").ok());
  EXPECT_NO_THROW(trail.Record(Entry(WallClockMs(), 200)));
  EXPECT_FALSE(trail.Find({}).ok());
}

}  // namespace
}  // namespace berth
