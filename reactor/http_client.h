// HttpClient: berthd's one outbound HTTP client (the Docker Engine over its unix socket,
// registries, health probes), libcurl's multi interface driven by the EventLoop: nothing blocks.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/status.h"
#include "reactor/curl_handles.h"
#include "reactor/event_loop.h"

namespace berth {

constexpr size_t kDefaultMaxBody = 64 * 1024 * 1024;

struct HttpRequest {
  std::string method = "GET";
  // With `unix_socket` set, the host part only names the request: "http://localhost/v1.41/info".
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;
  std::string unix_socket;  // a path: connect there instead of to the URL's host
  long timeout_ms = 0;      // the whole call; 0: none (streams)
  long connect_timeout_ms = 10000;
  size_t max_body = kDefaultMaxBody;  // a larger buffered body fails the call
  // On a new connection, closed after the call: not an idle one the server may be closing.
  bool fresh_connection = false;
};

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;  // names lowercased

struct HttpResponse {
  long status = 0;
  HttpHeaders headers;
  std::string body;  // empty when the call streamed it to on_data

  // The value of the first header called `name` (any case), or "".
  std::string Header(std::string_view name) const;
};

// Called once when a call ends: a response (any status: 4xx/5xx are answers, not errors), or
// why there is none, naming the target: Unavailable for the network ("cannot connect to
// unix:///var/run/docker.sock: No such file or directory", "GET http://…: timed out after
// 2000 ms", a stream cut short), Invalid for a bad URL, IOError for a body over max_body.
using HttpDone = std::function<void(Result<HttpResponse>)>;

// For streams (Docker's events, logs?follow=1, stats, images/create). Both are optional.
struct HttpStream {
  // Once the status line and headers of the final response have arrived.
  std::function<void(long status, const HttpHeaders& headers)> on_head;
  // Each piece of the body as it arrives (valid during the call only); when set the body is
  // not buffered and max_body does not apply.
  std::function<void(std::string_view chunk)> on_data;
};

class HttpClient;
class HttpTransfer;

// One call in flight, owned by whoever started it. Destroying it cancels the call: no callback
// runs after that. It may be destroyed anywhere, in its own on_head/on_data/done included, and
// after its HttpClient.
class HttpCall {
 public:
  HttpCall(const HttpCall&) = delete;
  HttpCall& operator=(const HttpCall&) = delete;
  ~HttpCall();

  // False once done has been called (or the client was destroyed).
  bool active() const { return transfer_ != nullptr; }

 private:
  friend class HttpClient;
  HttpCall(HttpClient* client, HttpTransfer* transfer) : client_(client), transfer_(transfer) {}

  HttpClient* client_;
  HttpTransfer* transfer_;  // owned by client_; null once finished or detached
};

// One per daemon. Calls to the same place (the same unix socket, host and port) reuse idle
// connections. Callbacks run on the loop: on_head and on_data while data arrives, `done` at a
// loop boundary, never from inside libcurl.
// REQUIRES: no callback destroys the HttpClient (defer that with EventLoop::Defer).
class HttpClient {
 public:
  explicit HttpClient(EventLoop* loop);
  // Cancels every call in flight; none of their callbacks runs.
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Starts `request`; `done` runs once, at a later loop turn, unless the returned call is
  // destroyed first. With `stream.on_data`, the body goes there instead of into the response.
  [[nodiscard]] std::unique_ptr<HttpCall> Send(HttpRequest request, HttpDone done,
                                               HttpStream stream = {});

 private:
  friend class HttpCall;
  using TransferMap = std::unordered_map<const HttpTransfer*, std::unique_ptr<HttpTransfer>>;

  static int OnSocketChange(CURL*, curl_socket_t fd, int what, void* self, void*);
  static int OnTimerChange(CURLM*, long timeout_ms, void* self);
  static void OnSocketReady(evutil_socket_t fd, short events, void* self);

  void Add(HttpTransfer* transfer);
  void Cancel(HttpTransfer* transfer);
  std::unique_ptr<HttpTransfer> Retire(HttpTransfer* transfer);
  void Finished(std::unique_ptr<HttpTransfer> transfer);
  void Detach(HttpTransfer* transfer);
  void WatchSocket(curl_socket_t fd, int what);
  void Drive(curl_socket_t fd, int flags);
  void AfterCurl();
  void CollectDone();
  void DeliverFinished();

  CurlGlobalRef curl_global_;
  EventLoop* loop_;
  Timer curl_timer_;     // curl's one timeout, zero when it asks for "now"
  Timer deliver_timer_;  // zero: hands finished calls their `done` at a loop boundary
  std::unordered_map<curl_socket_t, EventPtr> sockets_;  // what curl asked to watch
  TransferMap transfers_;                                // started, not yet finished
  std::vector<std::unique_ptr<HttpTransfer>> finished_;  // waiting for deliver_timer_
  // libcurl refuses to be re-entered from its callbacks: calls started or cancelled there are
  // added or removed once curl_multi_socket_action has returned.
  bool driving_ = false;
  bool delivering_ = false;
  std::vector<HttpTransfer*> to_add_;
  std::vector<HttpTransfer*> to_reap_;
  CurlMultiPtr multi_;  // last: its cleanup may still tell OnSocketChange about sockets
};

}  // namespace berth
