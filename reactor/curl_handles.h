// Owners for berthd's libcurl handles (multi, easy, header lists, URLs, strings libcurl
// allocated): each is a unique_ptr whose deleter is the matching cleanup call, plus the
// process-wide curl_global_init and percent-encoding.
#pragma once

#include <curl/curl.h>

#include <memory>
#include <string>

namespace berth {

struct CurlMultiDeleter {
  void operator()(CURLM* multi) const { curl_multi_cleanup(multi); }
};
struct CurlEasyDeleter {
  void operator()(CURL* easy) const { curl_easy_cleanup(easy); }
};
struct CurlSlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
struct CurlUrlDeleter {
  void operator()(CURLU* url) const { curl_url_cleanup(url); }
};
struct CurlFreeDeleter {
  void operator()(char* text) const { curl_free(text); }
};

// REQUIRES: every easy handle was removed from a multi handle before that multi is destroyed.
using CurlMultiPtr = std::unique_ptr<CURLM, CurlMultiDeleter>;
// REQUIRES: an easy handle is removed from its multi handle before it is destroyed.
using CurlEasyPtr = std::unique_ptr<CURL, CurlEasyDeleter>;
using CurlSlistPtr = std::unique_ptr<curl_slist, CurlSlistDeleter>;
using CurlUrl = std::unique_ptr<CURLU, CurlUrlDeleter>;
using CurlString = std::unique_ptr<char, CurlFreeDeleter>;

// `text` percent-encoded for a URL's path or query ("" if libcurl is out of memory).
inline std::string UrlEscape(const std::string& text) {
  CurlString escaped(curl_easy_escape(nullptr, text.c_str(), static_cast<int>(text.size())));
  return escaped ? std::string(escaped.get()) : std::string();
}

// Holds libcurl's global state (reference-counted by libcurl) for as long as it lives; the
// first member of anything that owns curl handles.
class CurlGlobalRef {
 public:
  CurlGlobalRef() { curl_global_init(CURL_GLOBAL_DEFAULT); }
  ~CurlGlobalRef() { curl_global_cleanup(); }
  CurlGlobalRef(const CurlGlobalRef&) = delete;
  CurlGlobalRef& operator=(const CurlGlobalRef&) = delete;
};

}  // namespace berth
