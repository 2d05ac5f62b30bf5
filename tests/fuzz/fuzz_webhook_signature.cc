// Fuzz target: a signature header and a body given to VerifyWebhookSignature. Checks that a
// refusal is a 401 whose message holds neither the secret nor a right digest, that the body's
// right signature is accepted in the chosen header, and that it no longer is for a changed body.
#include <openssl/hmac.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "handlers/webhook_signature.h"

namespace {

using berth::SignatureHeader;
using berth::SignatureScheme;
using berth::Status;

constexpr std::string_view kSecret = "fuzz-webhook-secret";

void Require(bool ok, const char* what) {
  if (ok) return;
  fprintf(stderr, "fuzz_webhook_signature: %s\n", what);
  abort();
}

std::string Hmac(const EVP_MD* md, std::string_view body) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  static const unsigned char kEmpty = 0;
  HMAC(md, kSecret.data(), static_cast<int>(kSecret.size()),
       body.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(body.data()), body.size(),
       digest, &size);
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < size; ++i) hex += {kHex[digest[i] >> 4], kHex[digest[i] & 15]};
  return hex;
}

// Verifies with one header `name: value` sent (in lower case when `lower`).
Status VerifyOne(std::string_view name, bool lower, std::string_view value, std::string_view body,
                 std::string_view configured) {
  std::string sent(name);
  if (lower)
    for (char& c : sent) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
  auto lookup = [&](std::string_view wanted) -> std::optional<std::string_view> {
    if (wanted.size() != sent.size()) return std::nullopt;
    for (size_t i = 0; i < sent.size(); ++i)
      if (tolower(static_cast<unsigned char>(wanted[i])) != sent[i] && wanted[i] != sent[i])
        return std::nullopt;
    return value;
  };
  return berth::VerifyWebhookSignature(lookup, body, kSecret, configured);
}

void RequireSafeRefusal(const Status& status, std::string_view body) {
  if (status.ok()) return;
  Require(status.code() == Status::Code::kUnauthenticated, "a refusal is not Unauthenticated");
  Require(!status.message().empty(), "a refusal has no message");
  Require(status.message().find(kSecret) == std::string::npos, "a message holds the secret");
  for (const EVP_MD* md : {EVP_sha1(), EVP_sha256(), EVP_sha512()})
    Require(status.message().find(Hmac(md, body)) == std::string::npos, "a message holds a digest");
}

}  // namespace

// Byte 0: the header (b % 6: a known one or X-Fuzz-Signature), configured (bit 3), sent in lower
// case (bit 4); then the header value up to the first newline; then the body.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto known = berth::KnownSignatureHeaders();
  size_t choice = data[0] % (known.size() + 1);
  SignatureHeader header = choice < known.size()
                               ? known[choice]
                               : SignatureHeader{"X-Fuzz-Signature", SignatureScheme::kHmac};
  bool lower = data[0] & 16;
  std::string_view configured = (data[0] & 8) || choice == known.size() ? header.name : "";
  size_t newline = input.find('\n');
  std::string_view value = input.substr(0, newline);
  std::string_view body = newline == std::string_view::npos ? "" : input.substr(newline + 1);

  RequireSafeRefusal(VerifyOne(header.name, lower, value, body, configured), body);

  std::string right = header.scheme == SignatureScheme::kToken
                          ? std::string(kSecret)
                          : "sha256=" + Hmac(EVP_sha256(), body);
  Require(VerifyOne(header.name, lower, right, body, configured).ok(),
          "the right signature is refused");
  if (header.scheme == SignatureScheme::kHmac) {
    std::string changed = std::string(body) + "x";
    Status tampered = VerifyOne(header.name, lower, right, changed, configured);
    Require(!tampered.ok(), "a signature is accepted for a changed body");
    RequireSafeRefusal(tampered, changed);
  }
  return 0;
}
