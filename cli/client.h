// Client: the HTTP exchanges berthctl has with berthd, behind an interface so that commands can
// be tested against a fake. CurlClient (curl_client.h) is the real one.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace berth::cli {

// An HTTP answer of any status; the caller decides what a 4xx or 5xx means.
struct Response {
  long status = 0;  // NOLINT(google-runtime-int): libcurl reports the status as a long
  std::string body;
  // The header lines as (lower-case name, value), in order; a name may repeat (Set-Cookie).
  std::vector<std::pair<std::string, std::string>> headers = {};

  // The value of the first header called `name` (lower case), or nullopt.
  std::optional<std::string> header(std::string_view name) const;
};

// What a request carries besides its method, path and body.
struct RequestOptions {
  std::vector<std::string> headers = {};  // extra "Name: value" lines
  bool with_token = true;                 // false: no Authorization from the endpoint's token
};

// Receives the bytes of a streamed answer as they arrive; returns false to end the stream.
using ChunkSink = std::function<bool(std::string_view chunk)>;

class Client {
 public:
  virtual ~Client() = default;

  // Sends `method` to `path` (e.g. "/v1/apps/web?purge=true") and waits for the whole answer.
  // With a `body`, it is sent as application/json. Fails (Status::Unavailable, naming the URL)
  // only when no HTTP answer came: berthd unreachable, connection broken, timeout.
  Result<Response> request(std::string_view method, std::string_view path,
                           const std::optional<std::string>& body) {
    return request(method, path, body, RequestOptions{});
  }
  // The same with extra headers, or without the endpoint's token (a login, a session's
  // requests, the token of a saved login).
  virtual Result<Response> request(std::string_view method, std::string_view path,
                                   const std::optional<std::string>& body,
                                   const RequestOptions& options) = 0;

  // GETs `path` and hands a 2xx answer's body to `sink` chunk by chunk as it arrives, until the
  // server ends it or `sink` returns false (both are success; the Response's body is then
  // empty). A non-2xx answer is not streamed: it comes back whole in the Response's body.
  virtual Result<Response> stream(std::string_view path, const ChunkSink& sink) = 0;

  // The URL the client talks to, for messages.
  virtual const std::string& url() const = 0;
};

// `segment` percent-encoded for use as one segment of a URL path (an app name, for instance).
std::string escape_path_segment(std::string_view segment);

}  // namespace berth::cli
