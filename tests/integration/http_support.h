// libcurl owners and the small header-parsing pieces shared by the request and SSE clients.
#ifndef BERTH_TESTS_INTEGRATION_HTTP_SUPPORT_H_
#define BERTH_TESTS_INTEGRATION_HTTP_SUPPORT_H_

#include <curl/curl.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace berth::testing {

// Extra request headers as raw "Name: value" lines. "Name:" with no value removes a header
// libcurl would add by itself (e.g. "Content-Type:", "Authorization:").
using HeaderLines = std::vector<std::string>;

struct CurlEasyDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
using CurlEasy = std::unique_ptr<CURL, CurlEasyDeleter>;

struct CurlSlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using CurlSlist = std::unique_ptr<curl_slist, CurlSlistDeleter>;

struct CurlMultiDeleter {
  void operator()(CURLM* multi) const { curl_multi_cleanup(multi); }
};
using CurlMulti = std::unique_ptr<CURLM, CurlMultiDeleter>;

inline void EnsureCurlInitialised() {
  static const bool initialised = [] { return curl_global_init(CURL_GLOBAL_ALL) == CURLE_OK; }();
  (void)initialised;
}

inline std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

inline std::string Trim(const std::string& s) {
  size_t begin = s.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return "";
  size_t end = s.find_last_not_of(" \t\r\n");
  return s.substr(begin, end - begin + 1);
}

// True when `headers` has a line for `name` (any case).
inline bool HasHeader(const HeaderLines& headers, const std::string& name) {
  std::string prefix = Lower(name) + ":";
  return std::any_of(headers.begin(), headers.end(),
                     [&](const std::string& line) { return Lower(line).rfind(prefix, 0) == 0; });
}

// Feeds one raw header line into `headers`; a status line starts a new response (100 Continue).
inline void ParseHeaderLine(const std::string& raw, long* status,
                            std::map<std::string, std::string>* headers) {
  std::string line = Trim(raw);
  if (line.rfind("HTTP/", 0) == 0) {
    headers->clear();
    size_t space = line.find(' ');
    if (space != std::string::npos) *status = std::atol(line.c_str() + space + 1);
    return;
  }
  size_t colon = line.find(':');
  if (colon == std::string::npos) return;
  (*headers)[Lower(line.substr(0, colon))] = Trim(line.substr(colon + 1));
}

// GET http://localhost<path> through a unix socket with a Bearer token; returns the status (0
// on failure) and fills `body`.
inline long GetOverUnixSocket(const std::string& socket_path, const std::string& path,
                              const std::string& token, std::string* body) {
  EnsureCurlInitialised();
  CurlEasy curl(curl_easy_init());
  std::string url = "http://localhost" + path;
  std::string auth = "Authorization: Bearer " + token;
  CurlSlist headers(curl_slist_append(nullptr, auth.c_str()));
  auto append = +[](char* data, size_t size, size_t n, void* out) {
    static_cast<std::string*>(out)->append(data, size * n);
    return size * n;
  };
  curl_easy_setopt(curl.get(), CURLOPT_UNIX_SOCKET_PATH, socket_path.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, 10000L);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, append);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, body);
  long status = 0;
  if (curl_easy_perform(curl.get()) == CURLE_OK)
    curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
  return status;
}

}  // namespace berth::testing

#endif  // BERTH_TESTS_INTEGRATION_HTTP_SUPPORT_H_
