// SseStream: a text/event-stream reply kept open: events, a keep-alive comment every 15 s,
// and a cap on what a slow client may leave unread. Owned by the Api; freed when the client
// goes (on the next loop turn).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "handlers/exchange.h"
#include "reactor/event_loop.h"

namespace berth {

class Api;

class SseStream {
 public:
  // Starts the stream. `on_end` runs when it is being torn down (unsubscribe there).
  SseStream(Api* api, std::shared_ptr<Exchange> exchange);
  ~SseStream();

  void set_on_end(std::function<void()> on_end) { on_end_ = std::move(on_end); }
  // Each event from now on starts with "retry: <ms>" (the /stacks log stream, as upstream's).
  void set_retry_ms(long ms) { retry_ms_ = ms; }
  void Send(std::optional<uint64_t> id, std::string_view event, std::string_view data);
  // Sends nothing more and ends the stream once the client has what was sent; `closed` runs
  // when its connection is gone.
  void End(std::function<void()> closed);
  // The user whose token or session opened the stream; "" for the admin.
  const std::string& user() const { return exchange_->principal().user; }

 private:
  void Write(std::string_view text);
  void SendKeepAlive();

  Api* api_;
  std::shared_ptr<Exchange> exchange_;
  std::function<void()> on_end_;
  Timer keepalive_;
  bool dropped_ = false;
  long retry_ms_ = 0;
};

// Registers a new stream with the Api and returns it (owned by the Api). Null for HEAD, which
// gets the stream's headers alone.
SseStream* OpenSseStream(Api& api, const std::shared_ptr<Exchange>& exchange);

}  // namespace berth
