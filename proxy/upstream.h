// Upstream connections of the built-in proxy: UpstreamConnection is one connection to an app
// instance ("host:port"), with the parser of its responses; UpstreamPool keeps the idle ones
// per endpoint for reuse (keep-alive) and drops any that the app closes or that idle too long.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "proxy/http_parser.h"
#include "reactor/event_loop.h"
#include "reactor/handles.h"

namespace berth {

class UpstreamConnection {
 public:
  // Who hears of the connection's I/O: the client connection using it, or the pool.
  class Handler {
   public:
    virtual void OnUpstreamRead(UpstreamConnection* upstream) = 0;
    // The output fell below the low watermark (after a pause for backpressure).
    virtual void OnUpstreamDrained(UpstreamConnection* upstream) = 0;
    // BEV_EVENT_CONNECTED, EOF, ERROR or TIMEOUT.
    virtual void OnUpstreamEvent(UpstreamConnection* upstream, short events) = 0;

   protected:
    ~Handler() = default;
  };

  // Starts connecting to `endpoint` ("127.0.0.1:8080", "[::1]:8080"); Invalid when it is not
  // an address.
  static Result<std::unique_ptr<UpstreamConnection>> Connect(event_base* base,
                                                             const std::string& endpoint);
  ~UpstreamConnection();

  void Attach(Handler* handler) { handler_ = handler; }
  bufferevent* bev() const { return bev_.get(); }
  const std::string& endpoint() const { return endpoint_; }
  HttpParser& parser() { return parser_; }
  // Taken from the pool: the app may have closed it just before it was used again.
  bool reused() const { return reused_; }
  void set_reused() { reused_ = true; }
  bool connected() const { return connected_; }

 private:
  UpstreamConnection(bufferevent* bev, std::string endpoint);
  static void OnRead(bufferevent* bev, void* self);
  static void OnWrite(bufferevent* bev, void* self);
  static void OnEvent(bufferevent* bev, short events, void* self);

  BuffereventPtr bev_;
  std::string endpoint_;
  HttpParser parser_{HttpParser::Kind::kResponse};
  Handler* handler_ = nullptr;
  bool reused_ = false;
  bool connected_ = false;
};

class UpstreamPool final : private UpstreamConnection::Handler {
 public:
  UpstreamPool(EventLoop* loop, size_t max_idle_per_endpoint, int idle_timeout_seconds);
  ~UpstreamPool();

  // An idle connection to `endpoint`, or nullptr.
  std::unique_ptr<UpstreamConnection> Take(const std::string& endpoint);
  // Keeps `upstream` (between responses, nothing pending) for reuse.
  void Give(std::unique_ptr<UpstreamConnection> upstream);
  // Closes the idle connections to `endpoint` (an instance that is going away).
  void DropIdle(const std::string& endpoint);
  size_t idle() const;

 private:
  void OnUpstreamRead(UpstreamConnection* upstream) override { Drop(upstream); }
  void OnUpstreamDrained(UpstreamConnection*) override {}
  void OnUpstreamEvent(UpstreamConnection* upstream, short) override { Drop(upstream); }
  void Drop(UpstreamConnection* upstream);

  EventLoop* loop_;
  size_t max_idle_;
  int idle_timeout_seconds_;
  std::map<std::string, std::vector<std::unique_ptr<UpstreamConnection>>> idle_;
};

// Writing without a round trip through epoll. A plain socket's bufferevent keeps EV_WRITE
// disabled while its output is empty; Flush() writes what the output holds at once, as far as
// the socket takes it, and arms the write event only for the rest. With `direct` false (TLS, or
// a connect under way) it leaves the writing to the bufferevent, write event armed.
void Flush(bufferevent* bev, bool direct);
// For a write callback: disarms the write event again once the output is empty.
void DisarmWhenEmpty(bufferevent* bev, bool direct);

// Reading without FIONREAD. libevent asks the socket how much it holds (an ioctl) before every
// read of a socket bufferevent; ReadDirectly() makes `bev` (a socket bufferevent, connected)
// read a fixed size at once instead. Everything else stays: enabling and disabling EV_READ, the
// read timeout, the watermarks and the callbacks (EOF, errors and timeouts as BEV_EVENT_READING).
void ReadDirectly(bufferevent* bev);

// Client and upstream buffers above this stop reading from the other side until they drain
// below kLowWatermark: bodies stream with bounded memory.
inline constexpr size_t kHighWatermark = 256 * 1024;
inline constexpr size_t kLowWatermark = 64 * 1024;

}  // namespace berth
