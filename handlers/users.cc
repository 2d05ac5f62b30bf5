// /v1/users: users, their grants, their API tokens and what they may do.
#include "handlers/api.h"
#include "handlers/password.h"
#include "reactor/clock.h"

namespace berth {
namespace {

using ExchangePtr = std::shared_ptr<Exchange>;

constexpr size_t kMaxTokenName = 64;

nlohmann::json UserJson(const UserRecord& user) {
  return {{"name", user.name},
          {"grants", GrantsToJson(user.grants->list())},
          {"has_password", !user.password_hash.empty()},
          {"created", user.created_at},
          {"updated", user.updated_at}};
}

nlohmann::json OptionalTime(const std::optional<int64_t>& ms) {
  return ms ? nlohmann::json(FormatRfc3339(*ms)) : nlohmann::json();
}

nlohmann::json TokenJson(const TokenRecord& token) {
  return {{"id", token.id},
          {"name", token.name},
          {"grants", token.grants ? GrantsToJson(token.grants->list()) : nlohmann::json()},
          {"created", token.created_at},
          {"expires", OptionalTime(token.expires_ms)},
          {"last_used", OptionalTime(token.last_used_ms)}};
}

// Refuses fields other than `known` with a 422 naming the first; false when it answered.
bool OnlyFields(Exchange& exchange, std::initializer_list<std::string_view> known) {
  const nlohmann::json& body = exchange.json();
  if (!body.is_object()) {
    exchange.ReplyError(422, "invalid", "the body must be a JSON object");
    return false;
  }
  for (const auto& [key, value] : body.items()) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      exchange.ReplyError(422, "invalid", "unknown field '" + key + "'", key);
      return false;
    }
  }
  return true;
}

const UserRecord* FindUserOr404(Api& api, Exchange& exchange) {
  const std::string& name = exchange.param("name");
  const UserRecord* user = api.accounts()->FindUser(name);
  if (!user) exchange.ReplyError(404, "not_found", "no user named '" + name + "'");
  return user;
}

// Reads an optional "password" with the length rules; false when it answered.
bool ReadPassword(Exchange& exchange, std::optional<std::string>* password) {
  const nlohmann::json& body = exchange.json();
  if (!body.contains("password") || body["password"].is_null()) return true;
  if (!body["password"].is_string()) {
    exchange.ReplyError(422, "invalid", "password must be a string", "password");
    return false;
  }
  *password = body["password"].get<std::string>();
  if (Status s = CheckPasswordRules(**password); !s.ok()) {
    exchange.ReplyStatus(s);
    return false;
  }
  return true;
}

// Hashes `password` (when given) off the loop, then calls `then` with the hash on the loop.
void WithHash(Api& api, std::optional<std::string> password,
              std::function<void(std::optional<std::string>)> then) {
  if (!password) return then(std::nullopt);
  api.accounts()->worker().Post([password = std::move(*password), then = std::move(then)] {
    std::string hash = HashPassword(password);
    return [hash, then] { then(hash); };
  });
}

void ListUsers(Api& api, const ExchangePtr& exchange) {
  nlohmann::json users = nlohmann::json::array();
  for (const auto& [name, user] : api.accounts()->users()) users.push_back(UserJson(user));
  exchange->Reply(200, users);
}

void CreateUser(Api& api, const ExchangePtr& exchange) {
  if (!OnlyFields(*exchange, {"name", "password", "grants"})) return;
  const nlohmann::json& body = exchange->json();
  if (!body.contains("name") || !body["name"].is_string())
    return exchange->ReplyError(422, "invalid", "name is required", "name");
  std::string name = body["name"].get<std::string>();
  Grants grants;
  if (body.contains("grants")) {
    auto parsed = ParseGrants(body["grants"]);
    if (!parsed.ok()) return exchange->ReplyStatus(parsed.status());
    grants = std::move(parsed).value();
  }
  std::optional<std::string> password;
  if (!ReadPassword(*exchange, &password)) return;
  if (api.accounts()->FindUser(name))
    return exchange->ReplyError(409, "conflict", "a user named '" + name + "' exists", "name");
  Accounts* accounts = api.accounts();
  WithHash(api, password, [accounts, exchange, name, grants](std::optional<std::string> hash) {
    auto user = accounts->CreateUser(name, grants, hash.value_or(""));
    if (!user.ok()) return exchange->ReplyStatus(user.status());
    exchange->AddHeader("Location", "/v1/users/" + name);
    exchange->Reply(201, UserJson(*user));
  });
}

void GetUser(Api& api, const ExchangePtr& exchange) {
  if (const UserRecord* user = FindUserOr404(api, *exchange)) exchange->Reply(200, UserJson(*user));
}

// Grants need manage_users; a user may change their own password by giving the current one.
std::vector<Need> NeedsOfPatchUser(Api&, const Exchange& exchange) {
  const nlohmann::json& body = exchange.json();
  bool own_password = body.is_object() && !body.contains("grants");
  return {{Action::kManageUsers, own_password ? Over::kGlobalOrSelf : Over::kGlobal}};
}

void PatchUser(Api& api, const ExchangePtr& exchange) {
  if (!OnlyFields(*exchange, {"password", "grants", "current_password"})) return;
  const UserRecord* user = FindUserOr404(api, *exchange);
  if (!user) return;
  const nlohmann::json& body = exchange->json();
  std::optional<Grants> grants;
  if (body.contains("grants")) {
    auto parsed = ParseGrants(body["grants"]);
    if (!parsed.ok()) return exchange->ReplyStatus(parsed.status());
    grants = std::move(parsed).value();
  }
  std::optional<std::string> password;
  if (!ReadPassword(*exchange, &password)) return;
  const Principal& caller = exchange->principal();
  bool self_service = caller.user == user->name && !caller.Allows(Action::kManageUsers, "");
  std::string current = body.value("current_password", "");
  if (self_service && current.empty())
    return exchange->ReplyError(422, "invalid", "current_password is required to change your own",
                                "current_password");
  Accounts* accounts = api.accounts();
  std::string name = user->name, stored = user->password_hash;
  accounts->worker().Post([=]() -> std::function<void()> {
    bool current_right = !self_service || VerifyPassword(current, stored);
    std::optional<std::string> hash;
    if (current_right && password) hash = HashPassword(*password);
    return [=] {
      if (!current_right)
        return exchange->ReplyError(403, "forbidden", "current_password is wrong",
                                    "current_password");
      auto updated = accounts->UpdateUser(name, grants, hash);
      if (!updated.ok()) return exchange->ReplyStatus(updated.status());
      exchange->Reply(200, UserJson(*updated));
    };
  });
}

void DeleteUser(Api& api, const ExchangePtr& exchange) {
  if (!FindUserOr404(api, *exchange)) return;
  if (Status s = api.accounts()->RemoveUser(exchange->param("name")); !s.ok())
    return exchange->ReplyStatus(s);
  exchange->ReplyEmpty(204);
}

void ListTokens(Api& api, const ExchangePtr& exchange) {
  if (!FindUserOr404(api, *exchange)) return;
  nlohmann::json tokens = nlohmann::json::array();
  for (const TokenRecord& token : api.accounts()->TokensOf(exchange->param("name")))
    tokens.push_back(TokenJson(token));
  exchange->Reply(200, tokens);
}

// The grants a new token may have: within its user's, and within the caller's own when the
// caller is that user (a token never makes a wider one).
Result<std::optional<Grants>> TokenGrants(const Exchange& exchange, const UserRecord& user) {
  const nlohmann::json& body = exchange.json();
  const Principal& caller = exchange.principal();
  bool own = caller.user == user.name && caller.kind != PrincipalKind::kAdmin;
  std::optional<Grants> grants;
  if (body.contains("grants") && !body["grants"].is_null()) {
    auto parsed = ParseGrants(body["grants"]);
    if (!parsed.ok()) return parsed.status();
    grants = std::move(parsed).value();
  } else if (own && caller.token_grants) {
    grants = caller.token_grants->list();
  }
  if (!grants) return grants;
  if (std::string wider = WiderThan(*grants, user.grants->list(), "grants"); !wider.empty())
    return Status::Invalid(wider, "grants");
  if (own && caller.token_grants) {
    if (std::string wider = WiderThan(*grants, caller.token_grants->list(), "grants");
        !wider.empty())
      return Status::Invalid(wider + " (this token's own grants)", "grants");
  }
  return grants;
}

void CreateToken(Api& api, const ExchangePtr& exchange) {
  if (!OnlyFields(*exchange, {"name", "grants", "expires"})) return;
  const UserRecord* user = FindUserOr404(api, *exchange);
  if (!user) return;
  const nlohmann::json& body = exchange->json();
  std::string name =
      body.contains("name") && body["name"].is_string() ? body["name"].get<std::string>() : "";
  if (name.empty() || name.size() > kMaxTokenName)
    return exchange->ReplyError(422, "invalid", "name is required: 1 to 64 characters", "name");
  std::optional<int64_t> expires;
  if (body.contains("expires") && !body["expires"].is_null()) {
    expires = body["expires"].is_string() ? ParseRfc3339(body["expires"].get<std::string>())
                                          : std::nullopt;
    if (!expires)
      return exchange->ReplyError(422, "invalid",
                                  "expires must be an RFC 3339 time such as "
                                  "2027-01-31T00:00:00Z, or null",
                                  "expires");
    if (*expires <= WallClockMs())
      return exchange->ReplyError(422, "invalid", "expires is in the past", "expires");
  }
  auto grants = TokenGrants(*exchange, *user);
  if (!grants.ok()) return exchange->ReplyStatus(grants.status());
  auto created = api.accounts()->CreateToken(user->name, name, *grants, expires);
  if (!created.ok()) return exchange->ReplyStatus(created.status());
  nlohmann::json out = TokenJson(created->first);
  out["token"] = created->second;
  exchange->AddHeader("Cache-Control", "no-store");
  exchange->Reply(201, out);
}

void DeleteToken(Api& api, const ExchangePtr& exchange) {
  if (!FindUserOr404(api, *exchange)) return;
  const std::string& text = exchange->param("id");
  char* end = nullptr;
  long long id = strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || id <= 0)
    return exchange->ReplyError(404, "not_found", "no token " + text);
  if (Status s = api.accounts()->RemoveToken(exchange->param("name"), id); !s.ok())
    return exchange->ReplyStatus(s);
  exchange->ReplyEmpty(204);
}

void Permissions(Api& api, const ExchangePtr& exchange) {
  const UserRecord* user = FindUserOr404(api, *exchange);
  if (!user) return;
  auto app = exchange->query().find("app");
  std::string name = app == exchange->query().end() ? "" : app->second;
  nlohmann::json actions = nlohmann::json::array();
  nlohmann::json why = nlohmann::json::object();
  for (const auto& [action, reason] : Explain(user->grants->list(), name)) {
    actions.push_back(to_string(action));
    why[to_string(action)] = reason;
  }
  exchange->Reply(200, {{"user", user->name},
                        {"scope", name.empty() ? "global" : "app:" + name},
                        {"actions", actions},
                        {"why", why}});
}

}  // namespace

void AddUserRoutes(Router* router) {
  const std::vector<Need> manage_users = {{Action::kManageUsers}};
  const std::vector<Need> self = {{Action::kManageUsers, Over::kGlobalOrSelf}};
  router->Add(
      {.method = "GET", .pattern = "/v1/users", .handler = ListUsers, .needs = manage_users});
  router->Add({.method = "POST",
               .pattern = "/v1/users",
               .handler = CreateUser,
               .takes_json = true,
               .needs = manage_users});
  router->Add({.method = "GET", .pattern = "/v1/users/{name}", .handler = GetUser, .needs = self});
  router->Add({.method = "PATCH",
               .pattern = "/v1/users/{name}",
               .handler = PatchUser,
               .takes_json = true,
               .needs_of = NeedsOfPatchUser});
  router->Add({.method = "DELETE",
               .pattern = "/v1/users/{name}",
               .handler = DeleteUser,
               .needs = manage_users});
  router->Add({.method = "GET",
               .pattern = "/v1/users/{name}/tokens",
               .handler = ListTokens,
               .needs = self});
  router->Add({.method = "POST",
               .pattern = "/v1/users/{name}/tokens",
               .handler = CreateToken,
               .takes_json = true,
               .needs = self});
  router->Add({.method = "DELETE",
               .pattern = "/v1/users/{name}/tokens/{id}",
               .handler = DeleteToken,
               .needs = self});
  router->Add({.method = "GET",
               .pattern = "/v1/users/{name}/permissions",
               .handler = Permissions,
               .query_keys = {"app"},
               .needs = self});
}

}  // namespace berth
