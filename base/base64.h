// Base64 encoding (RFC 4648) through OpenSSL: the standard alphabet for sealed secrets, the
// URL-safe one for headers such as Docker's X-Registry-Auth.
#pragma once

#include <openssl/evp.h>

#include <climits>
#include <optional>
#include <string>
#include <string_view>

namespace berth {

// The base64 of `raw`, standard alphabet, with '=' padding. REQUIRES: raw.size() < 1.5 GiB.
inline std::string Base64Encode(std::string_view raw) {
  std::string text(4 * ((raw.size() + 2) / 3) + 1, '\0');
  int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(text.data()),
                               reinterpret_cast<const unsigned char*>(raw.data()),
                               static_cast<int>(raw.size()));
  text.resize(static_cast<size_t>(length));
  return text;
}

// The same with the URL-safe alphabet ('-' and '_' for '+' and '/'), padding kept, as Go's
// base64.URLEncoding writes it.
inline std::string Base64UrlEncode(std::string_view raw) {
  std::string text = Base64Encode(raw);
  for (char& c : text) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return text;
}

inline bool IsBase64Char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

// Strict, canonical base64 with padding (EVP_DecodeBlock alone skips whitespace, returns the
// padding as zero bytes and ignores the padding bits).
inline std::optional<std::string> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0 || text.size() > INT_MAX) {
    return std::nullopt;
  }
  size_t padding = 0;
  while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=') {
    ++padding;
  }
  for (size_t i = 0; i < text.size() - padding; ++i) {
    if (!IsBase64Char(text[i])) {
      return std::nullopt;
    }
  }
  std::string raw(text.size() / 4 * 3, '\0');
  int length = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(raw.data()), reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (length < 0) {
    return std::nullopt;
  }
  raw.resize(static_cast<size_t>(length) - padding);
  // Only one text encodes given bytes: refuse the others (e.g. non-zero padding bits).
  if (Base64Encode(raw) != text) {
    return std::nullopt;
  }
  return raw;
}

}  // namespace berth
