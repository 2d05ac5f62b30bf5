// SecretBox: seals small secrets (git tokens...) before they are stored, so that the database
// never holds a credential in clear. AES-256-GCM with a key kept in a file of its own.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace berth {

// Holds the 32-byte key read from (or created in) a key file. Copyable; the key is wiped from
// memory when a SecretBox is destroyed.
class SecretBox {
 public:
  static constexpr size_t kKeyBytes = 32;

  // Reads the key in `key_path`. If the file does not exist, creates it (mode 0600, complete or
  // not at all) with a fresh random key; its directory must exist. Fails with a message naming
  // the file if it is not a regular file, does not hold exactly kKeyBytes bytes, or can be read
  // or written by its group or others.
  static Result<SecretBox> Open(const std::string& key_path);

  SecretBox(const SecretBox& other) = default;
  SecretBox& operator=(const SecretBox& other) = default;
  ~SecretBox();

  // Encrypts `plain` with a fresh random nonce. The result is printable ASCII, safe in JSON:
  // "sealed:v1:" followed by the base64 of nonce (12 bytes) | ciphertext | tag (16 bytes).
  // Throws std::runtime_error only if OpenSSL itself fails (no memory or no randomness).
  std::string Seal(std::string_view plain) const;

  // Decrypts what Seal returned. Invalid if `sealed` is not in that format; IOError if it was
  // altered or sealed with another key.
  Result<std::string> Unseal(std::string_view sealed) const;

  // Whether `text` looks like the output of Seal (it may still fail to unseal).
  static bool IsSealed(std::string_view text);

  const std::string& key_path() const { return key_path_; }

 private:
  SecretBox(std::string key_path, const std::array<uint8_t, kKeyBytes>& key);

  std::string key_path_;
  std::array<uint8_t, kKeyBytes> key_;
};

}  // namespace berth
