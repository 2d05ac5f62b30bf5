// Exchange: one HTTP request and its reply. Handlers hold it by shared_ptr when they answer
// later (DELETE waits for the app to stop) or stream (SSE); if the client goes away first the
// exchange is closed and replies become no-ops.
#pragma once

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "handlers/principal.h"

namespace berth {

class ApiConnections;
class Metrics;

// Compact JSON; invalid UTF-8 (app output) becomes U+FFFD instead of an error.
std::string DumpJson(const nlohmann::json& json);

// The HTTP status a failed Status is answered with (422 for Invalid, 409 for Conflict...).
int HttpStatusOf(const Status& status);

// The message of a 413 answer.
std::string BodyTooLargeMessage(uint64_t size, uint64_t limit);

// The fields of a query string or an application/x-www-form-urlencoded body, decoded; nullopt
// when it is malformed.
std::optional<std::map<std::string, std::string>> ParseFormFields(const std::string& text);

class Exchange {
 public:
  // `server` lives as long as the server that owns evhttp, `metrics` and `connections`: an
  // exchange that outlives it (held by work still pending at shutdown) touches none of them.
  Exchange(evhttp_request* request, Metrics* metrics, ApiConnections* connections,
           std::weak_ptr<const int> server);
  ~Exchange();
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  // The request while the client is still there; null once answered or gone.
  evhttp_request* request() const { return open() ? request_ : nullptr; }
  bool open() const {
    return request_ != nullptr && !closed_ && !server_.expired() &&
           evhttp_request_get_connection(request_);
  }
  const std::string& method() const { return method_; }
  // HEAD: answered like GET, without the body.
  bool head() const { return method_ == "HEAD"; }
  const std::string& path() const { return path_; }
  // A path parameter captured by the router, e.g. "name".
  const std::string& param(const std::string& key) const;
  const std::map<std::string, std::string>& params() const { return params_; }
  void set_params(std::map<std::string, std::string> params) { params_ = std::move(params); }
  // Query parameters; false (and a 400 sent) when the query is malformed.
  const std::map<std::string, std::string>& query() const { return query_; }
  const char* header(const char* name) const;
  std::string_view body() const;
  // The parsed JSON body, set by the server for routes that take one.
  const nlohmann::json& json() const { return json_; }
  void set_json(nlohmann::json json) { json_ = std::move(json); }

  void Reply(int status, const nlohmann::json& body);
  void ReplyText(int status, std::string_view content_type, std::string_view body);
  void ReplyEmpty(int status);
  void ReplyError(int status, std::string_view code, std::string_view message,
                  std::string_view field = "");
  // Maps a failed Status to its HTTP status and error code.
  void ReplyStatus(const Status& status);
  void AddHeader(const char* name, const std::string& value);
  // 403 forbidden naming what the caller lacks: "you need control on app:shop".
  void ReplyForbidden(Action action, std::string_view app);
  // Its message.
  std::string ForbiddenMessage(Action action, std::string_view app) const;

  // Who is calling, as authentication found it.
  const Principal& principal() const { return principal_; }
  void set_principal(Principal principal) { principal_ = std::move(principal); }
  // The client's address ("203.0.113.7", "::1", "unix"), read when the request arrived.
  const std::string& client() const { return client_; }
  // Called once with the status when the exchange is answered (200 when a stream starts),
  // even if the client has gone by then.
  void set_on_reply(std::function<void(int status)> on_reply) { on_reply_ = std::move(on_reply); }

  // Streaming (SSE): sends the status line and headers, then chunks. For HEAD the headers
  // alone end the answer: false, and there is nothing to stream.
  bool StartStream(const char* content_type);
  void SendChunk(std::string_view data);
  // Ends a stream and has evhttp close the connection once the client has been sent everything;
  // `closed` runs when the connection is gone (at once when it already is).
  void EndStreamThenClose(std::function<void()> closed);
  // Called once if the client goes away before the exchange completed.
  void set_on_close(std::function<void()> on_close);
  // The request parsed; false when the query is malformed (a 400 was sent).
  bool ParseUrl();

 private:
  void OnConnectionClose();
  void WatchClose(bool watch);
  void Finish(int status);
  void Replied(int status);
  void Release();

  evhttp_request* request_;
  Metrics* metrics_;
  ApiConnections* connections_;
  std::weak_ptr<const int> server_;
  std::chrono::steady_clock::time_point started_;
  std::string method_;
  std::string path_;
  std::map<std::string, std::string> params_;
  std::map<std::string, std::string> query_;
  nlohmann::json json_;
  Principal principal_;
  std::string client_;
  std::function<void(int)> on_reply_;
  std::function<void()> on_close_;
  bool watching_close_ = false;
  bool streaming_ = false;
  // The client went away; evhttp detached the request, which is ours to free.
  bool closed_ = false;
};

}  // namespace berth
