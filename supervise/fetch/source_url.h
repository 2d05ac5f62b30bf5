// Source URLs as berth-fetch handles them: credentials split off before a URL is stored or
// shown, and the form of a URL that progress lines and errors may print.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace berth {

struct SourceUrl {
  std::string url;       // without userinfo: what libgit2 stores and curl is given
  std::string username;  // from the userinfo, percent-decoded; empty when there was none
  std::string password;
};

// http:// or https://, in any case.
bool IsHttpUrl(std::string_view url);

// Splits the userinfo off an http(s) URL. Other URLs (file://, ssh://, scp-like
// `user@host:path`, plain paths) come back unchanged, with no credentials.
Result<SourceUrl> SplitUserinfo(const std::string& url);

// The URL for progress lines and errors: userinfo removed and any query replaced by "?***"
// (tokens often travel there). A string that is not a URL comes back as it is.
std::string DisplayUrl(const std::string& url);

}  // namespace berth
