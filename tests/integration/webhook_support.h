// Helpers for webhook tests: signing a body as the Git hosts do.
#ifndef BERTH_TESTS_INTEGRATION_WEBHOOK_SUPPORT_H_
#define BERTH_TESTS_INTEGRATION_WEBHOOK_SUPPORT_H_

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <string>

namespace berth::testing {

// The HMAC of `body` with `key`, in lower-case hex (EVP_sha256() or EVP_sha1()).
inline std::string Hmac(const EVP_MD* md, const std::string& key, const std::string& body) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(md, key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest, &length);
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 15];
  }
  return hex;
}

}  // namespace berth::testing

#endif  // BERTH_TESTS_INTEGRATION_WEBHOOK_SUPPORT_H_
