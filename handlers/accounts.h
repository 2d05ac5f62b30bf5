// Accounts: the users, their API tokens and the dashboard sessions, kept in memory for the
// per-request check and written through to the store on every change. Turns credentials into
// a Principal.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/hex.h"
#include "handlers/login_limiter.h"
#include "handlers/principal.h"
#include "reactor/background_worker.h"
#include "reactor/event_loop.h"
#include "store/users_repository.h"

namespace berth {

struct UserRecord {
  std::string name;
  std::string password_hash;               // "" when the user has no password
  std::shared_ptr<const GrantSet> grants;  // never null
  std::string created_at;
  std::string updated_at;
};

struct TokenRecord {
  int64_t id = 0;
  std::string user;
  std::string name;
  std::shared_ptr<const GrantSet> grants;  // null: the user's grants
  std::string created_at;
  std::optional<int64_t> expires_ms;
  std::optional<int64_t> last_used_ms;
};

struct AccountsOptions {
  int64_t session_idle_ms = 30 * 60 * 1000;
};

class Accounts {
 public:
  Accounts(EventLoop* loop, Database* db, AccountsOptions options);
  ~Accounts();

  // Reads users and tokens from the store.
  Status Load();
  // Makes sure a user "admin" with manage on global has `password` (the first start's way in
  // to the dashboard). Runs the KDF on the calling thread: for startup only.
  Status BootstrapAdmin(const std::string& password);

  // The principal of a user API token ("berth_..."), or nullopt when unknown or expired.
  std::optional<Principal> FromToken(std::string_view token);
  // The principal of a session cookie's value, or nullopt when unknown or idle too long.
  // Counts as activity.
  std::optional<Principal> FromSession(std::string_view session);

  const std::map<std::string, UserRecord>& users() const { return users_; }
  const UserRecord* FindUser(const std::string& name) const;
  Result<UserRecord> CreateUser(const std::string& name, Grants grants,
                                const std::string& password_hash);
  // Changes what is given; ending the user's sessions when the password changes.
  Result<UserRecord> UpdateUser(const std::string& name, std::optional<Grants> grants,
                                std::optional<std::string> password_hash);
  // Deletes the user with their tokens and sessions.
  Status RemoveUser(const std::string& name);

  std::vector<TokenRecord> TokensOf(const std::string& user) const;
  // A new token; its secret is returned once and only its hash is kept.
  Result<std::pair<TokenRecord, std::string>> CreateToken(const std::string& user,
                                                          const std::string& name,
                                                          std::optional<Grants> grants,
                                                          std::optional<int64_t> expires_ms);
  Status RemoveToken(const std::string& user, int64_t id);

  // A new session of `user`: the cookie value and the principal.
  std::pair<std::string, Principal> StartSession(const std::string& user);
  void EndSession(const std::string& session_key);
  int64_t session_idle_ms() const { return options_.session_idle_ms; }

  // Called with a user's name after their grants or password change, a token of theirs is
  // revoked, or they are removed.
  void set_on_change(std::function<void(const std::string& user)> on_change) {
    on_change_ = std::move(on_change);
  }

  LoginLimiter& limiter() { return limiter_; }
  // Where password hashing runs, off the loop.
  BackgroundWorker& worker() { return worker_; }

 private:
  struct Session {
    std::string user;
    std::string csrf_token;
    int64_t last_seen_ms = 0;
  };
  Principal UserPrincipal(const UserRecord& user, PrincipalKind kind) const;
  void FlushLastUsed();
  void DropSessionsOf(const std::string& user);
  void Changed(const std::string& user);

  Database* db_;
  AccountsOptions options_;
  UsersRepository repository_;
  std::map<std::string, UserRecord> users_;
  std::map<std::string, TokenRecord> tokens_;   // by SHA-256 of the token
  std::map<std::string, Session> sessions_;     // by SHA-256 of the cookie value
  std::map<int64_t, int64_t> last_used_dirty_;  // token id -> when, not yet written
  std::function<void(const std::string&)> on_change_;
  Timer flush_;
  LoginLimiter limiter_;
  BackgroundWorker worker_;
};

}  // namespace berth
