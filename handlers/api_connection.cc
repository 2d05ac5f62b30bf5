// Timing the requests of one API connection.
#include "handlers/api_connection.h"

#include <event2/buffer.h>
#include <sys/socket.h>

#include <algorithm>
#include <string>

#include "handlers/exchange.h"
#include "reactor/log.h"

namespace berth {
namespace {

using Clock = std::chrono::steady_clock;

// The raw answer to a body refused before evhttp reads it (evhttp's own would be HTML).
std::string TooLargeResponse(const std::string& message) {
  std::string body = DumpJson({{"error", {{"code", "too_large"}, {"message", message}}}}) + "\n";
  return "HTTP/1.1 413 Payload Too Large\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

}  // namespace

const char* to_string(RequestPhase phase) {
  switch (phase) {
    case RequestPhase::kHead:
      return "head";
    case RequestPhase::kBody:
      return "body";
    case RequestPhase::kHandling:
      return "handling";
    case RequestPhase::kIdle:
      return "idle";
    case RequestPhase::kRefused:
      return "refused";
  }
  return "?";
}

ApiConnection::ApiConnection(EventLoop* loop, evhttp_connection* connection, bufferevent* bev,
                             const RequestLimits* limits)
    : connection_(connection),
      bev_(bev),
      limits_(limits),
      timer_(loop, [this] { OnDeadline(); }) {
  bufferevent_incref(bev_);
  input_watch_ = evbuffer_add_cb(bufferevent_get_input(bev_), &ApiConnection::OnInput, this);
  // The first request is timed from the connection's start, so a silent client goes too.
  StartRequest();
}

ApiConnection::~ApiConnection() {
  StopWatching();
  bufferevent_decref(bev_);
}

void ApiConnection::StopWatching() {
  timer_.Stop();
  if (input_watch_) evbuffer_remove_cb_entry(bufferevent_get_input(bev_), input_watch_);
  input_watch_ = nullptr;
}

void ApiConnection::Closed() {
  StopWatching();
  // evhttp closes the socket next, but the buffer lives on (our reference) until the next turn:
  // its events must not stay registered on a descriptor number a new connection may get.
  bufferevent_disable(bev_, EV_READ | EV_WRITE);
  if (auto on_close = std::move(on_close_)) {
    on_close_ = nullptr;
    on_close();
  }
}

void ApiConnection::RequestRead() { SetPhase(RequestPhase::kHandling); }

void ApiConnection::ReplySent() {
  SetPhase(RequestPhase::kIdle);
  // A pipelined request may be waiting already: its clock starts now.
  evbuffer* input = bufferevent_get_input(bev_);
  if (size_t waiting = evbuffer_get_length(input); waiting > 0) {
    StartRequest();
    ScanHead(input, 0, waiting);
  }
}

void ApiConnection::OnInput(evbuffer* input, const evbuffer_cb_info* info, void* self) {
  // Called as bytes are read into the buffer, before evhttp sees them.
  if (info->n_added == 0) return;
  size_t length = evbuffer_get_length(input);
  static_cast<ApiConnection*>(self)->Received(input, length - info->n_added, info->n_added);
}

void ApiConnection::Received(evbuffer* input, size_t offset, size_t length) {
  switch (phase_) {
    case RequestPhase::kIdle:
      StartRequest();
      return ScanHead(input, offset, length);
    case RequestPhase::kHead:
      return ScanHead(input, offset, length);
    case RequestPhase::kBody:
      return AddBody(length);
    case RequestPhase::kHandling:  // a pipelined request: timed once this one is answered
    case RequestPhase::kRefused:
      return;
  }
}

void ApiConnection::ScanHead(evbuffer* input, size_t offset, size_t length) {
  evbuffer_ptr at;
  evbuffer_ptr_set(input, &at, offset, EVBUFFER_PTR_SET);
  char chunk[4096];
  while (length > 0) {
    size_t n = std::min(length, sizeof chunk);
    ev_ssize_t copied = evbuffer_copyout_from(input, &at, chunk, n);
    if (copied <= 0) return;
    evbuffer_ptr_set(input, &at, static_cast<size_t>(copied), EVBUFFER_PTR_ADD);
    length -= static_cast<size_t>(copied);
    if (auto head = head_.Feed({chunk, static_cast<size_t>(copied)})) {
      return StartBody(static_cast<size_t>(copied) - *head + length);
    }
  }
}

void ApiConnection::StartRequest() {
  head_.Reset();
  body_bytes_ = 0;
  SetPhase(RequestPhase::kHead);
  ExtendDeadline(Clock::now() + limits_->header_timeout);
}

void ApiConnection::StartBody(size_t body_bytes) {
  // A declared length is exact: anything over the API's own limit is refused unread.
  if (auto declared = head_.content_length(); declared && *declared > limits_->max_body_bytes)
    return RefuseTooLarge(BodyTooLargeMessage(*declared, limits_->max_body_bytes));
  SetPhase(RequestPhase::kBody);
  body_started_ = Clock::now();
  AddBody(body_bytes);
}

void ApiConnection::AddBody(size_t bytes) {
  body_bytes_ += bytes;
  // A chunked body declares no length: it is refused once it sends too much (counting its
  // chunk lines too, so this comes before evhttp's own HTML 413).
  if (!head_.content_length() && body_bytes_ > limits_->hard_body_bytes)
    return RefuseTooLarge("the body is over " + std::to_string(limits_->hard_body_bytes) +
                          " bytes; the limit is " + std::to_string(limits_->max_body_bytes));
  auto earned = std::chrono::milliseconds(body_bytes_ * 1000 / kMinBodyRate);
  ExtendDeadline(body_started_ + limits_->header_timeout + earned);
}

// Answers 413 straight on the socket (evhttp would answer in HTML) and shuts it down: evhttp
// then reads EOF and closes the connection itself.
void ApiConnection::RefuseTooLarge(const std::string& message) {
  SetPhase(RequestPhase::kRefused);
  int fd = bufferevent_getfd(bev_);
  std::string response = TooLargeResponse(message);
  (void)!send(fd, response.data(), response.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  shutdown(fd, SHUT_RDWR);
  ExtendDeadline(Clock::now() + std::chrono::seconds(1));
}

void ApiConnection::SetPhase(RequestPhase phase) {
  if (phase == phase_) return;
  phase_ = phase;
  timer_.Stop();  // each timed phase sets its own deadline
  deadline_ = Clock::time_point{};
}

void ApiConnection::ExtendDeadline(Clock::time_point deadline) {
  deadline_ = std::max(deadline_, deadline);
  if (timer_.pending()) return;  // it fires early and looks again
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now());
  timer_.Start(std::max<long>(left.count(), 0) + 1);
}

void ApiConnection::OnDeadline() {
  auto now = Clock::now();
  if (now < deadline_) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - now);
    return timer_.Start(left.count() + 1);
  }
  LogDebug(std::string("closing an API connection: its request's ") + to_string(phase_) +
           " did not arrive in time");
  // From a timer, outside evhttp's callbacks; Closed() follows and the owner lets go of this
  // object on the next loop turn.
  evhttp_connection_free(connection_);
}

}  // namespace berth
