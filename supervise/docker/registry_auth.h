// The X-Registry-Auth header of the Engine API (`POST /images/create` and others): registry
// credentials the daemon uses for one request, as base64url of a small JSON object.
#pragma once

#include <string>

#include "base/status.h"

namespace berth::docker {

struct RegistryCredentials {
  std::string username;
  std::string password;  // a password or an access token; secret
  // The registry as the daemon knows it: "registry.example.com:5000", or for Docker Hub
  // "https://index.docker.io/v1/" as the docker CLI sends it.
  std::string server_address;
};

// base64url (URL-safe alphabet, padded) of {"username","password","serveraddress"}, which is
// what the daemon decodes. For an anonymous pull, send no header at all. Invalid if a field is
// not valid UTF-8 (JSON cannot carry it), without repeating the field's value. The result
// holds the password: never log it.
[[nodiscard]] Result<std::string> RegistryAuthHeader(const RegistryCredentials& credentials);

}  // namespace berth::docker
