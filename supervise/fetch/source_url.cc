// Userinfo splitting and display forms of source URLs. Parsed by hand (RFC 3986's authority:
// `scheme://[userinfo@]host[:port]`, ending at the first '/', '?' or '#') so that the git
// fetcher needs no HTTP library.
#include "supervise/fetch/source_url.h"

#include <cctype>
#include <optional>
#include <string_view>

namespace berth {
namespace {

bool HasScheme(std::string_view url, std::string_view scheme) {
  if (url.size() <= scheme.size() + 3) return false;
  for (size_t i = 0; i < scheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(url[i])) != scheme[i]) return false;
  }
  return url.substr(scheme.size(), 3) == "://";
}

// Where a URL's parts are: [0, authority) scheme and "://", [authority, at) userinfo when
// `at` is set, [host, rest) host and port, [rest, end) path, query and fragment.
struct UrlParts {
  size_t authority = 0;
  std::optional<size_t> at;
  size_t host = 0;
  size_t rest = 0;
};

std::optional<UrlParts> Locate(std::string_view url) {
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::nullopt;
  UrlParts parts;
  parts.authority = scheme_end + 3;
  parts.rest = url.find_first_of("/?#", parts.authority);
  if (parts.rest == std::string_view::npos) parts.rest = url.size();
  size_t at = url.substr(0, parts.rest).rfind('@');
  if (at != std::string_view::npos && at >= parts.authority) parts.at = at;
  parts.host = parts.at ? *parts.at + 1 : parts.authority;
  return parts;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

// %XX escapes decoded; nullopt when one is cut short or not hex.
std::optional<std::string> PercentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    int high = HexValue(text[i + 1]), low = HexValue(text[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

}  // namespace

bool IsHttpUrl(std::string_view url) {
  return HasScheme(url, "http") || HasScheme(url, "https");
}

Result<SourceUrl> SplitUserinfo(const std::string& url) {
  if (!IsHttpUrl(url)) return SourceUrl{url, "", ""};
  std::optional<UrlParts> parts = Locate(url);
  if (!parts || !parts->at) return SourceUrl{url, "", ""};  // an '@' only in the path, if any
  auto invalid = [&] {
    std::string message = DisplayUrl(url);  // appended, not "'" + …: GCC 12 -Wrestrict
    message.insert(0, 1, '\'').append("' is not a valid URL");
    return Status::Invalid(message, "url");
  };
  if (parts->host == parts->rest) return invalid();  // no host after the '@'
  std::string_view userinfo =
      std::string_view(url).substr(parts->authority, *parts->at - parts->authority);
  size_t colon = userinfo.find(':');
  std::optional<std::string> username = PercentDecode(userinfo.substr(0, colon));
  std::optional<std::string> password =
      colon == std::string_view::npos ? std::string() : PercentDecode(userinfo.substr(colon + 1));
  if (!username || !password) return invalid();
  SourceUrl out;
  out.url = url.substr(0, parts->authority) + url.substr(parts->host);
  out.username = std::move(*username);
  out.password = std::move(*password);
  return out;
}

std::string DisplayUrl(const std::string& url) {
  std::optional<UrlParts> parts = Locate(url);
  if (!parts) return url;
  std::string shown = url.substr(0, parts->authority) + url.substr(parts->host);
  shown = shown.substr(0, shown.find('#'));
  size_t query = shown.find('?');
  if (query == std::string::npos) return shown;
  bool had_query = query + 1 < shown.size();
  shown.resize(query);
  return had_query ? shown + "?***" : shown;
}

}  // namespace berth
