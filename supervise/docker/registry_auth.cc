// X-Registry-Auth: nlohmann for the JSON (strict about UTF-8), OpenSSL for the base64.
#include "supervise/docker/registry_auth.h"

#include <nlohmann/json.hpp>

#include "base/base64.h"

namespace berth::docker {

Result<std::string> RegistryAuthHeader(const RegistryCredentials& credentials) {
  nlohmann::json auth = {{"username", credentials.username},
                         {"password", credentials.password},
                         {"serveraddress", credentials.server_address}};
  std::string text;
  try {
    text = auth.dump();
  } catch (const nlohmann::json::type_error&) {
    return Status::Invalid("the registry username, password or address is not valid UTF-8");
  }
  return Base64UrlEncode(text);
}

}  // namespace berth::docker
