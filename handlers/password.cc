// Password hashing and checking with OpenSSL's PBKDF2.
#include "handlers/password.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <vector>

#include "base/base64.h"

namespace berth {
namespace {

constexpr int kIterations = 600000;
constexpr size_t kSaltBytes = 16;
constexpr size_t kHashBytes = 32;
constexpr std::string_view kScheme = "pbkdf2-sha256";

std::vector<unsigned char> Derive(std::string_view password, const std::string& salt,
                                  int iterations) {
  std::vector<unsigned char> out(kHashBytes);
  PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                    reinterpret_cast<const unsigned char*>(salt.data()),
                    static_cast<int>(salt.size()), iterations, EVP_sha256(),
                    static_cast<int>(out.size()), out.data());
  return out;
}

std::vector<std::string> Split(const std::string& text, char sep) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t at; (at = text.find(sep, start)) != std::string::npos; start = at + 1)
    parts.push_back(text.substr(start, at - start));
  parts.push_back(text.substr(start));
  return parts;
}

}  // namespace

Status CheckPasswordRules(std::string_view password) {
  if (password.size() < kMinPasswordLength)
    return Status::Invalid(
        "password must be at least " + std::to_string(kMinPasswordLength) + " characters long",
        "password");
  if (password.size() > kMaxPasswordLength)
    return Status::Invalid(
        "password must be at most " + std::to_string(kMaxPasswordLength) + " characters long",
        "password");
  return Status::Ok();
}

std::string HashPassword(std::string_view password) {
  std::string salt(kSaltBytes, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(salt.data()), static_cast<int>(salt.size()));
  auto hash = Derive(password, salt, kIterations);
  return std::string(kScheme) + "$" + std::to_string(kIterations) + "$" + Base64Encode(salt) + "$" +
         Base64Encode(std::string(hash.begin(), hash.end()));
}

bool VerifyPassword(std::string_view password, const std::string& stored) {
  auto parts = Split(stored, '$');
  bool well_formed = parts.size() == 4 && parts[0] == kScheme;
  int iterations = well_formed ? atoi(parts[1].c_str()) : 0;
  std::string salt, expected;
  if (well_formed && iterations > 0 && iterations <= 10000000) {
    auto s = Base64Decode(parts[2]);
    auto e = Base64Decode(parts[3]);
    if (s && e) salt = *s, expected = *e;
  }
  bool usable = !salt.empty() && expected.size() == kHashBytes;
  // Without a usable hash the same work is done anyway: the time says nothing of whether the
  // user exists.
  auto got = Derive(password, usable ? salt : std::string(kSaltBytes, 'x'),
                    usable ? iterations : kIterations);
  return usable && CRYPTO_memcmp(got.data(), expected.data(), kHashBytes) == 0;
}

}  // namespace berth
