// Test helper: an evhttp server on the test's own EventLoop, on 127.0.0.1 port 0 and/or a unix
// socket, that counts the connections it accepts and serves a few fixed routes:
//   /echo          200, body "<METHOD> <body> <X-Test header>", header X-Reply: yes
//   /missing       404 "no such thing"
//   /hang          never answers
//   /big           10000 bytes with a Content-Length
//   /stream?n=N    N chunks "chunk-<i>\n", one every 10 ms, chunked
#pragma once

#include <arpa/inet.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "reactor/event_loop.h"
#include "reactor/handles.h"

namespace berth {

class HttpTestServer {
 public:
  static constexpr long kChunkIntervalMs = 10;

  explicit HttpTestServer(EventLoop* loop) : loop_(loop), http_(evhttp_new(loop->base())) {
    evhttp_set_gencb(http_.get(), &HttpTestServer::OnRequest, this);
    evhttp_set_allowed_methods(http_.get(), EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
                                                EVHTTP_REQ_DELETE | EVHTTP_REQ_HEAD);
  }
  ~HttpTestServer() {
    for (auto& stream : streams_) {
      stream->timer.Stop();
      if (stream->closed && !stream->ended) evhttp_send_reply_end(stream->request);  // frees it
    }
    streams_.clear();
    http_.reset();  // frees the connections still open (OnClose counts them)
  }

  // Listens on 127.0.0.1 on a free port; returns the port (0 on failure).
  int ListenTcp() {
    evhttp_bound_socket* bound = evhttp_bind_socket_with_handle(http_.get(), "127.0.0.1", 0);
    if (bound == nullptr) return 0;
    sockaddr_in address{};
    socklen_t length = sizeof(address);
    getsockname(evhttp_bound_socket_get_fd(bound), reinterpret_cast<sockaddr*>(&address), &length);
    return ntohs(address.sin_port);
  }

  bool ListenUnix(const std::string& path) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
    evconnlistener* listener = evconnlistener_new_bind(
        loop_->base(), nullptr, nullptr, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1,
        reinterpret_cast<sockaddr*>(&address), sizeof(address));
    return listener != nullptr && evhttp_bind_listener(http_.get(), listener) != nullptr;
  }

  int accepted() const { return accepted_; }  // connections that sent a request
  int closed() const { return closed_; }      // of those, how many are closed
  int chunks_sent() const { return chunks_sent_; }
  int streams_ended() const { return streams_ended_; }

 private:
  struct Stream {
    evhttp_request* request;
    evhttp_connection* connection;
    int total;
    Timer timer;
    int sent = 0;
    bool closed = false;  // the client went away; `request` waits for evhttp_send_reply_end
    bool ended = false;
  };

  static void OnRequest(evhttp_request* request, void* self) {
    static_cast<HttpTestServer*>(self)->Serve(request);
  }
  static void OnClose(evhttp_connection* connection, void* self) {
    static_cast<HttpTestServer*>(self)->Closed(connection);
  }

  void Serve(evhttp_request* request) {
    const evhttp_uri* uri = evhttp_request_get_evhttp_uri(request);
    if (uri == nullptr) return;  // evhttp reporting a broken connection
    Count(evhttp_request_get_connection(request));
    std::string path = evhttp_uri_get_path(uri);
    const char* query = evhttp_uri_get_query(uri);
    if (path == "/echo") return Echo(request);
    if (path == "/missing") return Reply(request, 404, "no such thing");
    if (path == "/big") return Reply(request, 200, std::string(10000, 'x'));
    if (path == "/stream") return StartStream(request, query ? std::atoi(query + 2) : 1);
    if (path != "/hang") Reply(request, 500, "unknown route " + path);
  }

  void Count(evhttp_connection* connection) {
    if (!open_.insert(connection).second) return;
    ++accepted_;
    evhttp_connection_set_closecb(connection, &HttpTestServer::OnClose, this);
  }

  void Closed(evhttp_connection* connection) {
    open_.erase(connection);
    ++closed_;
    for (auto& stream : streams_) {
      if (stream->connection == connection && !stream->ended) stream->closed = true;
    }
  }

  void Reply(evhttp_request* request, int status, const std::string& body) {
    EvbufferPtr buffer(evbuffer_new());
    evbuffer_add(buffer.get(), body.data(), body.size());
    evhttp_send_reply(request, status, status == 200 ? "OK" : "Not OK", buffer.get());
  }

  void Echo(evhttp_request* request) {
    static const char* const kMethods[] = {"GET", "POST", "HEAD", "PUT", "DELETE"};
    int command = evhttp_request_get_command(request);
    std::string method = "?";
    for (int bit = 0; bit < 5; ++bit) {
      if (command == (1 << bit)) method = kMethods[bit];
    }
    evbuffer* input = evhttp_request_get_input_buffer(request);
    std::string body(evbuffer_get_length(input), '\0');
    evbuffer_copyout(input, body.data(), body.size());
    const char* test = evhttp_find_header(evhttp_request_get_input_headers(request), "X-Test");
    evhttp_add_header(evhttp_request_get_output_headers(request), "X-Reply", "yes");
    Reply(request, 200, method + " " + body + " " + (test ? test : "-"));
  }

  void StartStream(evhttp_request* request, int total) {
    auto stream = std::make_unique<Stream>(Stream{
        .request = request,
        .connection = evhttp_request_get_connection(request),
        .total = total,
        .timer = Timer(loop_, {}),
    });
    Stream* raw = stream.get();
    raw->timer = Timer(loop_, [this, raw] { NextChunk(raw); });
    streams_.push_back(std::move(stream));
    evhttp_send_reply_start(request, 200, "OK");
    raw->timer.StartRepeating(kChunkIntervalMs);
  }

  void NextChunk(Stream* stream) {
    if (stream->closed) {
      stream->ended = true;
      evhttp_send_reply_end(stream->request);  // frees the request evhttp let go of
      stream->timer.Stop();
      return;
    }
    std::string chunk = "chunk-" + std::to_string(stream->sent++) + "\n";
    EvbufferPtr buffer(evbuffer_new());
    evbuffer_add(buffer.get(), chunk.data(), chunk.size());
    evhttp_send_reply_chunk(stream->request, buffer.get());
    ++chunks_sent_;
    if (stream->sent < stream->total) return;
    stream->ended = true;
    ++streams_ended_;
    evhttp_send_reply_end(stream->request);
    stream->timer.Stop();
  }

  EventLoop* loop_;
  std::set<evhttp_connection*> open_;
  int accepted_ = 0;
  int closed_ = 0;
  int chunks_sent_ = 0;
  int streams_ended_ = 0;
  std::vector<std::unique_ptr<Stream>> streams_;
  EvhttpPtr http_;
};

}  // namespace berth
