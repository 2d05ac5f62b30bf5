// AppsRepository: SQL for the `apps` table, with its statements prepared once and reused.
#include "store/apps_repository.h"

#include <utility>

namespace berth {
namespace {

constexpr std::string_view kListSql =
    "SELECT name, spec, created_at, updated_at FROM apps ORDER BY name";
constexpr std::string_view kGetSql =
    "SELECT name, spec, created_at, updated_at FROM apps WHERE name = ?1";
constexpr std::string_view kPutSql =
    "INSERT INTO apps (name, spec, created_at, updated_at) VALUES (?1, ?2, ?3, ?4) "
    "ON CONFLICT (name) DO UPDATE SET spec = excluded.spec, updated_at = excluded.updated_at";
constexpr std::string_view kRemoveSql = "DELETE FROM apps WHERE name = ?1";

// Reads the current row of a statement selecting (name, spec, created_at, updated_at).
StoredApp ReadApp(const Statement& stmt) {
  return StoredApp{stmt.ColumnText(0), stmt.ColumnText(1), stmt.ColumnText(2), stmt.ColumnText(3)};
}

}  // namespace

AppsRepository::AppsRepository(Database* db) : db_(db) {}

Result<Statement*> AppsRepository::Cached(std::optional<Statement>& slot, std::string_view sql) {
  if (!slot) {
    Result<Statement> stmt = db_->Prepare(sql);
    if (!stmt.ok()) {
      return stmt.status();
    }
    slot.emplace(std::move(stmt).value());
  }
  return &*slot;
}

Result<std::vector<StoredApp>> AppsRepository::List() {
  Result<Statement*> result = Cached(list_, kListSql);
  if (!result.ok()) {
    return result.status();
  }
  Statement* stmt = *result;
  ResetOnExit reset(stmt);
  std::vector<StoredApp> apps;
  while (true) {
    Result<bool> row = stmt->Step();
    if (!row.ok()) {
      return row.status();
    }
    if (!*row) {
      return apps;
    }
    apps.push_back(ReadApp(*stmt));
  }
}

Result<std::optional<StoredApp>> AppsRepository::Get(const std::string& name) {
  Result<Statement*> result = Cached(get_, kGetSql);
  if (!result.ok()) {
    return result.status();
  }
  Statement* stmt = *result;
  ResetOnExit reset(stmt);
  if (Status s = stmt->Bind(1, name); !s.ok()) {
    return s;
  }
  Result<bool> row = stmt->Step();
  if (!row.ok()) {
    return row.status();
  }
  if (!*row) {
    return std::optional<StoredApp>();
  }
  return std::optional<StoredApp>(ReadApp(*stmt));
}

Status AppsRepository::Put(const StoredApp& app) {
  Result<Statement*> result = Cached(put_, kPutSql);
  if (!result.ok()) {
    return result.status();
  }
  Statement* stmt = *result;
  ResetOnExit reset(stmt);
  for (Status s : {stmt->Bind(1, app.name), stmt->Bind(2, app.spec_json),
                   stmt->Bind(3, app.created_at), stmt->Bind(4, app.updated_at)}) {
    if (!s.ok()) {
      return s;
    }
  }
  Result<bool> row = stmt->Step();
  return row.ok() ? Status::Ok() : row.status();
}

Status AppsRepository::Remove(const std::string& name) {
  Result<Statement*> result = Cached(remove_, kRemoveSql);
  if (!result.ok()) {
    return result.status();
  }
  Statement* stmt = *result;
  ResetOnExit reset(stmt);
  if (Status s = stmt->Bind(1, name); !s.ok()) {
    return s;
  }
  Result<bool> row = stmt->Step();
  if (!row.ok()) {
    return row.status();
  }
  if (db_->changes() == 0) {
    return Status::NotFound("no app named '" + name + "'");
  }
  return Status::Ok();
}

}  // namespace berth
