// Webhook authentication: checks the signature (or token) a Git host sends with a push against
// the app's webhook secret. Pure: no I/O, headers come through a lookup function.
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string_view>

#include "base/status.h"

namespace berth {

// How a header carries its proof.
enum class SignatureScheme {
  kHmac,   // "<algorithm>=<hex>" (sha1, sha224, sha256, sha384, sha512) or bare hex (sha256),
           // over the raw body
  kToken,  // the secret itself (GitLab)
};

struct SignatureHeader {
  std::string_view name;
  SignatureScheme scheme;
};

// The headers the Git hosts send, in the order they are looked for when none is configured:
// GitHub (X-Hub-Signature-256), Gitea, Forgejo, GitLab, then X-Hub-Signature (GitHub's legacy
// sha1, Bitbucket Server's sha256).
std::span<const SignatureHeader> KnownSignatureHeaders();

// Gives the value of a request header, looked up by name case-insensitively, or nullopt.
using HeaderLookup = std::function<std::optional<std::string_view>(std::string_view name)>;

// Ok when the request's signature header proves knowledge of `secret` for `raw_body`.
// `signature_header` is the app's configured header name (any case), "" to take the first
// known header present. Otherwise an Unauthenticated status naming the header and what is
// wrong; its message never holds the secret, the expected digest or the header's value.
// An empty secret is always refused. Digests are compared in constant time.
[[nodiscard]] Status VerifyWebhookSignature(const HeaderLookup& headers, std::string_view raw_body,
                                            std::string_view secret,
                                            std::string_view signature_header = "");

}  // namespace berth
