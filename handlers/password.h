// Passwords of users: PBKDF2-HMAC-SHA256 from OpenSSL at 600,000 iterations (OWASP's figure),
// a 16-byte random salt, stored as "pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>" so that
// the cost can be raised later without breaking stored hashes. Slow by design: call these off
// the loop (BackgroundWorker).
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace berth {

inline constexpr size_t kMinPasswordLength = 12;
inline constexpr size_t kMaxPasswordLength = 1024;

// Invalid (field "password") when `password` is too short or too long.
Status CheckPasswordRules(std::string_view password);
std::string HashPassword(std::string_view password);
// Whether `password` is the one `stored` was made from. A malformed `stored` is false. Takes
// as long for an empty `stored` (no such user) as for a real one.
bool VerifyPassword(std::string_view password, const std::string& stored);

}  // namespace berth
