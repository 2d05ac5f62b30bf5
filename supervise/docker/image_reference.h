// ImageReference: an image name as `docker pull` takes it (`busybox`, `acme/app:1.4`,
// `registry.example.com:5000/acme/whoami@sha256:…`), split into registry, repository, tag and
// digest by the rules of Docker's reference grammar (distribution/reference).
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace berth::docker {

inline constexpr std::string_view kDockerHubRegistry = "docker.io";
inline constexpr std::string_view kDockerHubApiHost = "registry-1.docker.io";

struct ImageReference {
  std::string registry;    // "docker.io", "registry.example.com:5000", "[::1]:5000"
  std::string repository;  // "library/busybox", "acme/whoami"
  std::string tag;         // "latest" when neither a tag nor a digest was given; else as given
  std::string digest;      // "sha256:<64 hex>", or empty

  // The host (and port) of the registry's HTTP API: registry-1.docker.io for Docker Hub.
  std::string ApiHost() const;
  // "docker.io/library/busybox": registry and repository.
  std::string Name() const;
  // The full reference: Name(), then ":" tag if any, then "@" digest if any.
  std::string ToString() const;

  bool operator==(const ImageReference&) const = default;
};

// Parses `text` as Docker does (ParseNormalizedNamed, then a default tag):
// - the first `/`-separated component is a registry when it holds '.' or ':', is `localhost`,
//   or has uppercase letters; otherwise the registry is Docker Hub (docker.io, also spelled
//   index.docker.io), where a one-component repository gets `library/`;
// - a registry is host[:port], the host a DNS name, an IPv4 address or a bracketed IPv6 one;
// - a repository is lowercase components of [a-z0-9] joined by '.', '_', "__" or dashes,
//   separated by '/'; the whole name is at most 255 characters;
// - a tag matches [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}; a digest is sha256, sha384 or sha512 and
//   its lowercase hex value of the right length.
// Invalid, saying which part is wrong and why, otherwise (including a bare 64-hex string,
// which Docker takes for an image ID).
[[nodiscard]] Result<ImageReference> ParseImageReference(std::string_view text);

}  // namespace berth::docker
