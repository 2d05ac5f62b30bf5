// Userinfo splitting and display forms of source URLs, on top of libcurl's URL parser.
#include "supervise/fetch/source_url.h"

#include <curl/curl.h>

#include <cctype>
#include <memory>
#include <string_view>

namespace berth {
namespace {

struct CurlUrlDeleter {
  void operator()(CURLU* url) const { curl_url_cleanup(url); }
};
using CurlUrlPtr = std::unique_ptr<CURLU, CurlUrlDeleter>;

bool HasScheme(std::string_view url, std::string_view scheme) {
  if (url.size() <= scheme.size() + 3) return false;
  for (size_t i = 0; i < scheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(url[i])) != scheme[i]) return false;
  }
  return url.substr(scheme.size(), 3) == "://";
}

bool IsHttp(std::string_view url) { return HasScheme(url, "http") || HasScheme(url, "https"); }

CurlUrlPtr Parse(const std::string& url) {
  CurlUrlPtr parsed(curl_url());
  if (!parsed) return nullptr;
  unsigned flags = CURLU_NON_SUPPORT_SCHEME | CURLU_PATH_AS_IS;
  if (curl_url_set(parsed.get(), CURLUPART_URL, url.c_str(), flags) != CURLUE_OK) return nullptr;
  return parsed;
}

// One part of a parsed URL; empty when absent.
std::string Part(CURLU* url, CURLUPart part, unsigned flags = 0) {
  char* value = nullptr;
  if (curl_url_get(url, part, &value, flags) != CURLUE_OK || value == nullptr) return "";
  std::string out(value);
  curl_free(value);
  return out;
}

// For strings curl cannot parse: drop everything between "://" and the last '@'.
std::string DropUserinfoByHand(const std::string& url) {
  size_t scheme_end = url.find("://");
  size_t at = url.rfind('@');
  if (scheme_end == std::string::npos || at == std::string::npos || at < scheme_end) return url;
  return url.substr(0, scheme_end + 3) + url.substr(at + 1);
}

}  // namespace

Result<SourceUrl> SplitUserinfo(const std::string& url) {
  if (!IsHttp(url) || url.find('@') == std::string::npos) return SourceUrl{url, "", ""};
  CurlUrlPtr parsed = Parse(url);
  if (!parsed) return Status::Invalid("'" + DisplayUrl(url) + "' is not a valid URL", "url");
  SourceUrl out;
  out.username = Part(parsed.get(), CURLUPART_USER, CURLU_URLDECODE);
  out.password = Part(parsed.get(), CURLUPART_PASSWORD, CURLU_URLDECODE);
  if (out.username.empty() && out.password.empty()) {
    out.url = url;  // an '@' elsewhere in the URL, e.g. in its path
    return out;
  }
  curl_url_set(parsed.get(), CURLUPART_USER, nullptr, 0);
  curl_url_set(parsed.get(), CURLUPART_PASSWORD, nullptr, 0);
  out.url = Part(parsed.get(), CURLUPART_URL);
  if (out.url.empty())
    return Status::Invalid("'" + DisplayUrl(url) + "' is not a valid URL", "url");
  return out;
}

std::string DisplayUrl(const std::string& url) {
  if (url.find("://") == std::string::npos) return url;
  CurlUrlPtr parsed = Parse(url);
  if (!parsed) return DropUserinfoByHand(url);
  bool had_query = !Part(parsed.get(), CURLUPART_QUERY).empty();
  curl_url_set(parsed.get(), CURLUPART_USER, nullptr, 0);
  curl_url_set(parsed.get(), CURLUPART_PASSWORD, nullptr, 0);
  curl_url_set(parsed.get(), CURLUPART_QUERY, nullptr, 0);
  curl_url_set(parsed.get(), CURLUPART_FRAGMENT, nullptr, 0);
  std::string shown = Part(parsed.get(), CURLUPART_URL);
  if (shown.empty()) return DropUserinfoByHand(url);
  return had_query ? shown + "?***" : shown;
}

}  // namespace berth
