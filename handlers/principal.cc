// Principal kinds and the grants shown for a caller.
#include "handlers/principal.h"

namespace berth {

const char* to_string(PrincipalKind kind) {
  switch (kind) {
    case PrincipalKind::kAnonymous:
      return "anonymous";
    case PrincipalKind::kAdmin:
      return "admin";
    case PrincipalKind::kToken:
      return "token";
    case PrincipalKind::kSession:
      return "session";
    case PrincipalKind::kWebhook:
      return "webhook";
  }
  return "anonymous";
}

Grants Principal::EffectiveGrants() const {
  if (kind == PrincipalKind::kAdmin)
    return {Grant{.scope = "global", .actions = {Action::kManage}}};
  if (kind != PrincipalKind::kToken && kind != PrincipalKind::kSession) return {};
  if (token_grants) return token_grants->list();
  return grants ? grants->list() : Grants{};
}

}  // namespace berth
