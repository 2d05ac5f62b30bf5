// Image reference parsing: the grammar of distribution/reference, written as small checks of
// each part rather than one regular expression, so that each refusal can say what is wrong.
#include "supervise/docker/image_reference.h"

#include <algorithm>

namespace berth::docker {
namespace {

constexpr size_t kMaxNameLength = 255;
constexpr size_t kMaxTagLength = 128;

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsAlnum(char c) { return IsLowerAlnum(c) || (c >= 'A' && c <= 'Z'); }
bool IsWordChar(char c) { return IsAlnum(c) || c == '_'; }
bool IsHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }
bool HasUpper(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

Status Bad(std::string_view text, const std::string& why) {
  std::string shown(text.substr(0, 300));
  return Status::Invalid("\"" + shown + "\" is not a valid image reference: " + why);
}

// [a-z0-9]+ ((. | _ | __ | -+) [a-z0-9]+)*
bool IsPathComponent(std::string_view c) {
  if (c.empty() || !IsLowerAlnum(c.front()) || !IsLowerAlnum(c.back())) return false;
  for (size_t i = 0; i < c.size();) {
    if (IsLowerAlnum(c[i])) {
      ++i;
      continue;
    }
    size_t run = c.find_first_not_of(c[i], i) - i;
    bool ok = c[i] == '-' || (c[i] == '_' && run <= 2) || (c[i] == '.' && run == 1);
    if (!ok) return false;
    i += run;
  }
  return true;
}

// [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
bool IsDomainComponent(std::string_view c) {
  if (c.empty() || !IsAlnum(c.front()) || !IsAlnum(c.back())) return false;
  return std::all_of(c.begin(), c.end(), [](char ch) { return IsAlnum(ch) || ch == '-'; });
}

bool IsPort(std::string_view port) {
  return !port.empty() && port.find_first_not_of("0123456789") == std::string_view::npos;
}

bool IsRegistry(std::string_view host) {
  size_t host_end;
  if (!host.empty() && host.front() == '[') {
    host_end = host.find(']');
    if (host_end == std::string_view::npos || host_end == 1) return false;
    std::string_view inside = host.substr(1, host_end - 1);
    if (inside.find_first_not_of("0123456789abcdefABCDEF:") != std::string_view::npos) return false;
    ++host_end;
  } else {
    host_end = std::min(host.find(':'), host.size());
    for (std::string_view rest = host.substr(0, host_end);;) {
      size_t dot = rest.find('.');
      if (!IsDomainComponent(rest.substr(0, dot))) return false;
      if (dot == std::string_view::npos) break;
      rest.remove_prefix(dot + 1);
    }
  }
  if (host_end == host.size()) return true;
  return host[host_end] == ':' && IsPort(host.substr(host_end + 1));
}

Status CheckRepository(std::string_view text, std::string_view repository) {
  if (HasUpper(repository)) return Bad(text, "the repository name must be lowercase");
  for (std::string_view rest = repository;;) {
    size_t slash = rest.find('/');
    if (!IsPathComponent(rest.substr(0, slash))) {
      return Bad(text, "the repository \"" + std::string(repository) +
                           "\" must be lowercase letters and digits, in components separated "
                           "by '/', joined by '.', '_', \"__\" or dashes");
    }
    if (slash == std::string_view::npos) return Status::Ok();
    rest.remove_prefix(slash + 1);
  }
}

Status CheckTag(std::string_view text, std::string_view tag) {
  bool ok = !tag.empty() && tag.size() <= kMaxTagLength && IsWordChar(tag[0]) &&
            std::all_of(tag.begin(), tag.end(),
                        [](char c) { return IsWordChar(c) || c == '.' || c == '-'; });
  if (ok) return Status::Ok();
  return Bad(text,
             "the tag must be 1 to 128 letters, digits, '_', '.' or '-', and not start "
             "with '.' or '-'");
}

Status CheckDigest(std::string_view text, std::string_view digest) {
  size_t colon = digest.find(':');
  std::string_view algorithm = digest.substr(0, colon);
  size_t length = algorithm == "sha256"   ? 64
                  : algorithm == "sha384" ? 96
                  : algorithm == "sha512" ? 128
                                          : 0;
  if (colon == std::string_view::npos || length == 0) {
    return Bad(text, "the digest must be sha256:, sha384: or sha512: and a hex value");
  }
  std::string_view hex = digest.substr(colon + 1);
  if (hex.size() != length || !std::all_of(hex.begin(), hex.end(), IsHex)) {
    return Bad(text, "the " + std::string(algorithm) + " digest must be " + std::to_string(length) +
                         " lowercase hex digits");
  }
  return Status::Ok();
}

// Splits the name into registry and repository as Docker's splitDockerDomain does.
void SplitRegistry(std::string_view name, ImageReference& out) {
  size_t slash = name.find('/');
  std::string_view first = name.substr(0, slash);
  bool hub =
      slash == std::string_view::npos || (first.find_first_of(".:") == std::string_view::npos &&
                                          first != "localhost" && !HasUpper(first));
  out.registry = hub ? kDockerHubRegistry : first;
  out.repository = hub ? name : name.substr(slash + 1);
  if (out.registry == "index.docker.io") out.registry = kDockerHubRegistry;
  if (out.registry == kDockerHubRegistry && out.repository.find('/') == std::string::npos) {
    out.repository = "library/" + out.repository;
  }
}

bool IsImageId(std::string_view text) {
  return text.size() == 64 && std::all_of(text.begin(), text.end(), IsHex);
}

}  // namespace

std::string ImageReference::ApiHost() const {
  return registry == kDockerHubRegistry ? std::string(kDockerHubApiHost) : registry;
}

std::string ImageReference::Name() const { return registry + "/" + repository; }

std::string ImageReference::ToString() const {
  std::string text = Name();
  if (!tag.empty()) text += ":" + tag;
  if (!digest.empty()) text += "@" + digest;
  return text;
}

Result<ImageReference> ParseImageReference(std::string_view text) {
  if (text.empty()) return Status::Invalid("the image reference is empty");
  if (IsImageId(text)) {
    return Bad(text, "a 64-digit hex string is an image ID, not a repository name");
  }
  ImageReference ref;
  std::string_view name = text;
  if (size_t at = name.find('@'); at != std::string_view::npos) {
    ref.digest = name.substr(at + 1);
    name = name.substr(0, at);
    if (Status s = CheckDigest(text, ref.digest); !s.ok()) return s;
  }
  size_t colon = name.rfind(':');
  if (colon != std::string_view::npos && name.find('/', colon) == std::string_view::npos) {
    ref.tag = name.substr(colon + 1);
    name = name.substr(0, colon);
    if (Status s = CheckTag(text, ref.tag); !s.ok()) return s;
  }
  SplitRegistry(name, ref);
  if (!IsRegistry(ref.registry)) {
    return Bad(text, "the registry \"" + ref.registry +
                         "\" must be a host name or address, "
                         "with an optional :port");
  }
  if (Status s = CheckRepository(text, ref.repository); !s.ok()) return s;
  if (ref.Name().size() > kMaxNameLength) {
    return Bad(text, "the repository name is longer than 255 characters");
  }
  if (ref.tag.empty() && ref.digest.empty()) ref.tag = "latest";
  return ref;
}

}  // namespace berth::docker
