// The built-in proxy's listeners, connections and request resolution (see http_proxy.h).
#include "proxy/http_proxy.h"

#include <arpa/inet.h>
#include <event2/bufferevent_ssl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <algorithm>

#include "proxy/proxy_connection.h"
#include "reactor/log.h"

namespace berth {
namespace {

std::string AddressText(const sockaddr* address) {
  char text[INET6_ADDRSTRLEN] = "";
  if (address->sa_family == AF_INET)
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(address)->sin_addr, text, sizeof(text));
  else if (address->sa_family == AF_INET6)
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr, text,
              sizeof(text));
  std::string ip = text;
  if (ip.rfind("::ffff:", 0) == 0 && ip.find('.') != std::string::npos) ip = ip.substr(7);
  return ip.empty() ? "unknown" : ip;
}

}  // namespace

HttpProxy::HttpProxy(EventLoop* loop, RouteFeed* feed, ProxyOptions options)
    : loop_(loop),
      feed_(feed),
      options_(std::move(options)),
      pool_(loop, options_.max_idle_upstreams, options_.idle_timeout_seconds) {}

HttpProxy::~HttpProxy() {
  listeners_.clear();
  connections_.clear();
}

Status HttpProxy::Serve(int listen_fd, SSL_CTX* tls) {
  auto listener = std::make_unique<Listener>();
  listener->tls = tls;
  listener->proxy = this;
  listener->listener.reset(evconnlistener_new(loop_->base(), &OnAccept, listener.get(),
                                              LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1,
                                              listen_fd));
  if (!listener->listener) return Status::IOError("cannot accept on the proxy's socket");
  listeners_.push_back(std::move(listener));
  return Status::Ok();
}

void HttpProxy::OnAccept(evconnlistener*, evutil_socket_t fd, sockaddr* address, int, void* self) {
  auto* listener = static_cast<Listener*>(self);
  listener->proxy->Accept(fd, address, listener->tls);
}

void HttpProxy::Accept(int fd, const sockaddr* address, SSL_CTX* tls) {
  evutil_make_socket_nonblocking(fd);
  if (address->sa_family == AF_INET || address->sa_family == AF_INET6) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  }
  bufferevent* bev = nullptr;
  if (tls) {
    // TLS over a socket bufferevent: the socket is read in big chunks, not a record header
    // and then its record (OpenSSL's read-ahead would hide buffered records from libevent).
    SSL* ssl = SSL_new(tls);
    bufferevent* socket = ssl ? bufferevent_socket_new(loop_->base(), fd, BEV_OPT_CLOSE_ON_FREE)
                              : nullptr;
    if (socket) {
      ReadDirectly(socket);
      bev = bufferevent_openssl_filter_new(loop_->base(), socket, ssl, BUFFEREVENT_SSL_ACCEPTING,
                                           BEV_OPT_CLOSE_ON_FREE);
    } else if (ssl) {
      SSL_free(ssl);
    }
    if (socket && !bev) {
      bufferevent_free(socket);  // closes fd
      LogWarn("proxy: cannot take a new TLS connection");
      return;
    }
  } else {
    bev = bufferevent_socket_new(loop_->base(), fd, BEV_OPT_CLOSE_ON_FREE);
    if (bev) ReadDirectly(bev);
  }
  if (!bev) {
    LogWarn("proxy: cannot take a new connection");
    evutil_closesocket(fd);
    return;
  }
  ClientInfo client;
  client.ip = address->sa_family == AF_UNIX ? "127.0.0.1" : AddressText(address);
  client.trusted = InNetworks(options_.trusted_proxies, client.ip);
  client.tls = tls != nullptr;
  auto connection = std::make_unique<ProxyConnection>(this, bev, std::move(client));
  ProxyConnection* raw = connection.get();
  connections_[raw] = std::move(connection);
  raw->Start();
}

void HttpProxy::Close(ProxyConnection* connection) {
  auto it = connections_.find(connection);
  if (it == connections_.end()) return;
  // We are inside the connection's own callback: free it on the next loop turn.
  loop_->Defer([dropped = std::shared_ptr<ProxyConnection>(std::move(it->second))] {});
  connections_.erase(it);
}

void HttpProxy::Drain(const std::vector<std::string>& endpoints, int seconds,
                      std::function<void()> done) {
  for (const std::string& endpoint : endpoints) pool_.DropIdle(endpoint);
  DrainWait& wait = drains_.emplace_back();
  wait.id = next_drain_++;
  wait.endpoints = endpoints;
  wait.done = std::move(done);
  // From the timer's callback, the drain (and the timer) cannot go at once.
  wait.deadline = std::make_unique<Timer>(loop_, [this, id = wait.id] { CheckDrainsLater(id); });
  wait.deadline->Start(seconds * 1000L);
  // Never synchronously: the caller is still switching the routes.
  CheckDrainsLater();
}

void HttpProxy::Released() {
  CheckDrainsLater();  // from inside the connection's callback
}

void HttpProxy::CheckDrainsLater(uint64_t expired) {
  loop_->Defer([this, expired, alive = std::weak_ptr<int>(alive_)] {
    if (alive.lock()) CheckDrains(expired);
  });
}

std::vector<ProxyConnection*> HttpProxy::InFlight(const std::vector<std::string>& endpoints) const {
  std::vector<ProxyConnection*> found;
  for (const auto& [raw, connection] : connections_) {
    const std::string& endpoint = raw->upstream_endpoint();
    if (!endpoint.empty() &&
        std::find(endpoints.begin(), endpoints.end(), endpoint) != endpoints.end())
      found.push_back(raw);
  }
  return found;
}

void HttpProxy::CheckDrains(uint64_t expired) {
  for (auto it = drains_.begin(); it != drains_.end();) {
    std::vector<ProxyConnection*> busy = InFlight(it->endpoints);
    if (!busy.empty() && it->id != expired) {
      ++it;
      continue;
    }
    if (!busy.empty())
      LogInfo("proxy: closing " + std::to_string(busy.size()) +
              " connection(s) to an old instance still open after the drain");
    for (ProxyConnection* connection : busy) connection->Abort();
    for (const std::string& endpoint : it->endpoints) pool_.DropIdle(endpoint);
    loop_->Defer(std::move(it->done));
    it = drains_.erase(it);
  }
}

ProxyTarget HttpProxy::Resolve(std::string_view host, std::string_view target) {
  ProxyTarget result;
  const RouteEntry* entry = feed_->table().Match(host, target);
  if (!entry) {
    result.status = 404;
    return result;
  }
  result.entry = *entry;
  App* app = feed_->supervisor()->Find(entry->app);
  std::vector<std::string> endpoints;
  if (app) endpoints = app->Endpoints(entry->route);
  if (endpoints.empty()) {
    result.status = 503;
    return result;
  }
  result.endpoint = endpoints[next_endpoint_++ % endpoints.size()];
  return result;
}

}  // namespace berth
