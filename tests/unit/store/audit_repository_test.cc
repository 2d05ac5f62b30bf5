// Tests of AuditRepository: round trips with and without user and app, each filter and their
// combinations, newest-first order, the limit, and pruning by age.
#include "store/audit_repository.h"

#include <gtest/gtest.h>

namespace berth {
namespace {

class AuditRepositoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<Database>> db = Database::Open(":memory:");
    ASSERT_TRUE(db.ok()) << db.status().message();
    db_ = std::move(db).value();
    audit_ = std::make_unique<AuditRepository>(db_.get());
  }

  // Appends an entry at `ts_ms` by `user` about `app`.
  void Add(int64_t ts_ms, const std::string& user, const std::string& app, int status = 200) {
    AuditEntry entry{.ts_ms = ts_ms,
                     .principal = user.empty() ? "admin" : "user:" + user,
                     .user = user,
                     .client = "127.0.0.1",
                     .method = "POST",
                     .route = app.empty() ? "/v1/users" : "/v1/apps/" + app + "/control",
                     .app = app,
                     .status = status,
                     .outcome = status < 400 ? "ok" : "failed",
                     .summary = "{\"command\":\"restart\"}"};
    Status appended = audit_->Append(entry);
    ASSERT_TRUE(appended.ok()) << appended.message();
  }

  // The timestamps Find returns for `filter`, in order.
  std::vector<int64_t> Times(const AuditFilter& filter) {
    Result<std::vector<AuditEntry>> found = audit_->Find(filter);
    EXPECT_TRUE(found.ok()) << found.status().message();
    std::vector<int64_t> times;
    if (found.ok()) {
      for (const AuditEntry& entry : *found) times.push_back(entry.ts_ms);
    }
    return times;
  }

  std::unique_ptr<Database> db_;
  std::unique_ptr<AuditRepository> audit_;
};

TEST_F(AuditRepositoryTest, RoundTripsEveryField) {
  Add(1000, "alice", "shop", 403);
  Result<std::vector<AuditEntry>> found = audit_->Find({});
  ASSERT_TRUE(found.ok()) << found.status().message();
  ASSERT_EQ(found->size(), 1u);
  const AuditEntry& entry = (*found)[0];
  EXPECT_GT(entry.id, 0);
  EXPECT_EQ(entry.ts_ms, 1000);
  EXPECT_EQ(entry.principal, "user:alice");
  EXPECT_EQ(entry.user, "alice");
  EXPECT_EQ(entry.client, "127.0.0.1");
  EXPECT_EQ(entry.method, "POST");
  EXPECT_EQ(entry.route, "/v1/apps/shop/control");
  EXPECT_EQ(entry.app, "shop");
  EXPECT_EQ(entry.status, 403);
  EXPECT_EQ(entry.outcome, "failed");
  EXPECT_EQ(entry.summary, "{\"command\":\"restart\"}");
}

TEST_F(AuditRepositoryTest, EmptyUserAndAppAreStoredAsNull) {
  Add(1000, "", "");
  Result<Statement> stmt = db_->Prepare("SELECT user IS NULL, app IS NULL FROM audit");
  ASSERT_TRUE(stmt.ok());
  Result<bool> row = stmt->Step();
  ASSERT_TRUE(row.ok() && *row);
  EXPECT_EQ(stmt->ColumnInt64(0), 1);
  EXPECT_EQ(stmt->ColumnInt64(1), 1);
  Result<std::vector<AuditEntry>> found = audit_->Find({});
  ASSERT_TRUE(found.ok());
  EXPECT_EQ((*found)[0].user, "");
  EXPECT_EQ((*found)[0].app, "");
}

TEST_F(AuditRepositoryTest, NewestFirstWithTiesByInsertionOrder) {
  Add(2000, "alice", "shop");
  Add(1000, "alice", "shop");
  Add(3000, "alice", "shop");
  Add(3000, "bob", "shop");
  Result<std::vector<AuditEntry>> found = audit_->Find({});
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->size(), 4u);
  EXPECT_EQ((*found)[0].user, "bob");
  EXPECT_EQ(Times({}), (std::vector<int64_t>{3000, 3000, 2000, 1000}));
}

TEST_F(AuditRepositoryTest, FiltersByAppUserAndTime) {
  Add(1000, "alice", "shop");
  Add(2000, "bob", "shop");
  Add(3000, "alice", "blog");
  Add(4000, "", "shop");
  Add(5000, "alice", "");
  EXPECT_EQ(Times({.app = "shop"}), (std::vector<int64_t>{4000, 2000, 1000}));
  EXPECT_EQ(Times({.user = "alice"}), (std::vector<int64_t>{5000, 3000, 1000}));
  EXPECT_EQ(Times({.app = "shop", .user = "alice"}), (std::vector<int64_t>{1000}));
  EXPECT_EQ(Times({.since_ms = 2000}), (std::vector<int64_t>{5000, 4000, 3000, 2000}));
  EXPECT_EQ(Times({.until_ms = 2000}), (std::vector<int64_t>{2000, 1000}));
  EXPECT_EQ(Times({.user = "alice", .since_ms = 2000, .until_ms = 4000}),
            (std::vector<int64_t>{3000}));
  EXPECT_TRUE(Times({.app = "nope"}).empty());
}

TEST_F(AuditRepositoryTest, LimitKeepsTheNewest) {
  for (int64_t ts = 1; ts <= 10; ++ts) Add(ts * 1000, "alice", "shop");
  EXPECT_EQ(Times({.limit = 3}), (std::vector<int64_t>{10000, 9000, 8000}));
  EXPECT_EQ(Times({.app = "shop", .limit = 1}), (std::vector<int64_t>{10000}));
}

TEST_F(AuditRepositoryTest, PruneBeforeRemovesOnlyOlderEntries) {
  Add(1000, "alice", "shop");
  Add(2000, "alice", "shop");
  Add(3000, "alice", "shop");
  Result<int64_t> pruned = audit_->PruneBefore(2000);
  ASSERT_TRUE(pruned.ok()) << pruned.status().message();
  EXPECT_EQ(*pruned, 1);
  EXPECT_EQ(Times({}), (std::vector<int64_t>{3000, 2000}));
  pruned = audit_->PruneBefore(1000);
  ASSERT_TRUE(pruned.ok());
  EXPECT_EQ(*pruned, 0);
}

}  // namespace
}  // namespace berth
