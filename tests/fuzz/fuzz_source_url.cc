// Fuzz target: source URLs through SplitUserinfo and DisplayUrl, the hand-written parsers that
// keep credentials out of what berth-fetch stores and prints.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "supervise/fetch/source_url.h"

namespace {

void Require(bool ok, const char* what, const std::string& input) {
  if (ok) return;
  fprintf(stderr, "fuzz_source_url: %s\ninput: %s\n", what, input.c_str());
  abort();
}

// The authority of a URL with "://": up to the first '/', '?' or '#'.
std::string Authority(const std::string& url) {
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return "";
  size_t start = scheme_end + 3;
  size_t end = url.find_first_of("/?#", start);
  return url.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string url(reinterpret_cast<const char*>(data), size);
  std::string shown = berth::DisplayUrl(url);
  Require(Authority(shown).find('@') == std::string::npos, "the display form keeps userinfo",
          url);
  Require(berth::DisplayUrl(shown) == shown, "the display form is not stable", url);
  Require(shown.find('#') == std::string::npos || url.find("://") == std::string::npos,
          "the display form keeps a fragment", url);

  berth::Result<berth::SourceUrl> split = berth::SplitUserinfo(url);
  if (!split.ok()) {
    Require(berth::IsHttpUrl(url), "a URL that is not http(s) is refused", url);
    Require(!split.status().message().empty(), "a refusal without a message", url);
    return 0;
  }
  if (!berth::IsHttpUrl(url)) {
    Require(split->url == url && split->username.empty() && split->password.empty(),
            "a URL that is not http(s) is changed", url);
    return 0;
  }
  Require(Authority(split->url).find('@') == std::string::npos, "userinfo is left in the URL",
          url);
  auto again = berth::SplitUserinfo(split->url);
  Require(again.ok() && again->url == split->url && again->username.empty() &&
              again->password.empty(),
          "splitting twice finds credentials again", url);
  return 0;
}
