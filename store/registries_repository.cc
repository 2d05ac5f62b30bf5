// RegistriesRepository: SQL for the `registries` table, sealing passwords on the way in and
// unsealing them on the way out.
#include "store/registries_repository.h"

#include <utility>

namespace berth {
namespace {

constexpr std::string_view kListSql =
    "SELECT host, username, password, created_at, updated_at FROM registries ORDER BY host";
constexpr std::string_view kGetSql =
    "SELECT host, username, password, created_at, updated_at FROM registries WHERE host = ?1";
constexpr std::string_view kPutSql =
    "INSERT INTO registries (host, username, password, created_at, updated_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (host) DO UPDATE SET username = excluded.username, "
    "password = excluded.password, updated_at = excluded.updated_at";
constexpr std::string_view kRemoveSql = "DELETE FROM registries WHERE host = ?1";

}  // namespace

RegistriesRepository::RegistriesRepository(Database* db, SecretsSource secrets)
    : db_(db), secrets_(std::move(secrets)) {}

Result<StoredRegistry> RegistriesRepository::Read(const Statement& stmt) {
  StoredRegistry registry{stmt.ColumnText(0), stmt.ColumnText(1), "", stmt.ColumnText(3),
                          stmt.ColumnText(4)};
  Result<SecretBox*> box = secrets_();
  if (!box.ok()) return box.status();
  Result<std::string> password = (*box)->Unseal(stmt.ColumnText(2));
  if (!password.ok())
    return Status::IOError("cannot unseal the password of registry " + registry.host + ": " +
                           password.status().message());
  registry.password = std::move(password).value();
  return registry;
}

Result<std::vector<StoredRegistry>> RegistriesRepository::List() {
  Result<Query> query = Query::Start(db_, list_, kListSql);
  if (!query.ok()) return query.status();
  std::vector<StoredRegistry> registries;
  while (true) {
    Result<bool> row = (*query)->Step();
    if (!row.ok()) return row.status();
    if (!*row) return registries;
    Result<StoredRegistry> registry = Read(**query);
    if (!registry.ok()) return registry.status();
    registries.push_back(std::move(registry).value());
  }
}

Result<std::optional<StoredRegistry>> RegistriesRepository::Get(const std::string& host) {
  Result<Query> query = Query::Start(db_, get_, kGetSql, {host});
  if (!query.ok()) return query.status();
  Result<bool> row = (*query)->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<StoredRegistry>();
  Result<StoredRegistry> registry = Read(**query);
  if (!registry.ok()) return registry.status();
  return std::optional<StoredRegistry>(std::move(registry).value());
}

Status RegistriesRepository::Put(const StoredRegistry& registry) {
  Result<SecretBox*> box = secrets_();
  if (!box.ok()) return box.status();
  std::string sealed = (*box)->Seal(registry.password);
  Result<Query> query = Query::Start(
      db_, put_, kPutSql,
      {registry.host, registry.username, sealed, registry.created_at, registry.updated_at});
  return query.ok() ? query->Run() : query.status();
}

Status RegistriesRepository::Remove(const std::string& host) {
  Result<Query> query = Query::Start(db_, remove_, kRemoveSql, {host});
  if (!query.ok()) return query.status();
  if (Status s = query->Run(); !s.ok()) return s;
  if (db_->changes() == 0) return Status::NotFound("no registry named '" + host + "'");
  return Status::Ok();
}

}  // namespace berth
