// WWW-Authenticate: the challenges a registry answers 401 with (RFC 9110 §11.6.1), e.g.
// `Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="…"`.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace berth::docker {

// One challenge: a scheme (`Basic`, `Bearer`, …) and its parameters, or a token68.
struct AuthChallenge {
  std::string scheme;                                       // as sent; compare with IsScheme
  std::vector<std::pair<std::string, std::string>> params;  // names lowercased, in order
  std::string token68;  // the rare `Scheme token68` form; then params is empty

  // Whether the scheme is `scheme`, ignoring case.
  bool IsScheme(std::string_view scheme) const;
  // The value of the first parameter named `name` (lowercase), or nullptr.
  const std::string* Param(std::string_view name) const;
};

// Parses a WWW-Authenticate header value: one or more challenges separated by commas, each a
// scheme followed by comma-separated `name=value` parameters (value a token or a quoted string
// with backslash escapes), with any spaces and tabs around the separators and empty list
// elements ignored. Invalid, saying where, if the value has no challenge, a parameter without
// a value, an unterminated quoted string or a stray character.
[[nodiscard]] Result<std::vector<AuthChallenge>> ParseWwwAuthenticate(std::string_view header);

// The first challenge of `scheme` (case-insensitive), or nullptr.
const AuthChallenge* FindChallenge(const std::vector<AuthChallenge>& challenges,
                                   std::string_view scheme);

}  // namespace berth::docker
