// ApiConnection: one client connection of the API, from its first turn on the loop to its
// close. It times every request it reads: the head (request line and headers) must arrive
// within the header timeout of the request's start, the body within as long again plus a
// second per kMinBodyRate bytes it sends; a slower client is cut off, so a trickle of bytes
// cannot hold a connection forever. A body declared or sent over the hard limit is refused
// with a JSON 413 before it is read. Owned by ApiConnections.
#pragma once

#include <event2/bufferevent.h>
#include <event2/http.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "handlers/request_head.h"
#include "reactor/event_loop.h"

namespace berth {

struct RequestLimits {
  std::chrono::milliseconds header_timeout{10000};
  size_t max_body_bytes = 1 << 20;  // the API's limit, named in the 413 answer
  size_t hard_body_bytes = 8 << 20;  // beyond this a body is refused here, unread
};

// Where a connection is with its current request.
enum class RequestPhase {
  kHead,      // reading the request line and headers (timed)
  kBody,      // reading the body (timed)
  kHandling,  // read; a handler answers or streams
  kIdle,      // answered; waiting for the next request (evhttp's idle timeout applies)
  kRefused,   // answered 413 here; closing
};
const char* to_string(RequestPhase phase);

class ApiConnection {
 public:
  // A body earns one more second per this many bytes.
  static constexpr size_t kMinBodyRate = 16 << 10;

  // Takes a reference on `bev`, evhttp's buffer for `connection`, until destroyed.
  ApiConnection(EventLoop* loop, evhttp_connection* connection, bufferevent* bev,
                const RequestLimits* limits);
  ~ApiConnection();
  ApiConnection(const ApiConnection&) = delete;
  ApiConnection& operator=(const ApiConnection&) = delete;

  RequestPhase phase() const { return phase_; }
  // A whole request was read: no more timing until it is answered.
  void RequestRead();
  // The reply went out; the next request is timed from its first byte.
  void ReplySent();
  // Called once if the connection closes; replaces an earlier callback (null: none).
  void set_on_close(std::function<void()> on_close) { on_close_ = std::move(on_close); }
  // evhttp is closing the connection: stop watching it and tell who waits.
  void Closed();

 private:
  static void OnInput(evbuffer* input, const evbuffer_cb_info* info, void* self);
  void Received(evbuffer* input, size_t offset, size_t length);
  void ScanHead(evbuffer* input, size_t offset, size_t length);
  void StartRequest();
  void StartBody(size_t body_bytes);
  void AddBody(size_t bytes);
  void RefuseTooLarge(const std::string& message);
  void StopWatching();
  void SetPhase(RequestPhase phase);
  void ExtendDeadline(std::chrono::steady_clock::time_point deadline);
  void OnDeadline();

  evhttp_connection* connection_;
  bufferevent* bev_;
  const RequestLimits* limits_;
  evbuffer_cb_entry* input_watch_ = nullptr;
  RequestPhase phase_ = RequestPhase::kIdle;
  RequestHeadScanner head_;
  std::chrono::steady_clock::time_point body_started_;
  uint64_t body_bytes_ = 0;
  std::chrono::steady_clock::time_point deadline_;
  Timer timer_;
  std::function<void()> on_close_;
};

}  // namespace berth
