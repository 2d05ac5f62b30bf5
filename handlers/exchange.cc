// Requests and replies over evhttp.
#include "handlers/exchange.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <event2/buffer.h>

#include "handlers/api_connections.h"
#include "handlers/metrics.h"

namespace berth {
namespace {

const char* MethodName(evhttp_cmd_type command) {
  switch (command) {
    case EVHTTP_REQ_GET:
      return "GET";
    case EVHTTP_REQ_POST:
      return "POST";
    case EVHTTP_REQ_HEAD:
      return "HEAD";
    case EVHTTP_REQ_PUT:
      return "PUT";
    case EVHTTP_REQ_DELETE:
      return "DELETE";
    case EVHTTP_REQ_OPTIONS:
      return "OPTIONS";
    case EVHTTP_REQ_TRACE:
      return "TRACE";
    case EVHTTP_REQ_CONNECT:
      return "CONNECT";
    case EVHTTP_REQ_PATCH:
      return "PATCH";
  }
  return "UNKNOWN";
}

// The numeric address of the peer, or "unix" for the local socket.
std::string PeerAddress(evhttp_connection* connection) {
  const sockaddr* addr = connection ? evhttp_connection_get_addr(connection) : nullptr;
  char text[INET6_ADDRSTRLEN] = "unknown";
  if (!addr) return text;
  if (addr->sa_family == AF_UNIX) return "unix";
  if (addr->sa_family == AF_INET)
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(addr)->sin_addr, text, sizeof text);
  if (addr->sa_family == AF_INET6)
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(addr)->sin6_addr, text, sizeof text);
  return text;
}

const char* ErrorCodeFor(Status::Code code, int* http_status) {
  switch (code) {
    case Status::Code::kInvalid:
      *http_status = 422;
      return "invalid";
    case Status::Code::kNotFound:
      *http_status = 404;
      return "not_found";
    case Status::Code::kConflict:
      *http_status = 409;
      return "conflict";
    case Status::Code::kUnavailable:
      *http_status = 503;
      return "unavailable";
    case Status::Code::kUpstream:
      *http_status = 502;
      return "upstream";
    case Status::Code::kUnauthenticated:
      *http_status = 401;
      return "unauthorized";
    default:
      *http_status = 500;
      return "internal";
  }
}

}  // namespace

std::string DumpJson(const nlohmann::json& json) {
  // App output is not always UTF-8: replace what is not rather than fail.
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string BodyTooLargeMessage(uint64_t size, uint64_t limit) {
  return "the body is " + std::to_string(size) + " bytes; the limit is " + std::to_string(limit);
}

Exchange::Exchange(evhttp_request* request, Metrics* metrics, ApiConnections* connections,
                   std::weak_ptr<const int> server)
    : request_(request),
      metrics_(metrics),
      connections_(connections),
      server_(std::move(server)),
      started_(std::chrono::steady_clock::now()),
      method_(MethodName(evhttp_request_get_command(request))),
      client_(PeerAddress(evhttp_request_get_connection(request))) {}

Exchange::~Exchange() {
  if (!request_ || server_.expired()) return;
  if (!open()) {
    Release();
    return;
  }
  if (streaming_) {
    // End the stream properly.
    WatchClose(false);
    evhttp_send_reply_end(request_);
  } else {
    // A handler forgot to answer: never leave a client hanging.
    ReplyError(500, "internal", "the request was dropped without an answer");
  }
}

bool Exchange::ParseUrl() {
  const evhttp_uri* uri = evhttp_request_get_evhttp_uri(request_);
  const char* path = uri ? evhttp_uri_get_path(uri) : nullptr;
  path_ = path && *path ? path : "/";
  const char* query = uri ? evhttp_uri_get_query(uri) : nullptr;
  if (!query || !*query) return true;
  std::optional<std::map<std::string, std::string>> fields = ParseFormFields(query);
  if (!fields) {
    ReplyError(400, "bad_request", "the query string is malformed");
    return false;
  }
  query_ = std::move(*fields);
  return true;
}

std::optional<std::map<std::string, std::string>> ParseFormFields(const std::string& text) {
  evkeyvalq pairs;
  pairs.tqh_first = nullptr;
  pairs.tqh_last = &pairs.tqh_first;
  if (evhttp_parse_query_str(text.c_str(), &pairs) != 0) return std::nullopt;
  std::map<std::string, std::string> fields;
  for (evkeyval* kv = pairs.tqh_first; kv; kv = kv->next.tqe_next) fields[kv->key] = kv->value;
  evhttp_clear_headers(&pairs);
  return fields;
}

const std::string& Exchange::param(const std::string& key) const {
  static const std::string kEmpty;
  auto it = params_.find(key);
  return it == params_.end() ? kEmpty : it->second;
}

const char* Exchange::header(const char* name) const {
  return evhttp_find_header(evhttp_request_get_input_headers(request_), name);
}

std::string_view Exchange::body() const {
  evbuffer* input = evhttp_request_get_input_buffer(request_);
  size_t length = evbuffer_get_length(input);
  if (length == 0) return {};
  return {reinterpret_cast<const char*>(evbuffer_pullup(input, -1)), length};
}

void Exchange::AddHeader(const char* name, const std::string& value) {
  if (request_) evhttp_add_header(evhttp_request_get_output_headers(request_), name, value.c_str());
}

void Exchange::Reply(int status, const nlohmann::json& body) {
  ReplyText(status, "application/json", DumpJson(body) + "\n");
}

// Frees a request whose client has gone (evhttp frees a detached request on send).
void Exchange::Release() {
  if (!server_.expired()) evhttp_send_reply_end(request_);
  request_ = nullptr;
}

void Exchange::ReplyText(int status, std::string_view content_type, std::string_view body) {
  if (!request_) return;
  Replied(status);
  if (!open()) return Release();
  evkeyvalq* headers = evhttp_request_get_output_headers(request_);
  evhttp_add_header(headers, "Content-Type", std::string(content_type).c_str());
  if (head()) {
    // evhttp would send the body of a HEAD answer: only say how long it is.
    evhttp_add_header(headers, "Content-Length", std::to_string(body.size()).c_str());
  } else {
    evbuffer_add(evhttp_request_get_output_buffer(request_), body.data(), body.size());
  }
  Finish(status);
  evhttp_send_reply(request_, status, nullptr, nullptr);
  request_ = nullptr;
}

void Exchange::ReplyEmpty(int status) {
  if (!request_) return;
  Replied(status);
  if (!open()) return Release();
  Finish(status);
  evhttp_send_reply(request_, status, nullptr, nullptr);
  request_ = nullptr;
}

void Exchange::ReplyError(int status, std::string_view code, std::string_view message,
                          std::string_view field) {
  nlohmann::json error = {{"code", code}, {"message", message}};
  if (!field.empty()) error["field"] = field;
  Reply(status, {{"error", error}});
}

void Exchange::ReplyForbidden(Action action, std::string_view app) {
  ReplyError(403, "forbidden", ForbiddenMessage(action, app));
}

std::string Exchange::ForbiddenMessage(Action action, std::string_view app) const {
  std::string scope = app.empty() ? "global" : "app:" + std::string(app);
  return std::string("you need ") + to_string(action) + " on " + scope + "; " + principal_.label +
         " does not have it";
}

void Exchange::Replied(int status) {
  if (server_.expired()) return;  // what it would tell is gone with the server
  if (auto on_reply = std::move(on_reply_)) {
    on_reply_ = nullptr;
    on_reply(status);
  }
}

int HttpStatusOf(const Status& status) {
  int http_status = 500;
  ErrorCodeFor(status.code(), &http_status);
  return http_status;
}

void Exchange::ReplyStatus(const Status& status) {
  int http_status = 500;
  const char* code = ErrorCodeFor(status.code(), &http_status);
  ReplyError(http_status, code, status.message(), status.field());
}

bool Exchange::StartStream(const char* content_type) {
  if (!open()) return false;
  evkeyvalq* headers = evhttp_request_get_output_headers(request_);
  evhttp_add_header(headers, "Content-Type", content_type);
  evhttp_add_header(headers, "Cache-Control", "no-cache");
  evhttp_add_header(headers, "X-Accel-Buffering", "no");
  if (head()) {
    ReplyEmpty(200);
    return false;
  }
  Replied(200);
  if (metrics_) metrics_->ObserveRequest(200, std::chrono::steady_clock::now() - started_);
  evhttp_send_reply_start(request_, 200, "OK");
  streaming_ = true;
  if (!watching_close_) set_on_close(nullptr);
  return true;
}

void Exchange::SendChunk(std::string_view data) {
  if (!open()) return;
  evbuffer* chunk = evbuffer_new();
  evbuffer_add(chunk, data.data(), data.size());
  evhttp_send_reply_chunk(request_, chunk);
  evbuffer_free(chunk);
}

void Exchange::EndStreamThenClose(std::function<void()> closed) {
  if (!streaming_ || !open()) return closed();
  connections_->SetOnClose(evhttp_request_get_connection(request_), std::move(closed));
  watching_close_ = false;
  streaming_ = false;
  evhttp_add_header(evhttp_request_get_output_headers(request_), "Connection", "close");
  evhttp_send_reply_end(request_);
  request_ = nullptr;
}

void Exchange::set_on_close(std::function<void()> on_close) {
  on_close_ = std::move(on_close);
  if (watching_close_ || !open()) return;
  WatchClose(true);
}

// REQUIRES: open().
void Exchange::WatchClose(bool watch) {
  watching_close_ = watch;
  std::function<void()> on_close;
  if (watch) on_close = [this] { OnConnectionClose(); };
  connections_->SetOnClose(evhttp_request_get_connection(request_), std::move(on_close));
}

void Exchange::OnConnectionClose() {
  closed_ = true;
  watching_close_ = false;
  if (on_close_) on_close_();
}

void Exchange::Finish(int status) {
  if (watching_close_ && open()) WatchClose(false);
  if (metrics_) metrics_->ObserveRequest(status, std::chrono::steady_clock::now() - started_);
}

}  // namespace berth
