// UsersRepository: the `users` and `tokens` tables. A user has a name, an optional password
// (a KDF string, never the password) and grants (JSON text the handlers layer reads); a token
// is kept only as the SHA-256 of its secret.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "store/database.h"

namespace berth {

struct StoredUser {
  std::string name;
  std::string password;  // "" when the user has none (API tokens only)
  std::string grants;    // a JSON array
  std::string created_at;
  std::string updated_at;
};

struct StoredToken {
  int64_t id = 0;
  std::string user;
  std::string name;
  std::string hash;                   // hex SHA-256 of the token
  std::optional<std::string> grants;  // a JSON array; nullopt: the user's own grants
  std::string created_at;
  std::optional<std::string> expires_at;
  std::optional<std::string> last_used_at;
};

// Does not own the Database, which must outlive it.
class UsersRepository {
 public:
  explicit UsersRepository(Database* db);

  Result<std::vector<StoredUser>> ListUsers();
  // Inserts a user; Conflict when the name is taken.
  Status InsertUser(const StoredUser& user);
  // Replaces the password, grants and updated_at of a user; NotFound when there is none.
  Status UpdateUser(const StoredUser& user);
  // Deletes a user and every token of theirs; NotFound when there is none.
  Status RemoveUser(const std::string& name);

  // Every token of every user, by id.
  Result<std::vector<StoredToken>> ListTokens();
  // Inserts `token` (its id is ignored) and returns the id given to it.
  Result<int64_t> InsertToken(const StoredToken& token);
  // Deletes token `id` of `user`; NotFound when that user has no such token.
  Status RemoveToken(const std::string& user, int64_t id);
  Status SetLastUsed(int64_t id, const std::string& at);

 private:
  Database* db_;
  std::optional<Statement> list_users_;
  std::optional<Statement> insert_user_;
  std::optional<Statement> update_user_;
  std::optional<Statement> remove_user_;
  std::optional<Statement> list_tokens_;
  std::optional<Statement> insert_token_;
  std::optional<Statement> remove_token_;
  std::optional<Statement> last_used_;
};

}  // namespace berth
