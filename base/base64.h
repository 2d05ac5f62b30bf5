// Base64 encoding (RFC 4648) through OpenSSL: the standard alphabet for sealed secrets, the
// URL-safe one for headers such as Docker's X-Registry-Auth.
#pragma once

#include <openssl/evp.h>

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

}  // namespace berth
