// HttpTransfer: the options of one easy handle, its head and body, and its failures in words.
#include "reactor/http_transfer.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <limits>
#include <utility>

namespace berth {
namespace {

const char* const kUserAgent = "berthd/" BERTH_VERSION;

std::string_view Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

std::string Lowercase(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower;
}

bool HasHeader(const std::vector<std::string>& headers, std::string_view name) {
  return std::any_of(headers.begin(), headers.end(), [&](const std::string& header) {
    return header.size() > name.size() && header[name.size()] == ':' &&
           Lowercase(header.substr(0, name.size())) == name;
  });
}

// Called by libcurl once a connection is ready (new or reused), before the request goes out.
int OnConnected(void* connected, char*, char*, int, int) {
  *static_cast<bool*>(connected) = true;
  return CURL_PREREQFUNC_OK;
}

}  // namespace

HttpTransfer::HttpTransfer(HttpRequest request, HttpDone done, HttpStream stream)
    : request_(std::move(request)),
      done_(std::move(done)),
      stream_(std::move(stream)),
      easy_(curl_easy_init()) {
  if (easy_) SetOptions();
}

void HttpTransfer::SetOptions() {
  CURL* easy = easy_.get();
  curl_easy_setopt(easy, CURLOPT_PRIVATE, this);
  curl_easy_setopt(easy, CURLOPT_URL, request_.url.c_str());
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, error_);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_USERAGENT, kUserAgent);
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, request_.connect_timeout_ms);
  if (request_.timeout_ms > 0) curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, request_.timeout_ms);
  if (request_.fresh_connection) {
    curl_easy_setopt(easy, CURLOPT_FRESH_CONNECT, 1L);
    curl_easy_setopt(easy, CURLOPT_FORBID_REUSE, 1L);
  }
  if (!request_.unix_socket.empty()) {
    curl_easy_setopt(easy, CURLOPT_UNIX_SOCKET_PATH, request_.unix_socket.c_str());
    curl_easy_setopt(easy, CURLOPT_PROXY, "");  // not the environment's http_proxy
  }
  curl_slist* list = nullptr;
  for (const std::string& header : request_.headers) list = curl_slist_append(list, header.c_str());
  // No "Expect: 100-continue" round trip before a large body, unless asked for.
  if (!HasHeader(request_.headers, "expect")) list = curl_slist_append(list, "Expect:");
  headers_.reset(list);
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, list);

  const std::string& method = request_.method;
  if (method == "HEAD") curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
  if (method != "GET" && method != "POST" && method != "HEAD") {
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, method.c_str());
  }
  if (method == "POST" || !request_.body.empty()) {
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request_.body.size()));
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, request_.body.c_str());
  }
  curl_easy_setopt(easy, CURLOPT_PREREQFUNCTION, &OnConnected);
  curl_easy_setopt(easy, CURLOPT_PREREQDATA, &connected_);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &HttpTransfer::OnHeader);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, this);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &HttpTransfer::OnBody);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, this);
  // A Content-Length above max_body fails the call before any byte of the body is read.
  if (!stream_.on_data &&
      request_.max_body < static_cast<size_t>(std::numeric_limits<curl_off_t>::max())) {
    curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(request_.max_body));
  }
}

// Returning anything but the size makes libcurl abort the transfer.
size_t HttpTransfer::OnHeader(char* data, size_t size, size_t count, void* self) {
  auto* transfer = static_cast<HttpTransfer*>(self);
  return transfer->HeaderLine(std::string_view(data, size * count)) ? size * count : 0;
}

size_t HttpTransfer::OnBody(char* data, size_t size, size_t count, void* self) {
  auto* transfer = static_cast<HttpTransfer*>(self);
  return transfer->BodyChunk(std::string_view(data, size * count)) ? size * count : 0;
}

// libcurl hands over every line of every head: interim 1xx ones, the final one, and the
// trailers of a chunked body.
bool HttpTransfer::HeaderLine(std::string_view line) {
  if (cancelled_) return false;
  if (line.starts_with("HTTP/")) {
    response_.headers.clear();
    head_complete_ = false;
    return true;
  }
  if (head_complete_) return true;                                       // a trailer
  if (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {  // folded
    if (!response_.headers.empty())
      response_.headers.back().second += " " + std::string(Trim(line));
    return true;
  }
  line = Trim(line);
  if (line.empty()) return HeadEnded();
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return true;
  response_.headers.emplace_back(Lowercase(Trim(line.substr(0, colon))),
                                 std::string(Trim(line.substr(colon + 1))));
  return true;
}

bool HttpTransfer::HeadEnded() {
  long status = 0;
  curl_easy_getinfo(easy_.get(), CURLINFO_RESPONSE_CODE, &status);
  if (status < 200) return true;  // 100 Continue and the like: the real head follows
  response_.status = status;
  head_complete_ = true;
  if (stream_.on_head) stream_.on_head(status, response_.headers);
  return !cancelled_;
}

bool HttpTransfer::BodyChunk(std::string_view chunk) {
  if (cancelled_) return false;
  if (stream_.on_data) {
    stream_.on_data(chunk);
    return !cancelled_;
  }
  if (response_.body.size() + chunk.size() > request_.max_body) {
    body_too_large_ = true;
    return false;
  }
  response_.body.append(chunk);
  return true;
}

void HttpTransfer::Finish(CURLcode code) {
  if (code != CURLE_OK) {
    failure_ = Failure(code);
    return;
  }
  curl_easy_getinfo(easy_.get(), CURLINFO_RESPONSE_CODE, &response_.status);
}

void HttpTransfer::Deliver() {
  HttpDone done = std::move(done_);  // outlives the call, should done destroy it
  if (!failure_.ok()) {
    done(failure_);
  } else {
    done(std::move(response_));
  }
}

Status HttpTransfer::Failure(CURLcode code) const {
  std::string detail = error_[0] != '\0' ? error_ : curl_easy_strerror(code);
  switch (code) {
    case CURLE_COULDNT_CONNECT: {
      long os_errno = 0;
      curl_easy_getinfo(easy_.get(), CURLINFO_OS_ERRNO, &os_errno);
      if (os_errno != 0) detail = std::strerror(static_cast<int>(os_errno));
      return Status::Unavailable("cannot connect to " + Endpoint() + ": " + detail);
    }
    case CURLE_OPERATION_TIMEDOUT:
      return TimedOut();
    case CURLE_FILESIZE_EXCEEDED:
    case CURLE_WRITE_ERROR:
      if (code == CURLE_WRITE_ERROR && !body_too_large_) break;
      return Status::IOError(Described() + ": the response body is larger than max_body (" +
                             std::to_string(request_.max_body) + " bytes)");
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return Status::Invalid(Described() + ": " + detail);
    default:
      break;
  }
  return Status::Unavailable(Described() + ": " + detail);
}

Status HttpTransfer::TimedOut() const {
  if (connected_) {
    return Status::Unavailable(Described() + ": timed out after " +
                               std::to_string(request_.timeout_ms) + " ms");
  }
  long limit = request_.connect_timeout_ms;
  if (request_.timeout_ms > 0 && (limit <= 0 || request_.timeout_ms < limit)) {
    limit = request_.timeout_ms;
  }
  return Status::Unavailable("cannot connect to " + Endpoint() + ": timed out after " +
                             std::to_string(limit) + " ms");
}

// "GET http://localhost/v1.41/info via unix:///var/run/docker.sock"
std::string HttpTransfer::Described() const {
  std::string described = request_.method + " " + request_.url;
  if (!request_.unix_socket.empty()) described += " via " + Endpoint();
  return described;
}

// Where the call connects: "unix:///var/run/docker.sock" or the URL.
std::string HttpTransfer::Endpoint() const {
  return request_.unix_socket.empty() ? request_.url : "unix://" + request_.unix_socket;
}

}  // namespace berth
