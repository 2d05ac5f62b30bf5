// Webhook signature checks through OpenSSL's HMAC, compared with CRYPTO_memcmp.
#include "handlers/webhook_signature.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <string>

namespace berth {
namespace {

constexpr SignatureHeader kKnownHeaders[] = {
    {"X-Hub-Signature-256", SignatureScheme::kHmac}, {"X-Gitea-Signature", SignatureScheme::kHmac},
    {"X-Forgejo-Signature", SignatureScheme::kHmac}, {"X-Gitlab-Token", SignatureScheme::kToken},
    {"X-Hub-Signature", SignatureScheme::kHmac},
};

struct HmacAlgorithm {
  std::string_view name;
  const EVP_MD* (*md)();
};

constexpr HmacAlgorithm kAlgorithms[] = {
    {"sha1", EVP_sha1},     {"sha256", EVP_sha256}, {"sha512", EVP_sha512},
    {"sha224", EVP_sha224}, {"sha384", EVP_sha384}};

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (Lower(a[i]) != Lower(b[i])) return false;
  return true;
}

std::string_view TrimSpace(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// A configured name in any case is the known header of that name; any other name is an HMAC.
SignatureHeader ResolveHeader(std::string_view name) {
  for (const SignatureHeader& known : kKnownHeaders)
    if (EqualsIgnoreCase(known.name, name)) return known;
  return {name, SignatureScheme::kHmac};
}

std::string ExpectedHeaders() {
  std::string names;
  for (const SignatureHeader& known : kKnownHeaders)
    names += (names.empty() ? "" : ", ") + std::string(known.name);
  return names;
}

// Finds the header to check and its value, or says none was sent.
Result<std::pair<SignatureHeader, std::string_view>> FindHeader(const HeaderLookup& headers,
                                                                std::string_view configured) {
  if (!configured.empty()) {
    SignatureHeader header = ResolveHeader(configured);
    if (auto value = headers(header.name)) return std::pair{header, *value};
    return Status::Unauthenticated("no signature header (expected " + std::string(header.name) +
                                   ")");
  }
  for (const SignatureHeader& known : kKnownHeaders)
    if (auto value = headers(known.name)) return std::pair{known, *value};
  return Status::Unauthenticated("no signature header (expected one of " + ExpectedHeaders() + ")");
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = Lower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Decodes `hex` into exactly `size` bytes at `out`.
Status DecodeHex(const std::string& header, const HmacAlgorithm& algorithm, std::string_view hex,
                 unsigned char* out, size_t size) {
  if (hex.size() % 2 != 0) return Status::Unauthenticated(header + ": odd number of hex digits");
  for (char c : hex)
    if (HexDigit(c) < 0) return Status::Unauthenticated(header + ": not hexadecimal");
  if (hex.size() != 2 * size) {
    return Status::Unauthenticated(header + ": a " + std::string(algorithm.name) +
                                   " signature has " + std::to_string(2 * size) +
                                   " hex digits, not " + std::to_string(hex.size()));
  }
  for (size_t i = 0; i < size; ++i)
    out[i] = static_cast<unsigned char>(HexDigit(hex[2 * i]) << 4 | HexDigit(hex[2 * i + 1]));
  return Status::Ok();
}

// The algorithm a value names ("sha1=…"), sha256 for bare hex; strips the name from `value`.
Result<const HmacAlgorithm*> TakeAlgorithm(const std::string& header, std::string_view* value) {
  size_t equals = value->find('=');
  if (equals == std::string_view::npos) return &kAlgorithms[1];
  std::string_view name = value->substr(0, equals);
  value->remove_prefix(equals + 1);
  for (const HmacAlgorithm& algorithm : kAlgorithms)
    if (EqualsIgnoreCase(algorithm.name, name)) return &algorithm;
  // Echo only what looks like an algorithm name, never arbitrary bytes from the request.
  bool printable = !name.empty() && name.size() <= 16;
  for (char c : name) printable = printable && (isalnum(static_cast<unsigned char>(c)) || c == '-');
  if (!printable) return Status::Unauthenticated(header + ": malformed algorithm name");
  return Status::Unauthenticated(header + ": unknown algorithm " + std::string(name));
}

Status CheckHmac(const std::string& header, std::string_view value, std::string_view body,
                 std::string_view secret) {
  auto algorithm = TakeAlgorithm(header, &value);
  if (!algorithm.ok()) return algorithm.status();
  const EVP_MD* md = (*algorithm)->md();
  size_t size = static_cast<size_t>(EVP_MD_get_size(md));
  unsigned char given[EVP_MAX_MD_SIZE];
  if (Status decoded = DecodeHex(header, **algorithm, value, given, size); !decoded.ok())
    return decoded;
  static const unsigned char kEmpty = 0;
  unsigned char expected[EVP_MAX_MD_SIZE];
  unsigned int expected_size = 0;
  if (!HMAC(md, secret.data(), static_cast<int>(secret.size()),
            body.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(body.data()),
            body.size(), expected, &expected_size) ||
      expected_size != size) {
    return Status::Internal(header + ": OpenSSL could not compute the HMAC");
  }
  if (CRYPTO_memcmp(given, expected, size) != 0)
    return Status::Unauthenticated(header + " does not match the body");
  return Status::Ok();
}

// Compares digests of the two so that neither the time nor a length mismatch says how close a
// guess was.
Status CheckToken(const std::string& header, std::string_view value, std::string_view secret) {
  unsigned char given[EVP_MAX_MD_SIZE];
  unsigned char expected[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (!EVP_Digest(value.data(), value.size(), given, &size, EVP_sha256(), nullptr) ||
      !EVP_Digest(secret.data(), secret.size(), expected, &size, EVP_sha256(), nullptr)) {
    return Status::Internal(header + ": OpenSSL could not compute a digest");
  }
  if (CRYPTO_memcmp(given, expected, size) != 0)
    return Status::Unauthenticated(header + " does not match the webhook secret");
  return Status::Ok();
}

}  // namespace

std::span<const SignatureHeader> KnownSignatureHeaders() { return kKnownHeaders; }

Status VerifyWebhookSignature(const HeaderLookup& headers, std::string_view raw_body,
                              std::string_view secret, std::string_view signature_header) {
  if (secret.empty())
    return Status::Unauthenticated("the app has no webhook secret: configure one to take webhooks");
  auto found = FindHeader(headers, signature_header);
  if (!found.ok()) return found.status();
  auto [header, raw_value] = *found;
  std::string name(header.name);
  std::string_view value = TrimSpace(raw_value);
  if (value.empty()) return Status::Unauthenticated(name + " is empty");
  if (header.scheme == SignatureScheme::kToken) return CheckToken(name, value, secret);
  return CheckHmac(name, value, raw_body, secret);
}

}  // namespace berth
