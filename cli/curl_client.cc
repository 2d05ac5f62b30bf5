// CurlClient: libcurl easy transfers, buffered for requests and chunk by chunk for streams.
#include "cli/curl_client.h"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <utility>

#include "cli/curl_handles.h"

namespace berth::cli {
namespace {

constexpr long kConnectTimeoutSeconds = 10;  // NOLINT(google-runtime-int)
// Deleting an app waits for it to stop, which its stop_timeout may make long.
constexpr long kRequestTimeoutSeconds = 300;  // NOLINT(google-runtime-int)
const char* const kUserAgent = "berthctl/" BERTH_VERSION;

// Where the bytes of one transfer go: all into `body`, or, once a 2xx status is known, to `sink`.
struct Transfer {
  CURL* easy = nullptr;
  const ChunkSink* sink = nullptr;  // null: buffer everything
  std::string body = {};
  std::vector<std::pair<std::string, std::string>> headers = {};
  bool sink_stopped = false;
};

std::string trimmed(std::string_view text) {
  size_t start = text.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos) return "";
  size_t end = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(start, end - start + 1));
}

// One header line of the answer ("Name: value\r\n"); the status line and the blank line
// after the headers have no colon and are skipped. A new status line (after a redirect or a
// 1xx answer) starts the list afresh.
size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) transfer->headers.clear();
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return line.size();
  std::string name = trimmed(line.substr(0, colon));
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  transfer->headers.emplace_back(std::move(name), trimmed(line.substr(colon + 1)));
  return line.size();
}

bool is_success(long status) { return status >= 200 && status < 300; }  // NOLINT

size_t on_data(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  std::string_view chunk(data, size * count);
  long status = 0;  // NOLINT(google-runtime-int)
  curl_easy_getinfo(transfer->easy, CURLINFO_RESPONSE_CODE, &status);
  if (transfer->sink == nullptr || !is_success(status)) {
    transfer->body.append(chunk);
    return chunk.size();
  }
  if (!(*transfer->sink)(chunk)) {
    transfer->sink_stopped = true;
    return 0;  // makes libcurl end the transfer with CURLE_WRITE_ERROR
  }
  return chunk.size();
}

CurlSlist make_headers(const Endpoint& endpoint, bool has_body, bool streaming,
                       const RequestOptions& options = {}) {
  curl_slist* list = nullptr;
  auto add = [&](const std::string& header) { list = curl_slist_append(list, header.c_str()); };
  add(streaming ? "Accept: text/event-stream" : "Accept: application/json");
  add("Expect:");  // no 100-continue round trip
  if (has_body) add("Content-Type: application/json");
  if (options.with_token && !endpoint.token.empty()) add("Authorization: Bearer " + endpoint.token);
  for (const std::string& header : options.headers) add(header);
  return CurlSlist(list);
}

void set_common_options(CURL* easy, const Endpoint& endpoint, const std::string& url,
                        curl_slist* headers, Transfer* transfer, char* error_buffer) {
  curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
  if (!endpoint.unix_socket.empty()) {
    curl_easy_setopt(easy, CURLOPT_UNIX_SOCKET_PATH, endpoint.unix_socket.c_str());
  }
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(easy, CURLOPT_USERAGENT, kUserAgent);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT, kConnectTimeoutSeconds);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, transfer);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, transfer);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, error_buffer);
}

// Why a transfer failed, in words for a user. A failed connect says what the OS said
// ("Connection refused", "Permission denied" on the socket) rather than libcurl's summary,
// which for a unix socket would name "localhost port 80".
Status transport_failure(CURL* easy, const std::string& url, CURLcode code,
                         const char* error_buffer, bool answered) {
  if (answered && code == CURLE_PARTIAL_FILE) {  // typically berthd stopping during a stream
    return Status::Unavailable("berthd at " + url + " closed the connection (did it stop?)");
  }
  if (!answered && code == CURLE_COULDNT_CONNECT) {
    long os_errno = 0;  // NOLINT(google-runtime-int)
    curl_easy_getinfo(easy, CURLINFO_OS_ERRNO, &os_errno);
    std::string reason = os_errno != 0 ? std::strerror(static_cast<int>(os_errno)) : "no answer";
    std::string hint = os_errno == EACCES
                           ? " (this user may not use it: try sudo, or --url)"
                           : " (is berthd running? --url or BERTH_URL choose another)";
    return Status::Unavailable("cannot reach berthd at " + url + ": " + reason + hint);
  }
  std::string detail = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(code);
  std::string what = answered ? "lost the connection to berthd at " : "cannot reach berthd at ";
  return Status::Unavailable(what + url + ": " + detail);
}

// Runs the transfer set up on `transfer.easy` and turns its outcome into a Response.
Result<Response> perform(Transfer& transfer, const std::string& url, const char* error_buffer) {
  CURLcode code = curl_easy_perform(transfer.easy);
  Response response;
  curl_easy_getinfo(transfer.easy, CURLINFO_RESPONSE_CODE, &response.status);
  if (code != CURLE_OK && !(code == CURLE_WRITE_ERROR && transfer.sink_stopped)) {
    return transport_failure(transfer.easy, url, code, error_buffer, response.status != 0);
  }
  response.body = std::move(transfer.body);
  response.headers = std::move(transfer.headers);
  return response;
}

}  // namespace

std::string escape_path_segment(std::string_view segment) {
  CurlString escaped(curl_easy_escape(nullptr, segment.data(), static_cast<int>(segment.size())));
  return escaped ? std::string(escaped.get()) : std::string();
}

std::optional<std::string> Response::header(std::string_view name) const {
  for (const auto& [key, value] : headers)
    if (key == name) return value;
  return std::nullopt;
}

Result<Response> CurlClient::request(std::string_view method, std::string_view path,
                                     const std::optional<std::string>& body,
                                     const RequestOptions& options) {
  CurlEasy easy(curl_easy_init());
  if (!easy) return Status::Internal("cannot initialise libcurl");
  Transfer transfer{.easy = easy.get()};
  char error_buffer[CURL_ERROR_SIZE] = {};
  CurlSlist headers = make_headers(endpoint_, body.has_value(), /*streaming=*/false, options);
  std::string url = endpoint_.base_url + std::string(path);
  set_common_options(easy.get(), endpoint_, url, headers.get(), &transfer, error_buffer);
  curl_easy_setopt(easy.get(), CURLOPT_TIMEOUT, kRequestTimeoutSeconds);
  std::string method_name(method);
  if (method_name != "GET")
    curl_easy_setopt(easy.get(), CURLOPT_CUSTOMREQUEST, method_name.c_str());
  if (body) {
    curl_easy_setopt(easy.get(), CURLOPT_POSTFIELDS, body->c_str());
    curl_easy_setopt(easy.get(), CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(body->size()));
  }
  return perform(transfer, endpoint_.url, error_buffer);
}

Result<Response> CurlClient::stream(std::string_view path, const ChunkSink& sink) {
  CurlEasy easy(curl_easy_init());
  if (!easy) return Status::Internal("cannot initialise libcurl");
  Transfer transfer{.easy = easy.get(), .sink = &sink};
  char error_buffer[CURL_ERROR_SIZE] = {};
  CurlSlist headers = make_headers(endpoint_, /*has_body=*/false, /*streaming=*/true);
  std::string url = endpoint_.base_url + std::string(path);
  set_common_options(easy.get(), endpoint_, url, headers.get(), &transfer, error_buffer);
  curl_easy_setopt(easy.get(), CURLOPT_TCP_KEEPALIVE, 1L);
  return perform(transfer, endpoint_.url, error_buffer);
}

}  // namespace berth::cli
