// Principal: who is calling, as authentication found it, and what they may do.
#pragma once

#include <memory>
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
  // Shared with the user's record, so that authenticating copies no grants.
  std::shared_ptr<const GrantSet> grants;        // the user's; null: none
  std::shared_ptr<const GrantSet> token_grants;  // a token's own; null: the user's
  int64_t token_id = 0;
  std::string session_key;  // the session's key in Accounts
  std::string csrf_token;   // of a session

  // Whether the caller may do `action` on `app` ("" for the global scope).
  bool Allows(Action action, std::string_view app) const {
    if (kind == PrincipalKind::kAdmin) return true;
    if (kind != PrincipalKind::kToken && kind != PrincipalKind::kSession) return false;
    if (!grants || !grants->Allows(action, app)) return false;
    return !token_grants || token_grants->Allows(action, app);
  }
  // The grants in force: the admin's global manage, a token's own (the user's when it has
  // none; a token never reaches past its user, see Allows), or the user's.
  Grants EffectiveGrants() const;
};

}  // namespace berth
