// Accounts: users, tokens and sessions in memory, written through to the store.
#include "handlers/accounts.h"

#include <regex>

#include "handlers/exchange.h"
#include "handlers/password.h"
#include "reactor/clock.h"
#include "reactor/log.h"

namespace berth {
namespace {

constexpr std::string_view kTokenPrefix = "berth_";
// A token's last use is written at most this often; the API shows it to the minute.
constexpr long kFlushLastUsedMs = 60 * 1000;

Result<Grants> GrantsFromText(const std::string& text, const std::string& whose) {
  try {
    return ParseGrants(nlohmann::json::parse(text));
  } catch (const nlohmann::json::exception&) {
    return Status::IOError("the stored grants of " + whose + " are not JSON");
  }
}

}  // namespace

Accounts::Accounts(EventLoop* loop, Database* db, AccountsOptions options)
    : db_(db),
      options_(options),
      repository_(db),
      flush_(loop, [this] { FlushLastUsed(); }),
      worker_(loop) {
  flush_.StartRepeating(kFlushLastUsedMs);
}

Accounts::~Accounts() { FlushLastUsed(); }

Status Accounts::Load() {
  auto users = repository_.ListUsers();
  if (!users.ok()) return users.status();
  for (const StoredUser& stored : *users) {
    auto grants = GrantsFromText(stored.grants, "user " + stored.name);
    if (!grants.ok()) return grants.status();
    users_[stored.name] = {stored.name, stored.password,
                           std::make_shared<const GrantSet>(std::move(grants).value()),
                           stored.created_at, stored.updated_at};
  }
  auto tokens = repository_.ListTokens();
  if (!tokens.ok()) return tokens.status();
  for (const StoredToken& stored : *tokens) {
    TokenRecord token{
        .id = stored.id, .user = stored.user, .name = stored.name, .created_at = stored.created_at};
    if (stored.grants) {
      auto grants = GrantsFromText(*stored.grants, "token " + std::to_string(stored.id));
      if (!grants.ok()) return grants.status();
      token.grants = std::make_shared<const GrantSet>(std::move(grants).value());
    }
    if (stored.expires_at) token.expires_ms = ParseRfc3339(*stored.expires_at);
    if (stored.last_used_at) token.last_used_ms = ParseRfc3339(*stored.last_used_at);
    tokens_[stored.hash] = std::move(token);
  }
  return Status::Ok();
}

Status Accounts::BootstrapAdmin(const std::string& password) {
  if (Status s = CheckPasswordRules(password); !s.ok())
    return Status::Invalid("the admin password (BERTH_ADMIN_PASSWORD or admin-password): " +
                           s.message());
  const UserRecord* admin = FindUser("admin");
  if (admin && VerifyPassword(password, admin->password_hash)) return Status::Ok();
  if (!admin) {
    auto created = CreateUser("admin", {Grant{.scope = "global", .actions = {Action::kManage}}},
                              HashPassword(password));
    return created.ok() ? Status::Ok() : created.status();
  }
  auto updated = UpdateUser("admin", std::nullopt, HashPassword(password));
  return updated.ok() ? Status::Ok() : updated.status();
}

Principal Accounts::UserPrincipal(const UserRecord& user, PrincipalKind kind) const {
  Principal principal;
  principal.kind = kind;
  principal.user = user.name;
  principal.grants = user.grants;
  principal.label = "user:" + user.name;
  return principal;
}

std::optional<Principal> Accounts::FromToken(std::string_view token) {
  if (token.substr(0, kTokenPrefix.size()) != kTokenPrefix) return std::nullopt;
  auto it = tokens_.find(Sha256Hex(token));
  if (it == tokens_.end()) return std::nullopt;
  TokenRecord& record = it->second;
  int64_t now = WallClockMs();
  if (record.expires_ms && now >= *record.expires_ms) return std::nullopt;
  const UserRecord* user = FindUser(record.user);
  if (!user) return std::nullopt;
  record.last_used_ms = now;
  last_used_dirty_[record.id] = now;
  Principal principal = UserPrincipal(*user, PrincipalKind::kToken);
  principal.token_grants = record.grants;
  principal.token_id = record.id;
  principal.label = "token:" + user->name + "/" + record.name;
  return principal;
}

std::optional<Principal> Accounts::FromSession(std::string_view session) {
  std::string key = Sha256Hex(session);
  auto it = sessions_.find(key);
  if (it == sessions_.end()) return std::nullopt;
  int64_t now = MonotonicMs();
  const UserRecord* user = FindUser(it->second.user);
  if (!user || now - it->second.last_seen_ms > options_.session_idle_ms) {
    sessions_.erase(it);
    return std::nullopt;
  }
  it->second.last_seen_ms = now;
  Principal principal = UserPrincipal(*user, PrincipalKind::kSession);
  principal.session_key = key;
  principal.csrf_token = it->second.csrf_token;
  return principal;
}

const UserRecord* Accounts::FindUser(const std::string& name) const {
  auto it = users_.find(name);
  return it == users_.end() ? nullptr : &it->second;
}

Result<UserRecord> Accounts::CreateUser(const std::string& name, Grants grants,
                                        const std::string& password_hash) {
  static const std::regex kName("^[a-z][a-z0-9_.-]{0,31}$");
  if (!std::regex_match(name, kName))
    return Status::Invalid(
        "name must start with a lowercase letter and hold at most 32 "
        "lowercase letters, digits, '_', '.' and '-'",
        "name");
  std::string now = FormatRfc3339(WallClockMs());
  UserRecord user{name, password_hash, std::make_shared<const GrantSet>(std::move(grants)), now,
                  now};
  Status stored = repository_.InsertUser(
      {user.name, user.password_hash, DumpJson(GrantsToJson(user.grants->list())), now, now});
  if (!stored.ok()) return stored;
  return users_[name] = std::move(user);
}

Result<UserRecord> Accounts::UpdateUser(const std::string& name, std::optional<Grants> grants,
                                        std::optional<std::string> password_hash) {
  const UserRecord* existing = FindUser(name);
  if (!existing) return Status::NotFound("no user named '" + name + "'");
  UserRecord user = *existing;
  if (grants) user.grants = std::make_shared<const GrantSet>(std::move(*grants));
  if (password_hash) user.password_hash = std::move(*password_hash);
  user.updated_at = FormatRfc3339(WallClockMs());
  Status stored =
      repository_.UpdateUser({user.name, user.password_hash,
                              DumpJson(GrantsToJson(user.grants->list())), "", user.updated_at});
  if (!stored.ok()) return stored;
  if (password_hash) DropSessionsOf(name);
  users_[name] = std::move(user);
  Changed(name);
  return users_[name];
}

Status Accounts::RemoveUser(const std::string& name) {
  if (Status s = repository_.RemoveUser(name); !s.ok()) return s;
  users_.erase(name);
  std::erase_if(tokens_, [&](const auto& entry) { return entry.second.user == name; });
  DropSessionsOf(name);
  Changed(name);
  return Status::Ok();
}

std::vector<TokenRecord> Accounts::TokensOf(const std::string& user) const {
  std::vector<TokenRecord> tokens;
  for (const auto& [hash, token] : tokens_)
    if (token.user == user) tokens.push_back(token);
  std::sort(tokens.begin(), tokens.end(),
            [](const TokenRecord& a, const TokenRecord& b) { return a.id < b.id; });
  return tokens;
}

Result<std::pair<TokenRecord, std::string>> Accounts::CreateToken(
    const std::string& user, const std::string& name, std::optional<Grants> grants,
    std::optional<int64_t> expires_ms) {
  if (!FindUser(user)) return Status::NotFound("no user named '" + user + "'");
  std::string secret = std::string(kTokenPrefix) + RandomHex(32);
  std::string hash = Sha256Hex(secret);
  TokenRecord token{
      .user = user,
      .name = name,
      .grants = grants ? std::make_shared<const GrantSet>(std::move(*grants)) : nullptr,
      .created_at = FormatRfc3339(WallClockMs()),
      .expires_ms = expires_ms};
  std::optional<std::string> grants_text, expires_text;
  if (token.grants) grants_text = DumpJson(GrantsToJson(token.grants->list()));
  if (expires_ms) expires_text = FormatRfc3339(*expires_ms);
  auto id = repository_.InsertToken({.user = user,
                                     .name = name,
                                     .hash = hash,
                                     .grants = grants_text,
                                     .created_at = token.created_at,
                                     .expires_at = expires_text});
  if (!id.ok()) return id.status();
  token.id = *id;
  tokens_[hash] = token;
  return std::make_pair(std::move(token), std::move(secret));
}

Status Accounts::RemoveToken(const std::string& user, int64_t id) {
  if (Status s = repository_.RemoveToken(user, id); !s.ok()) return s;
  std::erase_if(tokens_, [&](const auto& entry) { return entry.second.id == id; });
  last_used_dirty_.erase(id);
  Changed(user);
  return Status::Ok();
}

std::pair<std::string, Principal> Accounts::StartSession(const std::string& user) {
  std::string cookie = RandomHex(32);
  std::string key = Sha256Hex(cookie);
  sessions_[key] = {user, RandomHex(32), MonotonicMs()};
  return {cookie, *FromSession(cookie)};
}

void Accounts::EndSession(const std::string& session_key) { sessions_.erase(session_key); }

void Accounts::Changed(const std::string& user) {
  if (on_change_) on_change_(user);
}

void Accounts::DropSessionsOf(const std::string& user) {
  std::erase_if(sessions_, [&](const auto& entry) { return entry.second.user == user; });
}

void Accounts::FlushLastUsed() {
  int64_t now = MonotonicMs();
  std::erase_if(sessions_, [&](const auto& entry) {
    return now - entry.second.last_seen_ms > options_.session_idle_ms;
  });
  if (last_used_dirty_.empty()) return;
  Status written = db_->Transaction([this] {
    for (const auto& [id, when] : last_used_dirty_)
      if (Status s = repository_.SetLastUsed(id, FormatRfc3339(when)); !s.ok()) return s;
    return Status::Ok();
  });
  if (!written.ok()) LogWarn("cannot record when tokens were last used: " + written.message());
  last_used_dirty_.clear();
}

}  // namespace berth
