// Server-sent event streams.
#include "handlers/sse.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "handlers/api.h"

namespace berth {
namespace {

constexpr long kKeepAliveMs = 15000;
constexpr size_t kMaxUnsent = 8 << 20;

}  // namespace

SseStream::SseStream(Api* api, std::shared_ptr<Exchange> exchange)
    : api_(api),
      exchange_(std::move(exchange)),
      keepalive_(api->loop(), [this] { SendKeepAlive(); }) {
  exchange_->StartStream("text/event-stream");
  exchange_->set_on_close([this] {
    dropped_ = true;
    api_->DropStream(this);
  });
  if (evhttp_request* request = exchange_->request()) {
    // The idle timeout guards requests being read, not a stream being written.
    bufferevent* bev = evhttp_connection_get_bufferevent(evhttp_request_get_connection(request));
    bufferevent_set_timeouts(bev, nullptr, nullptr);
  }
  Write(":ok\n\n");
  keepalive_.StartRepeating(kKeepAliveMs);
}

SseStream::~SseStream() {
  if (on_end_) on_end_();
}

void SseStream::Send(std::optional<uint64_t> id, std::string_view event, std::string_view data) {
  std::string text;
  text.reserve(data.size() + event.size() + 32);
  if (retry_ms_ > 0) text += "retry: " + std::to_string(retry_ms_) + "\n";
  if (id) text += "id: " + std::to_string(*id) + "\n";
  text += "event: ";
  text += event;
  text += "\ndata: ";
  text += data;  // JSON from dump() has no newlines
  text += "\n\n";
  Write(text);
}

void SseStream::End(std::function<void()> closed) {
  dropped_ = true;
  keepalive_.Stop();
  exchange_->EndStreamThenClose(std::move(closed));
}

void SseStream::SendKeepAlive() { Write(":\n\n"); }

void SseStream::Write(std::string_view text) {
  if (dropped_) return;
  if (!exchange_->open()) {
    // Gone without a close callback (evhttp detached the request): stop here.
    dropped_ = true;
    api_->DropStream(this);
    return;
  }
  evhttp_request* request = exchange_->request();
  bufferevent* bev = evhttp_connection_get_bufferevent(evhttp_request_get_connection(request));
  if (evbuffer_get_length(bufferevent_get_output(bev)) > kMaxUnsent) {
    // The client reads too slowly to keep up: let it go rather than hold memory for it.
    dropped_ = true;
    api_->DropStream(this);
    return;
  }
  exchange_->SendChunk(text);
}

SseStream* OpenSseStream(Api& api, const std::shared_ptr<Exchange>& exchange) {
  if (exchange->head()) {
    exchange->StartStream("text/event-stream");  // the headers alone
    return nullptr;
  }
  return api.AddStream(std::make_unique<SseStream>(&api, exchange));
}

}  // namespace berth
