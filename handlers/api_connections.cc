// Watching the API's connections.
#include "handlers/api_connections.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <string>

namespace berth {

ApiConnections::ApiConnections(EventLoop* loop, evhttp* http, ConnectionLimits limits)
    : loop_(loop),
      limits_(limits),
      adopt_event_(event_new(loop->base(), -1, 0, &ApiConnections::OnAccepted, this)),
      refused_(loop, std::chrono::seconds(10), [this](uint64_t count) {
        return "refused " + std::to_string(count) +
               " API connections since the last warning: " + std::to_string(open()) +
               " are open and --max-connections is " + std::to_string(limits_.max_connections);
      }) {
  evhttp_set_bevcb(http, &ApiConnections::OnAccept, this);
}

// evhttp is gone by now: it closed every connection it had (and told OnClose).
ApiConnections::~ApiConnections() {
  for (bufferevent* bev : accepted_) bufferevent_decref(bev);
}

// evhttp asks for the buffer of each connection it accepts, before it makes the connection.
// The buffer is kept (referenced) and adopted with its connection once evhttp is done: the
// adopting event runs in this same loop turn, before anything is read from the client.
bufferevent* ApiConnections::OnAccept(event_base* base, void* self) {
  auto* connections = static_cast<ApiConnections*>(self);
  bufferevent* bev = bufferevent_socket_new(base, -1, 0);
  if (!bev) return nullptr;  // evhttp tries to make its own
  bufferevent_incref(bev);
  connections->accepted_.push_back(bev);
  event_active(connections->adopt_event_.get(), EV_TIMEOUT, 0);
  return bev;
}

void ApiConnections::OnAccepted(evutil_socket_t, short, void* self) {
  auto* connections = static_cast<ApiConnections*>(self);
  std::vector<bufferevent*> accepted;
  accepted.swap(connections->accepted_);
  for (bufferevent* bev : accepted) connections->Adopt(bev);
}

void ApiConnections::Adopt(bufferevent* bev) {
  // evhttp gives a connection's buffer the connection as its callback argument; a buffer it
  // already let go of (a failed accept) has none.
  void* argument = nullptr;
  bufferevent_getcb(bev, nullptr, nullptr, nullptr, &argument);
  auto* connection = static_cast<evhttp_connection*>(argument);
  if (!connection || evhttp_connection_get_bufferevent(connection) != bev) {
    bufferevent_decref(bev);
    return;
  }
  if (connections_.size() >= limits_.max_connections) {
    refused_.Note();
    evhttp_connection_free(connection);
    bufferevent_decref(bev);
    return;
  }
  // evhttp writes a reply's head and a large body apart; with Nagle the body would wait for
  // the client's delayed ACK of the head (40 ms) on every keep-alive request. Unix sockets
  // refuse the option, which is fine.
  int one = 1;
  setsockopt(bufferevent_getfd(bev), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  evhttp_connection_set_closecb(connection, &ApiConnections::OnClose, this);
  connections_[connection] = std::make_unique<ApiConnection>(loop_, connection, bev, &limits_.request);
  bufferevent_decref(bev);  // the ApiConnection holds its own reference
}

ApiConnection* ApiConnections::Find(evhttp_connection* connection) {
  auto it = connections_.find(connection);
  return it == connections_.end() ? nullptr : it->second.get();
}

void ApiConnections::RequestRead(evhttp_request* request) {
  ApiConnection* watched = Find(evhttp_request_get_connection(request));
  if (!watched) return;
  watched->RequestRead();
  evhttp_request_set_on_complete_cb(request, &ApiConnections::OnReplySent, this);
}

void ApiConnections::OnReplySent(evhttp_request* request, void* self) {
  auto* connections = static_cast<ApiConnections*>(self);
  if (ApiConnection* watched = connections->Find(evhttp_request_get_connection(request)))
    watched->ReplySent();
}

void ApiConnections::SetOnClose(evhttp_connection* connection, std::function<void()> on_close) {
  if (ApiConnection* watched = Find(connection)) watched->set_on_close(std::move(on_close));
}

// evhttp is closing `connection` (its buffer is still there): the watcher is told now and
// freed on the next loop turn, since this may run inside its own timer.
void ApiConnections::OnClose(evhttp_connection* connection, void* self) {
  auto* connections = static_cast<ApiConnections*>(self);
  auto it = connections->connections_.find(connection);
  if (it == connections->connections_.end()) return;
  std::vector<std::unique_ptr<ApiConnection>>& closed = connections->closed_;
  closed.push_back(std::move(it->second));
  connections->connections_.erase(it);
  closed.back()->Closed();
  if (closed.size() == 1) connections->loop_->Defer([connections] { connections->closed_.clear(); });
}

}  // namespace berth
