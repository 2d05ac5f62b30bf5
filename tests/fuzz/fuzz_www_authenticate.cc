// Fuzz target: a WWW-Authenticate header value given to ParseWwwAuthenticate. Checks that an
// accepted header has challenges with token schemes and lowercase parameter names, and that
// writing the challenges back out parses to the same challenges.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "supervise/docker/www_authenticate.h"

namespace {

using berth::docker::AuthChallenge;

void Require(bool ok, const char* what) {
  if (ok) return;
  fprintf(stderr, "fuzz_www_authenticate: %s\n", what);
  abort();
}

std::string Quote(const std::string& value) {
  std::string quoted = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') quoted.push_back('\\');
    quoted.push_back(c);
  }
  return quoted + "\"";
}

std::string Write(const std::vector<AuthChallenge>& challenges) {
  std::string text;
  for (const AuthChallenge& challenge : challenges) {
    if (!text.empty()) text += ", ";
    text += challenge.scheme;
    if (!challenge.token68.empty()) text += " " + challenge.token68;
    for (size_t i = 0; i < challenge.params.size(); ++i) {
      text += (i == 0 ? " " : ", ") + challenge.params[i].first + "=" +
              Quote(challenge.params[i].second);
    }
  }
  return text;
}

bool SameChallenges(const std::vector<AuthChallenge>& a, const std::vector<AuthChallenge>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].scheme != b[i].scheme || a[i].params != b[i].params || a[i].token68 != b[i].token68) {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view header(reinterpret_cast<const char*>(data), size);
  auto parsed = berth::docker::ParseWwwAuthenticate(header);
  if (!parsed.ok()) {
    Require(!parsed.status().message().empty(), "a refusal has no message");
    return 0;
  }
  Require(!parsed->empty(), "an accepted header has no challenge");
  for (const AuthChallenge& challenge : *parsed) {
    Require(!challenge.scheme.empty(), "a challenge has no scheme");
    Require(challenge.token68.empty() || challenge.params.empty(), "token68 and params");
    Require(challenge.IsScheme(challenge.scheme), "a scheme is not its own scheme");
    for (const auto& [name, value] : challenge.params) {
      Require(!name.empty(), "a parameter has no name");
      for (char c : name) Require(c < 'A' || c > 'Z', "a parameter name is not lowercase");
      Require(challenge.Param(name) != nullptr, "a parameter cannot be found by its name");
    }
  }
  auto again = berth::docker::ParseWwwAuthenticate(Write(*parsed));
  Require(again.ok(), "the challenges written back out are refused");
  Require(SameChallenges(*parsed, *again), "the challenges written back out parse differently");
  return 0;
}
