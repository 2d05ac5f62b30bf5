// ApiConnections: every connection of the API server. Caps how many may be open at once (a
// connection beyond the cap is closed as soon as it is accepted), times each connection's
// requests (ApiConnection) and tells exchanges when their connection closes. evhttp owns the
// connections; this watches them through the buffer it makes for each one.
#pragma once

#include <event2/bufferevent.h>
#include <event2/http.h>

#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "handlers/api_connection.h"
#include "reactor/event_loop.h"
#include "reactor/throttled_warning.h"

namespace berth {

struct ConnectionLimits {
  size_t max_connections = 512;
  RequestLimits request;
};

class ApiConnections {
 public:
  // Watches every connection `http` accepts from now on. `http` must be freed before this.
  ApiConnections(EventLoop* loop, evhttp* http, ConnectionLimits limits);
  ~ApiConnections();
  ApiConnections(const ApiConnections&) = delete;
  ApiConnections& operator=(const ApiConnections&) = delete;

  // A whole request was read (evhttp's request callback): its connection stops timing it
  // until the reply is sent.
  void RequestRead(evhttp_request* request);
  // Calls `on_close` once if `connection` closes; replaces an earlier callback (null: none).
  void SetOnClose(evhttp_connection* connection, std::function<void()> on_close);
  size_t open() const { return accepted_.size() + connections_.size(); }

 private:
  static bufferevent* OnAccept(event_base* base, void* self);
  static void OnAccepted(evutil_socket_t, short, void* self);
  static void OnClose(evhttp_connection* connection, void* self);
  static void OnReplySent(evhttp_request* request, void* self);
  void Adopt(bufferevent* bev);
  ApiConnection* Find(evhttp_connection* connection);

  EventLoop* loop_;
  ConnectionLimits limits_;
  EventPtr adopt_event_;
  // Buffers made for connections evhttp is accepting, held by a reference until adopted.
  std::vector<bufferevent*> accepted_;
  std::map<evhttp_connection*, std::unique_ptr<ApiConnection>> connections_;
  // Closed this turn; freed on the next (the loop ends before this object does).
  std::vector<std::unique_ptr<ApiConnection>> closed_;
  ThrottledWarning refused_;
};

}  // namespace berth
