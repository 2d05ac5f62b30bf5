// ProxyConnection: one client connection of the built-in proxy, with one state and one
// Transition() as every connection in berth. It reads request heads (with a deadline), passes
// each request on to an upstream connection and its body byte for byte with backpressure,
// passes the response back the same way, keeps the client alive between requests, and turns
// into a two-way tunnel after a 101 Switching Protocols (WebSocket).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "proxy/forward_heads.h"
#include "proxy/http_parser.h"
#include "proxy/route_table.h"
#include "proxy/upstream.h"
#include "reactor/event_loop.h"
#include "reactor/handles.h"

namespace berth {

class HttpProxy;

class ProxyConnection final : private UpstreamConnection::Handler {
 public:
  enum class State {
    kIdle,        // between requests: the idle timeout runs
    kHead,        // a request head is arriving: the header timeout runs
    kExchange,    // a request is passed on and its answer passed back
    kTunnel,      // after 101: bytes flow both ways untouched
    kClosing,     // flushing what is left for the client, then closed
    kClosed,
  };

  // Takes over `bev` (the accepted socket, maybe TLS).
  ProxyConnection(HttpProxy* proxy, bufferevent* bev, ClientInfo client);
  ~ProxyConnection();
  void Start();
  // The app instance this connection's exchange or tunnel goes to ("" between requests).
  const std::string& upstream_endpoint() const;
  // Closes at once: a drain gave up waiting for what goes to the old instance.
  void Abort() { Close(); }

 private:
  static void OnClientRead(bufferevent*, void* self);
  static void OnClientWrite(bufferevent*, void* self);
  static void OnClientEvent(bufferevent*, short events, void* self);
  void OnUpstreamRead(UpstreamConnection*) override;
  void OnUpstreamDrained(UpstreamConnection*) override;
  void OnUpstreamEvent(UpstreamConnection*, short events) override;

  bool Transition(State to);
  // After each callback: writes what it queued for the client and the upstream.
  void FlushOutputs();
  // Nothing is left to send to the client (for TLS: in the filter nor in the socket).
  bool ClientOutputEmpty() const;
  // What waits to be sent to the client: for TLS, in the filter and in the socket under it.
  size_t ClientPending() const;
  // Stops reading the app while the client has more than kHighWatermark to take. Under TLS
  // nothing reports the socket below draining, so a short timer looks again.
  void PauseUpstream();
  // Reads the app again once the client took all but kLowWatermark.
  void MaybeResumeUpstream();
  void HandleUpstreamEvent(short events);
  void ReadClient();
  void ReadHead();
  void BeginExchange();
  // Answers the request itself (an error page, a redirect, an ACME token).
  void Answer(int status, std::string response, bool close);
  bool ServeAcmeChallenge();
  bool ConnectUpstream(const std::string& endpoint, bool fresh);
  void ReadRequestBody();
  void EndRequest();
  void ReadResponse();
  void OnResponseHead();
  void EndResponse();
  void EndExchange();
  void BeginTunnel();
  void PumpTunnel(bufferevent* from, bufferevent* to);
  void UpstreamFailed(short events);
  void DropUpstream();
  void CloseAfterFlush();
  void Close();
  bool WantsJson() const;
  // The client's read timeout (0: none); its write timeout is always the idle timeout.
  void SetClientReadTimeout(int seconds);
  void Observe(int status);

  HttpProxy* proxy_;
  BuffereventPtr bev_;
  ClientInfo client_;
  State state_ = State::kIdle;
  Timer timer_;
  Timer resume_timer_;  // TLS: looks whether the client took enough to read the app again
  HttpParser request_parser_{HttpParser::Kind::kRequest};

  // The exchange under way.
  MessageHead request_;
  RouteEntry route_;
  std::string app_;  // for error pages and metrics; "" before a route matched
  std::string endpoint_;
  std::string retry_head_;  // a request without a body, sent again once if a reused upstream was
                            // closed before it answered
  std::unique_ptr<UpstreamConnection> upstream_;
  bool local_ = false;          // the proxy answered: the body (if any) is discarded
  bool request_done_ = false;   // the request and its body were passed on (or discarded)
  bool response_started_ = false;  // a final response head went to the client
  bool response_in_body_ = false;
  bool interim_ = false;           // the head being passed on is a 1xx
  bool close_after_ = false;       // close the client once this response is out
  bool client_paused_ = false;     // not reading the client: the upstream's output is full
  bool upstream_paused_ = false;   // not reading the upstream: the client's output is full
  bool tls_open_ = false;          // TLS handshake over: the socket below is written directly
  int status_ = 0;
  uint64_t body_bytes_ = 0;
  std::chrono::steady_clock::time_point started_;
};

const char* to_string(ProxyConnection::State state);

}  // namespace berth
