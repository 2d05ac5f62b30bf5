// Database and Statement: thin owners of the SQLite C API, plus the schema migrations.
#include "store/database.h"

#include <sqlite3.h>

#include <array>
#include <utility>

namespace berth {
namespace {

constexpr int kBusyTimeoutMs = 5000;

// kMigrations[i] brings the schema from version i to version i + 1. Never edit a released
// migration: append a new one.
constexpr std::array<const char*, 5> kMigrations = {
    R"sql(
      CREATE TABLE apps (
        name TEXT PRIMARY KEY,
        spec TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        ts TEXT NOT NULL,
        app TEXT,
        kind TEXT NOT NULL,
        data TEXT NOT NULL
      );
      CREATE INDEX events_app ON events (app, id);
    )sql",
    // 2: deployments, one row per run of fetch -> install -> (re)start of an app.
    R"sql(
      CREATE TABLE deployments (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        app TEXT NOT NULL,
        trigger TEXT NOT NULL,
        revision TEXT,
        ref TEXT,
        release TEXT,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        outcome TEXT NOT NULL,
        error TEXT,
        duration_ms INTEGER,
        log TEXT NOT NULL DEFAULT ''
      );
      CREATE INDEX deployments_app ON deployments (app, id);
    )sql",
    // 3: named registry credentials; the password is sealed (SecretBox).
    R"sql(
      CREATE TABLE registries (
        host TEXT PRIMARY KEY,
        username TEXT NOT NULL,
        password TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
    )sql",
    // 4: users (grants as JSON, the password as a KDF string), their API tokens (only a
    // SHA-256 of each; grants NULL = the user's own) and the audit trail.
    R"sql(
      CREATE TABLE users (
        name TEXT PRIMARY KEY,
        password TEXT,
        grants TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE tokens (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        user TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
        name TEXT NOT NULL,
        hash TEXT NOT NULL UNIQUE,
        grants TEXT,
        created_at TEXT NOT NULL,
        expires_at TEXT,
        last_used_at TEXT
      );
      CREATE INDEX tokens_user ON tokens (user, id);
      CREATE TABLE audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        ts_ms INTEGER NOT NULL,
        principal TEXT NOT NULL,
        user TEXT,
        client TEXT NOT NULL,
        method TEXT NOT NULL,
        route TEXT NOT NULL,
        app TEXT,
        status INTEGER NOT NULL,
        outcome TEXT NOT NULL,
        summary TEXT NOT NULL DEFAULT ''
      );
      CREATE INDEX audit_ts ON audit (ts_ms);
      CREATE INDEX audit_app ON audit (app, ts_ms);
      CREATE INDEX audit_user ON audit (user, ts_ms);
    )sql",
    // 5: the Supervisor-compatible /stacks API: the uuid each compose app is known by there,
    // and the control commands it ran (start, stop, ...) for the stack's job log.
    R"sql(
      CREATE TABLE stacks (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        app TEXT UNIQUE NOT NULL,
        uuid TEXT UNIQUE NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE stack_jobs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        app TEXT NOT NULL,
        run_at TEXT NOT NULL,
        action TEXT NOT NULL,
        status TEXT NOT NULL,
        message TEXT NOT NULL DEFAULT ''
      );
      CREATE INDEX stack_jobs_app ON stack_jobs (app, id);
    )sql",
};
static_assert(kMigrations.size() == Database::kSchemaVersion);

std::string DisplayPath(sqlite3* db) {
  const char* file = sqlite3_db_filename(db, "main");
  return file && *file ? file : ":memory:";
}

}  // namespace

// ---- Statement ----

void Statement::Finalizer::operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }

Statement::Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}

Status Statement::Error(std::string_view operation) const {
  sqlite3* db = sqlite3_db_handle(stmt_.get());
  return Status::IOError("database " + DisplayPath(db) + ": " + std::string(operation) +
                         " failed for `" + sqlite3_sql(stmt_.get()) + "`: " + sqlite3_errmsg(db));
}

Status Statement::Bind(int idx, std::string_view text) {
  // A default string_view has a null data(), which SQLite would bind as NULL.
  const char* data = text.data() ? text.data() : "";
  if (sqlite3_bind_text64(stmt_.get(), idx, data, text.size(), SQLITE_TRANSIENT, SQLITE_UTF8) !=
      SQLITE_OK) {
    return Error("bind");
  }
  return Status::Ok();
}

Status Statement::Bind(int idx, int64_t value) {
  if (sqlite3_bind_int64(stmt_.get(), idx, value) != SQLITE_OK) {
    return Error("bind");
  }
  return Status::Ok();
}

Status Statement::Bind(int idx, std::nullptr_t) {
  if (sqlite3_bind_null(stmt_.get(), idx) != SQLITE_OK) {
    return Error("bind");
  }
  return Status::Ok();
}

Result<bool> Statement::Step() {
  switch (sqlite3_step(stmt_.get())) {
    case SQLITE_ROW:
      return true;
    case SQLITE_DONE:
      return false;
    default:
      return Error("step");
  }
}

std::string Statement::ColumnText(int col) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_.get(), col));
  if (!text) {
    return "";
  }
  return std::string(text, sqlite3_column_bytes(stmt_.get(), col));
}

int64_t Statement::ColumnInt64(int col) const { return sqlite3_column_int64(stmt_.get(), col); }

bool Statement::ColumnIsNull(int col) const {
  return sqlite3_column_type(stmt_.get(), col) == SQLITE_NULL;
}

void Statement::Reset() {
  // sqlite3_reset repeats the last step's error, which Step() has already reported.
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
}

Status SqlParam::BindTo(Statement* stmt, int idx) const {
  return std::visit([&](auto value) { return stmt->Bind(idx, value); }, value_);
}

Result<Query> Query::Start(Database* db, std::optional<Statement>& slot, std::string_view sql,
                           std::initializer_list<SqlParam> params) {
  if (!slot) {
    Result<Statement> prepared = db->Prepare(sql);
    if (!prepared.ok()) {
      return prepared.status();
    }
    slot.emplace(std::move(prepared).value());
  }
  Query query(&*slot);
  int idx = 1;
  for (const SqlParam& param : params) {
    if (Status s = param.BindTo(query.stmt_, idx++); !s.ok()) {
      return s;
    }
  }
  return query;
}

Status Query::Run() {
  Result<bool> row = stmt_->Step();
  return row.ok() ? Status::Ok() : row.status();
}

// ---- Database ----

void Database::Closer::operator()(sqlite3* db) const {
  // close_v2 defers the close until statements still cached elsewhere are finalized.
  sqlite3_close_v2(db);
}

Database::Database(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

Status Database::Error(std::string_view operation) const {
  return Status::IOError("database " + path_ + ": " + std::string(operation) + ": " +
                         sqlite3_errmsg(db_.get()));
}

Result<std::unique_ptr<Database>> Database::Open(const std::string& path) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  // SQLite allocates a handle even when opening fails, so take ownership first.
  std::unique_ptr<Database> db(new Database(raw, path));
  if (rc != SQLITE_OK) {
    return Status::IOError("cannot open database " + path + ": " +
                           (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)) +
                           " (does its directory exist and is it writable?)");
  }
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, kBusyTimeoutMs);
  if (Status s = db->Configure(); !s.ok()) {
    return s;
  }
  if (Status s = db->Migrate(); !s.ok()) {
    return s;
  }
  return db;
}

Status Database::Configure() {
  // Reading the header first makes a non-database file fail before anything is written.
  Result<int> version = ReadUserVersion();
  if (!version.ok()) {
    return Status::IOError("cannot open database " + path_ + ": " + sqlite3_errmsg(db_.get()));
  }
  if (*version > kSchemaVersion) {
    return Status::IOError("database " + path_ + " was written by a newer berth (schema " +
                           std::to_string(*version) + " > " + std::to_string(kSchemaVersion) +
                           "); run a newer berthd or use another state directory");
  }
  // WAL may be refused (e.g. on a network filesystem); the rollback journal with
  // synchronous=FULL is just as durable, only slower, so that is not an error.
  return Exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;");
}

Status Database::Migrate() {
  Result<int> current = ReadUserVersion();
  if (!current.ok()) {
    return current.status();
  }
  for (int version = *current; version < kSchemaVersion; ++version) {
    Status s = Transaction([&] {
      if (Status m = Exec(kMigrations[version]); !m.ok()) {
        return m;
      }
      return Exec("PRAGMA user_version = " + std::to_string(version + 1));
    });
    if (!s.ok()) {
      return Status::IOError("migrating to schema " + std::to_string(version + 1) +
                             " failed: " + s.message());
    }
  }
  return Status::Ok();
}

Result<int> Database::ReadUserVersion() {
  Result<Statement> stmt = Prepare("PRAGMA user_version");
  if (!stmt.ok()) {
    return stmt.status();
  }
  Result<bool> row = stmt->Step();
  if (!row.ok()) {
    return row.status();
  }
  return static_cast<int>(stmt->ColumnInt64(0));
}

int Database::user_version() {
  Result<int> version = ReadUserVersion();
  return version.ok() ? *version : -1;
}

int64_t Database::changes() { return sqlite3_changes64(db_.get()); }

Status Database::Exec(std::string_view sql) {
  std::string text(sql);
  char* message = nullptr;
  if (sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, &message) == SQLITE_OK) {
    return Status::Ok();
  }
  std::string error = message ? message : sqlite3_errmsg(db_.get());
  sqlite3_free(message);
  return Status::IOError("database " + path_ + ": `" + text + "` failed: " + error);
}

Result<Statement> Database::Prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_.get(), sql.data(), static_cast<int>(sql.size()), &stmt, nullptr) !=
      SQLITE_OK) {
    return Error("preparing `" + std::string(sql) + "`");
  }
  if (!stmt) {
    return Status::Internal("cannot prepare `" + std::string(sql) + "`: no statement");
  }
  return Statement(stmt);
}

Status Database::Transaction(const std::function<Status()>& body) {
  if (sqlite3_get_autocommit(db_.get())) {
    return RunInTransaction(body, "BEGIN IMMEDIATE", "COMMIT", "ROLLBACK");
  }
  return RunInTransaction(body, "SAVEPOINT nested", "RELEASE nested",
                          "ROLLBACK TO nested; RELEASE nested");
}

Status Database::RunInTransaction(const std::function<Status()>& body, std::string_view begin,
                                  std::string_view commit, std::string_view rollback) {
  if (Status s = Exec(begin); !s.ok()) {
    return s;
  }
  Status result;
  try {
    result = body();
  } catch (...) {
    Exec(rollback);
    throw;
  }
  if (result.ok()) {
    result = Exec(commit);
  }
  if (!result.ok()) {
    Exec(rollback);
  }
  return result;
}

}  // namespace berth
