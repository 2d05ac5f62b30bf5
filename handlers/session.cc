// /v1/session: signing in to the dashboard with a password (a session cookie and its CSRF
// token), who the caller is, and signing out.
#include "handlers/api.h"
#include "handlers/password.h"
#include "reactor/clock.h"

namespace berth {
namespace {

using ExchangePtr = std::shared_ptr<Exchange>;

// Sign-ins waiting for the key derivation beyond this are refused: each takes ~0.3 s of CPU.
constexpr size_t kMaxPendingSignIns = 16;

nlohmann::json WhoAmI(const Principal& caller, const Accounts& accounts) {
  nlohmann::json body = {
      {"principal", caller.label},
      {"kind", to_string(caller.kind)},
      {"user", caller.user.empty() ? nlohmann::json() : nlohmann::json(caller.user)},
      {"grants", GrantsToJson(caller.EffectiveGrants())}};
  if (caller.kind == PrincipalKind::kSession) {
    body["csrf_token"] = caller.csrf_token;
    body["idle_timeout_seconds"] = accounts.session_idle_ms() / 1000;
  }
  return body;
}

// Secure when the client reached berthd over TLS through a proxy that says so.
bool BehindTls(const Exchange& exchange) {
  const char* proto = exchange.header("X-Forwarded-Proto");
  const char* forwarded = exchange.header("Forwarded");
  return (proto && strcasecmp(proto, "https") == 0) ||
         (forwarded && strcasestr(forwarded, "proto=https"));
}

std::string SessionCookie(const std::string& value, const Exchange& exchange, bool clear) {
  std::string cookie =
      std::string(kSessionCookie) + "=" + value + "; Path=/; HttpOnly; SameSite=Strict";
  if (clear) cookie += "; Max-Age=0";
  if (BehindTls(exchange)) cookie += "; Secure";
  return cookie;
}

void SignIn(Api& api, const ExchangePtr& exchange) {
  const nlohmann::json& body = exchange->json();
  for (const char* field : {"name", "password"}) {
    if (!body.is_object() || !body.contains(field) || !body[field].is_string())
      return exchange->ReplyError(422, "invalid", std::string(field) + " is required", field);
  }
  std::string name = body["name"].get<std::string>();
  std::string password = body["password"].get<std::string>();
  Accounts* accounts = api.accounts();
  int64_t wait = accounts->limiter().WaitMs(name, exchange->client(), MonotonicMs());
  if (wait > 0) {
    exchange->AddHeader("Retry-After", std::to_string((wait + 999) / 1000));
    return exchange->ReplyError(
        429, "too_many_requests",
        "too many failed sign-ins: try again in " + std::to_string((wait + 999) / 1000) + " s");
  }
  if (accounts->worker().pending() >= kMaxPendingSignIns)
    return exchange->ReplyError(503, "unavailable", "too many sign-ins at once: try again");
  const UserRecord* user = accounts->FindUser(name);
  std::string stored = user ? user->password_hash : "";
  accounts->worker().Post([accounts, exchange, name, password, stored] {
    bool right = VerifyPassword(password, stored);
    return [accounts, exchange, name, right] {
      const UserRecord* user = accounts->FindUser(name);
      if (!right || !user) {
        accounts->limiter().Failed(name, exchange->client(), MonotonicMs());
        return exchange->ReplyError(401, "unauthorized", "wrong user name or password");
      }
      accounts->limiter().Succeeded(name, exchange->client());
      auto [cookie, principal] = accounts->StartSession(name);
      exchange->set_principal(principal);
      exchange->AddHeader("Set-Cookie", SessionCookie(cookie, *exchange, false));
      exchange->AddHeader("Cache-Control", "no-store");
      exchange->Reply(200, WhoAmI(principal, *accounts));
    };
  });
}

void Show(Api& api, const ExchangePtr& exchange) {
  exchange->AddHeader("Cache-Control", "no-store");
  exchange->Reply(200, WhoAmI(exchange->principal(), *api.accounts()));
}

void SignOut(Api& api, const ExchangePtr& exchange) {
  const Principal& caller = exchange->principal();
  if (caller.kind == PrincipalKind::kSession) api.accounts()->EndSession(caller.session_key);
  exchange->AddHeader("Set-Cookie", SessionCookie("", *exchange, true));
  exchange->ReplyEmpty(204);
}

}  // namespace

void AddSessionRoutes(Router* router) {
  router->Add({.method = "POST",
               .pattern = "/v1/session",
               .handler = SignIn,
               .takes_json = true,
               .public_route = true});
  router->Add({.method = "GET", .pattern = "/v1/session", .handler = Show, .needs_of = NoNeeds});
  router->Add(
      {.method = "DELETE", .pattern = "/v1/session", .handler = SignOut, .needs_of = NoNeeds});
}

}  // namespace berth
