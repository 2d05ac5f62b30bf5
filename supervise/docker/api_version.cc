// Engine API version negotiation, as the docker CLI does it: the lower of the daemon's version
// and our newest tested one, bounded below by the daemon's minimum.
#include "supervise/docker/api_version.h"

#include <algorithm>
#include <charconv>

namespace berth::docker {
namespace {

constexpr size_t kMaxDigits = 9;  // fits an int

bool ParseNumber(std::string_view digits, int* out) {
  if (digits.empty() || digits.size() > kMaxDigits) return false;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
  }
  std::from_chars(digits.data(), digits.data() + digits.size(), *out);
  return true;
}

// The string member `name` of the /version body, parsed; Invalid if it is missing or wrong.
Result<ApiVersion> VersionField(const nlohmann::json& version, const char* name) {
  auto it = version.find(name);
  if (it == version.end() || !it->is_string()) {
    return Status::Invalid(std::string("Docker's /version answer has no ") + name +
                           ": is this a Docker Engine?");
  }
  Result<ApiVersion> parsed = ParseApiVersion(it->get_ref<const std::string&>());
  if (!parsed.ok()) {
    return Status::Invalid(std::string("Docker's /version answer has a bad ") + name + ": " +
                           parsed.status().message());
  }
  return parsed;
}

}  // namespace

std::string ApiVersion::ToString() const {
  return std::to_string(major) + "." + std::to_string(minor);
}

Result<ApiVersion> ParseApiVersion(std::string_view text) {
  size_t dot = text.find('.');
  ApiVersion version;
  if (dot == std::string_view::npos || !ParseNumber(text.substr(0, dot), &version.major) ||
      !ParseNumber(text.substr(dot + 1), &version.minor)) {
    return Status::Invalid("\"" + std::string(text.substr(0, 32)) +
                           "\" is not an API version such as 1.41");
  }
  return version;
}

Result<ApiVersion> NegotiateApiVersion(const nlohmann::json& version) {
  if (!version.is_object()) {
    return Status::Invalid(
        "Docker's /version answer is not a JSON object: is this a Docker Engine?");
  }
  Result<ApiVersion> daemon = VersionField(version, "ApiVersion");
  if (!daemon.ok()) return daemon.status();
  if (*daemon < kOldestSupportedApiVersion) {
    return Status::Unavailable("Docker Engine API " + daemon->ToString() +
                               " is too old: berth needs " + kOldestSupportedApiVersion.ToString() +
                               " or newer (Docker 20.10)");
  }
  ApiVersion chosen = std::min(*daemon, kNewestTestedApiVersion);
  if (version.contains("MinAPIVersion")) {
    Result<ApiVersion> minimum = VersionField(version, "MinAPIVersion");
    if (!minimum.ok()) return minimum.status();
    if (*daemon < *minimum) {
      return Status::Invalid("Docker's /version answer has a MinAPIVersion (" +
                             minimum->ToString() + ") above its ApiVersion (" + daemon->ToString() +
                             ")");
    }
    chosen = std::max(chosen, *minimum);
  }
  return chosen;
}

}  // namespace berth::docker
