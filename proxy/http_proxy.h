// HttpProxy: the built-in reverse proxy on berthd's loop. It accepts on the proxy listeners
// (plain or TLS), owns every client connection (ProxyConnection) and the pool of keep-alive
// upstream connections, resolves each request through the RouteFeed's table to a running,
// healthy instance of the app, and counts what it answered per route.
#pragma once

#include <event2/listener.h>
#include <openssl/ssl.h>

#include <functional>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "proxy/forward_heads.h"
#include "proxy/proxy_metrics.h"
#include "proxy/route_feed.h"
#include "proxy/upstream.h"
#include "reactor/event_loop.h"
#include "supervise/traffic_drain.h"

namespace berth {

class ProxyConnection;

struct ProxyOptions {
  int header_timeout_seconds = 10;    // a request's head must arrive within this
  int idle_timeout_seconds = 60;      // a keep-alive client silent this long is closed
  int body_timeout_seconds = 60;      // a request body that stalls this long is cut off
  int upstream_timeout_seconds = 60;  // an app silent this long (connect, answer) gets 504
  std::vector<Network> trusted_proxies;  // whose X-Forwarded-* and Forwarded are kept
  std::string acme_webroot;  // serves /.well-known/acme-challenge/ from here; "" for none
  size_t max_idle_upstreams = 64;  // per app instance
};

struct EvconnlistenerDeleter {
  void operator()(evconnlistener* listener) const { evconnlistener_free(listener); }
};
using EvconnlistenerPtr = std::unique_ptr<evconnlistener, EvconnlistenerDeleter>;

// Where a request goes: the route it matched, and an endpoint of the app ("host:port"), or
// the status the proxy answers itself (404 no route, 503 app not ready).
struct ProxyTarget {
  int status = 0;  // 0: proxy to `endpoint`
  RouteEntry entry;
  std::string endpoint;
};

class HttpProxy final : public TrafficDrain {
 public:
  // REQUIRES: `feed` outlives the proxy.
  HttpProxy(EventLoop* loop, RouteFeed* feed, ProxyOptions options);
  ~HttpProxy() override;
  HttpProxy(const HttpProxy&) = delete;
  HttpProxy& operator=(const HttpProxy&) = delete;

  // Accepts on `listen_fd` (taking it over). With `tls`, connections are TLS, with
  // certificates chosen by SNI from `tls` (REQUIRES: it outlives the proxy).
  Status Serve(int listen_fd, SSL_CTX* tls = nullptr);

  ProxyTarget Resolve(std::string_view host, std::string_view target);
  EventLoop* loop() const { return loop_; }
  UpstreamPool& pool() { return pool_; }
  const ProxyOptions& options() const { return options_; }
  ProxyMetrics& metrics() { return metrics_; }
  const ProxyMetrics& metrics() const { return metrics_; }
  size_t connections() const { return connections_.size(); }
  // A connection is done: freed on the next loop turn.
  void Close(ProxyConnection* connection);

  // A zero-downtime deploy switched an app's routes: waits for the exchanges and tunnels that
  // still go to the old instance's `endpoints`, closing what is left after `seconds`.
  void Drain(const std::vector<std::string>& endpoints, int seconds,
             std::function<void()> done) override;
  bool draining() const { return !drains_.empty(); }
  // A connection let go of its upstream connection (while draining()).
  void Released();

 private:
  struct Listener {
    EvconnlistenerPtr listener;
    SSL_CTX* tls;
    HttpProxy* proxy;
  };
  static void OnAccept(evconnlistener*, evutil_socket_t fd, sockaddr* address, int length,
                       void* self);
  void Accept(int fd, const sockaddr* address, SSL_CTX* tls);
  struct DrainWait {
    uint64_t id;
    std::vector<std::string> endpoints;
    std::function<void()> done;
    std::unique_ptr<Timer> deadline;
  };
  // The connections whose exchange or tunnel goes to one of `endpoints`.
  std::vector<ProxyConnection*> InFlight(const std::vector<std::string>& endpoints) const;
  // Ends the drains with nothing left in flight, and drain `expired` (its time is up) closing
  // what it still waits for.
  void CheckDrains(uint64_t expired = 0);
  void CheckDrainsLater(uint64_t expired = 0);

  EventLoop* loop_;
  RouteFeed* feed_;
  ProxyOptions options_;
  UpstreamPool pool_;
  ProxyMetrics metrics_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  std::map<ProxyConnection*, std::unique_ptr<ProxyConnection>> connections_;
  size_t next_endpoint_ = 0;  // round robin over an app's instances
  std::list<DrainWait> drains_;
  uint64_t next_drain_ = 1;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace berth
