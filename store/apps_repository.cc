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

Result<std::vector<StoredApp>> AppsRepository::List() {
  Result<Query> query = Query::Start(db_, list_, kListSql);
  if (!query.ok()) {
    return query.status();
  }
  std::vector<StoredApp> apps;
  while (true) {
    Result<bool> row = (*query)->Step();
    if (!row.ok()) {
      return row.status();
    }
    if (!*row) {
      return apps;
    }
    apps.push_back(ReadApp(**query));
  }
}

Result<std::optional<StoredApp>> AppsRepository::Get(const std::string& name) {
  Result<Query> query = Query::Start(db_, get_, kGetSql, {name});
  if (!query.ok()) {
    return query.status();
  }
  Result<bool> row = (*query)->Step();
  if (!row.ok()) {
    return row.status();
  }
  if (!*row) {
    return std::optional<StoredApp>();
  }
  return std::optional<StoredApp>(ReadApp(**query));
}

Status AppsRepository::Put(const StoredApp& app) {
  Result<Query> query =
      Query::Start(db_, put_, kPutSql, {app.name, app.spec_json, app.created_at, app.updated_at});
  return query.ok() ? query->Run() : query.status();
}

Status AppsRepository::Remove(const std::string& name) {
  Result<Query> query = Query::Start(db_, remove_, kRemoveSql, {name});
  if (!query.ok()) {
    return query.status();
  }
  if (Status s = query->Run(); !s.ok()) {
    return s;
  }
  if (db_->changes() == 0) {
    return Status::NotFound("no app named '" + name + "'");
  }
  return Status::Ok();
}

}  // namespace berth
