// UsersRepository: SQL for the `users` and `tokens` tables.
#include "store/users_repository.h"

namespace berth {
namespace {

constexpr std::string_view kListUsersSql =
    "SELECT name, password, grants, created_at, updated_at FROM users ORDER BY name";
constexpr std::string_view kInsertUserSql =
    "INSERT INTO users (name, password, grants, created_at, updated_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (name) DO NOTHING";
constexpr std::string_view kUpdateUserSql =
    "UPDATE users SET password = ?2, grants = ?3, updated_at = ?4 WHERE name = ?1";
constexpr std::string_view kRemoveUserSql = "DELETE FROM users WHERE name = ?1";
constexpr std::string_view kListTokensSql =
    "SELECT id, user, name, hash, grants, created_at, expires_at, last_used_at FROM tokens "
    "ORDER BY id";
constexpr std::string_view kInsertTokenSql =
    "INSERT INTO tokens (user, name, hash, grants, created_at, expires_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
constexpr std::string_view kRemoveTokenSql = "DELETE FROM tokens WHERE id = ?1 AND user = ?2";
constexpr std::string_view kLastUsedSql = "UPDATE tokens SET last_used_at = ?2 WHERE id = ?1";

std::optional<std::string> OptionalText(const Statement& stmt, int col) {
  if (stmt.ColumnIsNull(col)) return std::nullopt;
  return stmt.ColumnText(col);
}

}  // namespace

UsersRepository::UsersRepository(Database* db) : db_(db) {}

Result<std::vector<StoredUser>> UsersRepository::ListUsers() {
  Result<Query> query = Query::Start(db_, list_users_, kListUsersSql);
  if (!query.ok()) return query.status();
  std::vector<StoredUser> users;
  while (true) {
    Result<bool> row = (*query)->Step();
    if (!row.ok()) return row.status();
    if (!*row) return users;
    const Statement& s = **query;
    users.push_back(
        {s.ColumnText(0), s.ColumnText(1), s.ColumnText(2), s.ColumnText(3), s.ColumnText(4)});
  }
}

Status UsersRepository::InsertUser(const StoredUser& user) {
  Result<Query> query =
      Query::Start(db_, insert_user_, kInsertUserSql,
                   {user.name, user.password, user.grants, user.created_at, user.updated_at});
  if (!query.ok()) return query.status();
  if (Status s = query->Run(); !s.ok()) return s;
  if (db_->changes() == 0)
    return Status::Conflict("a user named '" + user.name + "' exists", "name");
  return Status::Ok();
}

Status UsersRepository::UpdateUser(const StoredUser& user) {
  Result<Query> query = Query::Start(db_, update_user_, kUpdateUserSql,
                                     {user.name, user.password, user.grants, user.updated_at});
  if (!query.ok()) return query.status();
  if (Status s = query->Run(); !s.ok()) return s;
  if (db_->changes() == 0) return Status::NotFound("no user named '" + user.name + "'");
  return Status::Ok();
}

Status UsersRepository::RemoveUser(const std::string& name) {
  Result<Query> query = Query::Start(db_, remove_user_, kRemoveUserSql, {name});
  if (!query.ok()) return query.status();
  if (Status s = query->Run(); !s.ok()) return s;
  if (db_->changes() == 0) return Status::NotFound("no user named '" + name + "'");
  return Status::Ok();
}

Result<std::vector<StoredToken>> UsersRepository::ListTokens() {
  Result<Query> query = Query::Start(db_, list_tokens_, kListTokensSql);
  if (!query.ok()) return query.status();
  std::vector<StoredToken> tokens;
  while (true) {
    Result<bool> row = (*query)->Step();
    if (!row.ok()) return row.status();
    if (!*row) return tokens;
    const Statement& s = **query;
    tokens.push_back({.id = s.ColumnInt64(0),
                      .user = s.ColumnText(1),
                      .name = s.ColumnText(2),
                      .hash = s.ColumnText(3),
                      .grants = OptionalText(s, 4),
                      .created_at = s.ColumnText(5),
                      .expires_at = OptionalText(s, 6),
                      .last_used_at = OptionalText(s, 7)});
  }
}

Result<int64_t> UsersRepository::InsertToken(const StoredToken& token) {
  Result<Query> query = Query::Start(
      db_, insert_token_, kInsertTokenSql,
      {token.user, token.name, token.hash, token.grants, token.created_at, token.expires_at});
  if (!query.ok()) return query.status();
  if (Status s = query->Run(); !s.ok()) return s;
  Result<Statement> id = db_->Prepare("SELECT last_insert_rowid()");
  if (!id.ok()) return id.status();
  Result<bool> row = id->Step();
  if (!row.ok()) return row.status();
  return id->ColumnInt64(0);
}

Status UsersRepository::RemoveToken(const std::string& user, int64_t id) {
  Result<Query> query = Query::Start(db_, remove_token_, kRemoveTokenSql, {id, user});
  if (!query.ok()) return query.status();
  if (Status s = query->Run(); !s.ok()) return s;
  if (db_->changes() == 0)
    return Status::NotFound("user '" + user + "' has no token " + std::to_string(id));
  return Status::Ok();
}

Status UsersRepository::SetLastUsed(int64_t id, const std::string& at) {
  Result<Query> query = Query::Start(db_, last_used_, kLastUsedSql, {id, at});
  return query.ok() ? query->Run() : query.status();
}

}  // namespace berth
