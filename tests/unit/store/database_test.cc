// Tests of Database: pragmas, migrations, transactions and refusal of foreign files.
#include "store/database.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>

namespace berth {
namespace {

namespace fs = std::filesystem;

class DatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "berth-db-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    path_ = (dir_ / "state.db").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<Database> OpenOrDie() {
    Result<std::unique_ptr<Database>> db = Database::Open(path_);
    EXPECT_TRUE(db.ok()) << db.status().message();
    return db.ok() ? std::move(db).value() : nullptr;
  }

  fs::path dir_;
  std::string path_;
};

std::string QueryText(Database& db, std::string_view sql) {
  Result<Statement> stmt = db.Prepare(sql);
  EXPECT_TRUE(stmt.ok()) << stmt.status().message();
  Result<bool> row = stmt->Step();
  EXPECT_TRUE(row.ok() && *row) << sql;
  return stmt->ColumnText(0);
}

int64_t CountEvents(Database& db) {
  Result<Statement> stmt = db.Prepare("SELECT count(*) FROM events");
  EXPECT_TRUE(stmt.ok());
  EXPECT_TRUE(stmt->Step().ok());
  return stmt->ColumnInt64(0);
}

Status InsertEvent(Database& db, std::string_view kind) {
  Result<Statement> stmt =
      db.Prepare("INSERT INTO events (ts, app, kind, data) VALUES ('t', NULL, ?1, '{}')");
  if (!stmt.ok()) {
    return stmt.status();
  }
  if (Status s = stmt->Bind(1, kind); !s.ok()) {
    return s;
  }
  Result<bool> row = stmt->Step();
  return row.ok() ? Status::Ok() : row.status();
}

TEST(DatabaseMemoryTest, MigrationsSetUserVersionAndCreateTables) {
  Result<std::unique_ptr<Database>> db = Database::Open(":memory:");
  ASSERT_TRUE(db.ok()) << db.status().message();
  EXPECT_EQ((*db)->user_version(), Database::kSchemaVersion);
  EXPECT_EQ(QueryText(**db,
                      "SELECT group_concat(name) FROM (SELECT name FROM sqlite_schema "
                      "WHERE type = 'table' AND name IN ('apps', 'events') ORDER BY name)"),
            "apps,events");
}

TEST_F(DatabaseTest, FileDatabaseIsDurable) {
  std::unique_ptr<Database> db = OpenOrDie();
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(QueryText(*db, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(QueryText(*db, "PRAGMA synchronous"), "2");
  EXPECT_EQ(QueryText(*db, "PRAGMA foreign_keys"), "1");
  EXPECT_NE(QueryText(*db, "PRAGMA busy_timeout"), "0");
}

TEST_F(DatabaseTest, ReopenKeepsDataAndDoesNotMigrateAgain) {
  {
    std::unique_ptr<Database> db = OpenOrDie();
    ASSERT_NE(db, nullptr);
    ASSERT_TRUE(InsertEvent(*db, "created").ok());
  }
  std::unique_ptr<Database> db = OpenOrDie();
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(db->user_version(), Database::kSchemaVersion);
  EXPECT_EQ(CountEvents(*db), 1);
}

TEST_F(DatabaseTest, RefusesNewerSchema) {
  {
    std::unique_ptr<Database> db = OpenOrDie();
    ASSERT_NE(db, nullptr);
    ASSERT_TRUE(db->Exec("PRAGMA user_version = 99").ok());
  }
  Result<std::unique_ptr<Database>> db = Database::Open(path_);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), Status::Code::kIOError);
  EXPECT_NE(db.status().message().find("database " + path_ +
                                       " was written by a newer berth "
                                       "(schema 99 > " +
                                       std::to_string(Database::kSchemaVersion) + ")"),
            std::string::npos)
      << db.status().message();
}

TEST_F(DatabaseTest, RefusesGarbageFile) {
  std::ofstream(path_) << "this is not a database, just some text that is long enough\n";
  Result<std::unique_ptr<Database>> db = Database::Open(path_);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), Status::Code::kIOError);
  EXPECT_NE(db.status().message().find(path_), std::string::npos) << db.status().message();
  EXPECT_NE(db.status().message().find("not a database"), std::string::npos)
      << db.status().message();
}

TEST_F(DatabaseTest, MissingDirectoryIsAnError) {
  Result<std::unique_ptr<Database>> db = Database::Open((dir_ / "missing" / "x.db").string());
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), Status::Code::kIOError);
  EXPECT_NE(db.status().message().find("missing/x.db"), std::string::npos) << db.status().message();
}

class TransactionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<Database>> db = Database::Open(":memory:");
    ASSERT_TRUE(db.ok()) << db.status().message();
    db_ = std::move(db).value();
  }
  std::unique_ptr<Database> db_;
};

TEST_F(TransactionTest, CommitsWhenBodySucceeds) {
  Status s = db_->Transaction([&] { return InsertEvent(*db_, "a"); });
  EXPECT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(CountEvents(*db_), 1);
}

TEST_F(TransactionTest, RollsBackAndReturnsBodyError) {
  Status s = db_->Transaction([&] {
    EXPECT_TRUE(InsertEvent(*db_, "a").ok());
    return Status::Conflict("changed my mind");
  });
  EXPECT_EQ(s.code(), Status::Code::kConflict);
  EXPECT_EQ(s.message(), "changed my mind");
  EXPECT_EQ(CountEvents(*db_), 0);
}

TEST_F(TransactionTest, RollsBackWhenBodyThrows) {
  auto body = [&]() -> Status {
    EXPECT_TRUE(InsertEvent(*db_, "a").ok());
    throw std::runtime_error("boom");
  };
  EXPECT_THROW(db_->Transaction(body), std::runtime_error);
  EXPECT_EQ(CountEvents(*db_), 0);
  EXPECT_TRUE(db_->Transaction([&] { return InsertEvent(*db_, "b"); }).ok());
}

TEST_F(TransactionTest, NestedFailureRollsBackOnlyTheInnerPart) {
  Status s = db_->Transaction([&] {
    EXPECT_TRUE(InsertEvent(*db_, "outer").ok());
    Status inner = db_->Transaction([&] {
      EXPECT_TRUE(InsertEvent(*db_, "inner").ok());
      return Status::Invalid("no");
    });
    EXPECT_FALSE(inner.ok());
    return Status::Ok();
  });
  EXPECT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(CountEvents(*db_), 1);
}

TEST_F(TransactionTest, ErrorsNameTheStatement) {
  Result<Statement> stmt = db_->Prepare("SELECT nope FROM nowhere");
  ASSERT_FALSE(stmt.ok());
  EXPECT_EQ(stmt.status().code(), Status::Code::kIOError);
  EXPECT_NE(stmt.status().message().find("nowhere"), std::string::npos);

  Status s = db_->Exec("INSERT INTO apps (name) VALUES ('x')");
  EXPECT_EQ(s.code(), Status::Code::kIOError);
  EXPECT_NE(s.message().find("NOT NULL"), std::string::npos) << s.message();
}

TEST_F(TransactionTest, StatementBindsEveryType) {
  Result<Statement> stmt = db_->Prepare("SELECT ?1, ?2, ?3, ?4");
  ASSERT_TRUE(stmt.ok());
  ASSERT_TRUE(stmt->Bind(1, "text").ok());
  ASSERT_TRUE(stmt->Bind(2, int64_t{1} << 40).ok());
  ASSERT_TRUE(stmt->Bind(3, nullptr).ok());
  ASSERT_TRUE(stmt->Bind(4, std::string_view()).ok());
  Result<bool> row = stmt->Step();
  ASSERT_TRUE(row.ok() && *row);
  EXPECT_EQ(stmt->ColumnText(0), "text");
  EXPECT_EQ(stmt->ColumnInt64(1), int64_t{1} << 40);
  EXPECT_TRUE(stmt->ColumnIsNull(2));
  EXPECT_FALSE(stmt->ColumnIsNull(3));  // an empty string is not NULL
  EXPECT_EQ(stmt->ColumnText(3), "");
  stmt->Reset();
  ASSERT_TRUE(stmt->Step().ok());
  EXPECT_TRUE(stmt->ColumnIsNull(0));  // Reset clears bindings
}

TEST_F(TransactionTest, QueryPreparesOnceBindsInOrderAndResetsAfterUse) {
  std::optional<Statement> slot;
  std::optional<std::string> absent;
  {
    Result<Query> query = Query::Start(db_.get(), slot, "SELECT ?1, ?2, ?3, ?4",
                                       {"text", int64_t{7}, absent, std::string("kept")});
    ASSERT_TRUE(query.ok()) << query.status().message();
    Result<bool> row = (*query)->Step();
    ASSERT_TRUE(row.ok() && *row);
    EXPECT_EQ((*query)->ColumnText(0), "text");
    EXPECT_EQ((*query)->ColumnInt64(1), 7);
    EXPECT_TRUE((*query)->ColumnIsNull(2));  // an empty optional is NULL
    EXPECT_EQ((*query)->ColumnText(3), "kept");
  }
  ASSERT_TRUE(slot.has_value());
  Statement* prepared = &*slot;
  // Reset when the Query ended: the statement runs again from its start, without bindings.
  ASSERT_TRUE(prepared->Step().ok());
  EXPECT_TRUE(prepared->ColumnIsNull(0));
  prepared->Reset();
  Result<Query> again = Query::Start(db_.get(), slot, "not even SQL: already prepared", {"x"});
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(&**again, prepared);

  std::optional<Statement> broken;
  Result<Query> bad = Query::Start(db_.get(), broken, "SELEC 1");
  EXPECT_EQ(bad.status().code(), Status::Code::kIOError);
  EXPECT_FALSE(broken.has_value());
}

}  // namespace
}  // namespace berth
