// Docker Engine API versions: parsing "1.41", comparing numerically, and choosing the version
// berth speaks to a daemon from what its `GET /version` says.
#pragma once

#include <compare>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/status.h"

namespace berth::docker {

// An Engine API version, "<major>.<minor>", compared as numbers ("1.9" < "1.41").
struct ApiVersion {
  int major = 0;
  int minor = 0;

  auto operator<=>(const ApiVersion&) const = default;
  // "1.41": the form used in request paths (`/v1.41/containers/json`).
  std::string ToString() const;
};

// The oldest API berth can use (Docker 20.10) and the newest it was tested against.
inline constexpr ApiVersion kOldestSupportedApiVersion{1, 41};
inline constexpr ApiVersion kNewestTestedApiVersion{1, 47};

// Parses "<major>.<minor>" (decimal digits, no sign, no spaces, each at most 9 digits).
// Invalid, naming `text`, otherwise.
[[nodiscard]] Result<ApiVersion> ParseApiVersion(std::string_view text);

// The version to speak to the daemon whose `GET /version` body is `version`: its ApiVersion,
// but no newer than kNewestTestedApiVersion, and never older than its MinAPIVersion (when it
// says one). Unavailable, saying which Docker is needed, if the daemon's ApiVersion is older
// than kOldestSupportedApiVersion; Invalid if the body has no valid ApiVersion (or a
// MinAPIVersion that is not a version).
[[nodiscard]] Result<ApiVersion> NegotiateApiVersion(const nlohmann::json& version);

}  // namespace berth::docker
