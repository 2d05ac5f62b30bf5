// Principal: who is calling, as authentication found it, and what they may do.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "handlers/grants.h"

namespace berth {

enum class PrincipalKind {
  kAnonymous,  // no or unknown credentials: only public routes
  kAdmin,      // the admin token: everything
  kToken,      // a user's API token: its grants, within the user's
  kSession,    // a dashboard session: the user's grants; writes need the CSRF token
  kWebhook,    // a signed webhook: proves itself in its handler
};

const char* to_string(PrincipalKind kind);

struct Principal {
  PrincipalKind kind = PrincipalKind::kAnonymous;
  // How the audit trail and messages name the caller: "admin", "token:alice/laptop",
  // "user:alice", "webhook:shop", "anonymous".
  std::string label = "anonymous";
  std::string user;  // the user behind a token or a session; "" otherwise
  Grants grants;     // the user's grants
  std::optional<Grants> token_grants;  // a token's own grants; nullopt: the user's
  int64_t token_id = 0;
  std::string session_key;  // the session's key in Accounts
  std::string csrf_token;   // of a session

  // Whether the caller may do `action` on `app` ("" for the global scope).
  bool Allows(Action action, std::string_view app) const {
    if (kind == PrincipalKind::kAdmin) return true;
    if (kind != PrincipalKind::kToken && kind != PrincipalKind::kSession) return false;
    if (!berth::Allows(grants, action, app)) return false;
    return !token_grants || berth::Allows(*token_grants, action, app);
  }
  // The grants in force: the admin's global manage, a token's own (the user's when it has
  // none; a token never reaches past its user, see Allows), or the user's.
  Grants EffectiveGrants() const;
};

}  // namespace berth
