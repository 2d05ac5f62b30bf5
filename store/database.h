// Database: berthd's SQLite connection, its durability pragmas and its schema migrations.
// Statement: an owned prepared statement of that connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "base/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace berth {

// A prepared statement. Owns its sqlite3_stmt; move-only. Parameter indexes are 1-based
// (`?1`, `?2`...), column indexes 0-based. Failures are IOError naming the SQL.
// REQUIRES: the Database that prepared it is alive while the statement is used.
class Statement {
 public:
  explicit Statement(sqlite3_stmt* stmt);

  Status Bind(int idx, std::string_view text);
  Status Bind(int idx, int64_t value);
  Status Bind(int idx, std::nullptr_t);

  // Runs one step: true when a row is available, false when the statement is done.
  Result<bool> Step();

  // Columns of the current row. A NULL column reads as "" or 0.
  std::string ColumnText(int col) const;
  int64_t ColumnInt64(int col) const;
  bool ColumnIsNull(int col) const;

  // Makes the statement ready to run again and clears its bindings.
  void Reset();

 private:
  Status Error(std::string_view operation) const;

  struct Finalizer {
    void operator()(sqlite3_stmt* stmt) const;
  };
  std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
};

// A statement parameter: NULL, an integer or text. An empty optional is NULL. Text is not
// copied: it must outlive the binding call.
class SqlParam {
 public:
  SqlParam(std::nullptr_t) {}                        // NOLINT: implicit by design
  SqlParam(int64_t value) : value_(value) {}         // NOLINT
  SqlParam(std::string_view text) : value_(text) {}  // NOLINT
  SqlParam(const std::string& text) : value_(std::string_view(text)) {}  // NOLINT
  SqlParam(const char* text) : value_(std::string_view(text)) {}         // NOLINT
  SqlParam(const std::optional<std::string>& text) {                     // NOLINT
    if (text) value_ = std::string_view(*text);
  }
  SqlParam(std::optional<std::string_view> text) {  // NOLINT
    if (text) value_ = *text;
  }

  Status BindTo(Statement* stmt, int idx) const;

 private:
  std::variant<std::nullptr_t, int64_t, std::string_view> value_;
};

class Database;

// One use of a statement a repository keeps prepared in a slot of its own: Start prepares it
// there on first use and binds `params` to ?1, ?2...; the Query resets it when it goes out of
// scope, so that it never holds a read snapshot open.
class Query {
 public:
  static Result<Query> Start(Database* db, std::optional<Statement>& slot, std::string_view sql,
                             std::initializer_list<SqlParam> params = {});
  Query(Query&& other) noexcept : stmt_(std::exchange(other.stmt_, nullptr)) {}
  Query& operator=(Query&&) = delete;
  ~Query() {
    if (stmt_) stmt_->Reset();
  }

  Statement* operator->() const { return stmt_; }
  Statement& operator*() const { return *stmt_; }
  // Steps through a statement that returns no rows.
  Status Run();

 private:
  explicit Query(Statement* stmt) : stmt_(stmt) {}
  Statement* stmt_;
};

// One connection to the state database. Not thread-safe: berthd uses it from its loop only.
class Database {
 public:
  // The schema version this binary writes (the number of migrations it knows).
  static constexpr int kSchemaVersion = 5;

  // Opens (creating if missing; the parent directory must exist) the database at `path`,
  // sets journal_mode=WAL, synchronous=FULL, foreign_keys=ON and a busy timeout, then brings
  // the schema up to kSchemaVersion, one transaction per migration. ":memory:" is allowed.
  // Fails with IOError if the file is not a database or was written by a newer berth.
  static Result<std::unique_ptr<Database>> Open(const std::string& path);

  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Runs one or more statements that return no rows.
  Status Exec(std::string_view sql);
  // Prepares the first statement of `sql` (anything after it is ignored).
  Result<Statement> Prepare(std::string_view sql);

  // Runs `body` in a transaction (BEGIN IMMEDIATE, or a savepoint when already inside one):
  // commits if it returns Ok, else rolls back and returns its Status. If `body` throws, rolls
  // back and rethrows.
  Status Transaction(const std::function<Status()>& body);

  // PRAGMA user_version, or -1 if it cannot be read.
  int user_version();
  // Rows changed by the most recent INSERT, UPDATE or DELETE.
  int64_t changes();
  const std::string& path() const { return path_; }

 private:
  struct Closer {
    void operator()(sqlite3* db) const;
  };

  Database(sqlite3* db, std::string path);
  Status Error(std::string_view operation) const;
  Result<int> ReadUserVersion();
  Status Configure();
  Status Migrate();
  Status RunInTransaction(const std::function<Status()>& body, std::string_view begin,
                          std::string_view commit, std::string_view rollback);

  std::unique_ptr<sqlite3, Closer> db_;
  std::string path_;
};

}  // namespace berth
