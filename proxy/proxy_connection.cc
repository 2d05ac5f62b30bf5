// One client connection of the built-in proxy (see proxy_connection.h).
#include "proxy/proxy_connection.h"

#include <fcntl.h>
#include <unistd.h>

#include "proxy/error_page.h"
#include "proxy/http_proxy.h"
#include "reactor/log.h"

namespace berth {
namespace {

using State = ProxyConnection::State;

// How often a TLS connection that stopped reading its app looks whether the client caught up.
constexpr long kTlsResumeCheckMs = 10;

// Legal moves; everything may close.
bool Allowed(State from, State to) {
  if (to == State::kClosing || to == State::kClosed) return from != State::kClosed;
  switch (from) {
    case State::kIdle:
      return to == State::kHead || to == State::kExchange;
    case State::kHead:
      return to == State::kExchange;
    case State::kExchange:
      return to == State::kIdle || to == State::kTunnel;
    default:
      return false;
  }
}

bool IsAcmeToken(std::string_view token) {
  if (token.empty() || token.size() > 256) return false;
  for (char c : token)
    if (!isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  return true;
}

constexpr std::string_view kAcmePrefix = "/.well-known/acme-challenge/";

}  // namespace

const char* to_string(State state) {
  switch (state) {
    case State::kIdle: return "idle";
    case State::kHead: return "head";
    case State::kExchange: return "exchange";
    case State::kTunnel: return "tunnel";
    case State::kClosing: return "closing";
    case State::kClosed: return "closed";
  }
  return "closed";
}

ProxyConnection::ProxyConnection(HttpProxy* proxy, bufferevent* bev, ClientInfo client)
    : proxy_(proxy), bev_(bev), client_(std::move(client)), timer_(proxy->loop(), [this] {
        // Out of time waiting for a head (slow or silent client): close without a word, as
        // for an idle keep-alive connection; a head begun gets 408.
        if (state_ == State::kHead) Answer(408, ProxyErrorResponse(408, "", false, true), true);
        else Close();
        FlushOutputs();
      }),
      resume_timer_(proxy->loop(), [this] {
        MaybeResumeUpstream();
        FlushOutputs();
      }) {}

ProxyConnection::~ProxyConnection() = default;

void ProxyConnection::Start() {
  bufferevent_setcb(bev_.get(), &OnClientRead, &OnClientWrite, &OnClientEvent, this);
  bufferevent_setwatermark(bev_.get(), EV_WRITE, kLowWatermark, 0);
  // Writes wait for FlushOutputs() (the write event is on by default): a plain socket is
  // written directly, and TLS encrypts all that a callback queued at once, so a small answer
  // goes as one record and not a head record and a body record.
  bufferevent_enable(bev_.get(), EV_READ);
  bufferevent_disable(bev_.get(), EV_WRITE);
  SetClientReadTimeout(0);
  timer_.Start(proxy_->options().header_timeout_seconds * 1000L);
}

bool ProxyConnection::Transition(State to) {
  if (state_ == to) return true;
  if (!Allowed(state_, to)) {
    LogDebug(std::string("proxy connection: refused move ") + to_string(state_) + " -> " +
             to_string(to));
    return false;
  }
  state_ = to;
  return true;
}

void ProxyConnection::OnClientRead(bufferevent*, void* self) {
  auto* connection = static_cast<ProxyConnection*>(self);
  connection->ReadClient();
  connection->FlushOutputs();
}

void ProxyConnection::FlushOutputs() {
  if (state_ == State::kClosed) return;
  if (upstream_) Flush(upstream_->bev(), upstream_->connected());
  Flush(bev_.get(), !client_.tls);
  // TLS: what the filter encrypted waits in the socket's own bufferevent.
  if (bufferevent* socket = bufferevent_get_underlying(bev_.get())) Flush(socket, tls_open_);
  if (state_ == State::kClosing && ClientOutputEmpty()) Close();
}

size_t ProxyConnection::ClientPending() const {
  size_t pending = evbuffer_get_length(bufferevent_get_output(bev_.get()));
  if (bufferevent* socket = bufferevent_get_underlying(bev_.get()))
    pending += evbuffer_get_length(bufferevent_get_output(socket));
  return pending;
}

void ProxyConnection::PauseUpstream() {
  bufferevent_disable(upstream_->bev(), EV_READ);
  upstream_paused_ = true;
  if (client_.tls) resume_timer_.Start(kTlsResumeCheckMs);
}

void ProxyConnection::MaybeResumeUpstream() {
  if (!upstream_paused_ || !upstream_ || state_ == State::kClosing) return;
  if (ClientPending() > kLowWatermark) {
    if (client_.tls) resume_timer_.Start(kTlsResumeCheckMs);
    return;
  }
  resume_timer_.Stop();
  upstream_paused_ = false;
  bufferevent_enable(upstream_->bev(), EV_READ);
  if (state_ == State::kTunnel)
    PumpTunnel(upstream_->bev(), bev_.get());
  else
    ReadResponse();
}

bool ProxyConnection::ClientOutputEmpty() const {
  bufferevent* socket = bufferevent_get_underlying(bev_.get());
  return evbuffer_get_length(bufferevent_get_output(bev_.get())) == 0 &&
         (!socket || evbuffer_get_length(bufferevent_get_output(socket)) == 0);
}

void ProxyConnection::ReadClient() {
  switch (state_) {
    case State::kIdle:
    case State::kHead:
      return ReadHead();
    case State::kExchange:
      if (!request_done_) ReadRequestBody();
      return;  // a pipelined request waits in the buffer until this exchange ends
    case State::kTunnel:
      return PumpTunnel(bev_.get(), upstream_->bev());
    default:
      return;
  }
}

void ProxyConnection::ReadHead() {
  evbuffer* input = bufferevent_get_input(bev_.get());
  while (evbuffer_get_length(input) > 0) {
    if (state_ == State::kIdle) {
      Transition(State::kHead);
      timer_.Start(proxy_->options().header_timeout_seconds * 1000L);
    }
    evbuffer_iovec chunk;
    evbuffer_peek(input, -1, nullptr, &chunk, 1);
    size_t used = 0;
    HttpParser::Event event =
        request_parser_.Parse(static_cast<const char*>(chunk.iov_base), chunk.iov_len, &used);
    evbuffer_drain(input, used);
    if (event == HttpParser::Event::kError) {
      int status = request_parser_.head_too_large() ? 431 : 400;
      return Answer(status, ProxyErrorResponse(status, "", false, true), true);
    }
    if (event == HttpParser::Event::kHead) return BeginExchange();
  }
}

void ProxyConnection::BeginExchange() {
  timer_.Stop();
  Transition(State::kExchange);
  request_ = request_parser_.head();
  started_ = std::chrono::steady_clock::now();
  app_.clear();
  local_ = request_done_ = response_started_ = response_in_body_ = interim_ = false;
  close_after_ = !request_.keep_alive;
  body_bytes_ = 0;
  status_ = 0;
  retry_head_.clear();
  bool has_body = request_.chunked || request_.has_length;
  const std::string* host = request_.Find("Host");
  if (request_.method == "CONNECT" || (!host && request_.minor == 1))
    return Answer(400, ProxyErrorResponse(400, "", WantsJson(), true), true);
  if (ServeAcmeChallenge()) return;
  ProxyTarget target = proxy_->Resolve(host ? *host : "", request_.target);
  route_ = target.entry;
  app_ = route_.app;
  if (target.status != 0)
    return Answer(target.status, ProxyErrorResponse(target.status, app_, WantsJson(), has_body),
                  has_body);
  if (route_.route.https_redirect && !client_.tls) {
    std::string location = "https://" + NormalizeHost(*host) + request_.target;
    return Answer(308, RedirectResponse(location, has_body), has_body);
  }
  const std::string* length = request_.Find("Content-Length");
  if (route_.route.max_body && length &&
      std::strtoull(length->c_str(), nullptr, 10) > static_cast<uint64_t>(*route_.route.max_body))
    return Answer(413, ProxyErrorResponse(413, app_, WantsJson(), true), true);
  endpoint_ = target.endpoint;
  std::string head = UpstreamRequestHead(request_, UpstreamTarget(route_.route, request_.target),
                                         client_);
  if (!has_body && !request_.upgrade) retry_head_ = head;
  if (!ConnectUpstream(endpoint_, false))
    return Answer(502, ProxyErrorResponse(502, app_, WantsJson(), has_body), has_body);
  evbuffer_add(bufferevent_get_output(upstream_->bev()), head.data(), head.size());
  ReadRequestBody();
}

bool ProxyConnection::ServeAcmeChallenge() {
  const std::string& webroot = proxy_->options().acme_webroot;
  std::string_view target = request_.target;
  if (webroot.empty() || target.substr(0, kAcmePrefix.size()) != kAcmePrefix) return false;
  std::string_view token = target.substr(kAcmePrefix.size());
  token = token.substr(0, token.find('?'));
  std::string body;
  if (IsAcmeToken(token)) {
    // A token file is a few dozen bytes on a local disk: read at once.
    std::string path = webroot + "/.well-known/acme-challenge/" + std::string(token);
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd >= 0) {
      char buffer[4096];
      ssize_t n = read(fd, buffer, sizeof(buffer));
      close(fd);
      if (n >= 0) body.assign(buffer, static_cast<size_t>(n));
    }
  }
  bool has_body = request_.chunked || request_.has_length;
  if (body.empty()) {
    Answer(404, ProxyErrorResponse(404, "", false, has_body), has_body);
    return true;
  }
  std::string response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
                         std::to_string(body.size()) + "\r\n" +
                         (has_body ? "Connection: close\r\n" : "") + "\r\n" + body;
  Answer(200, std::move(response), has_body);
  return true;
}

bool ProxyConnection::ConnectUpstream(const std::string& endpoint, bool fresh) {
  upstream_ = fresh ? nullptr : proxy_->pool().Take(endpoint);
  if (!upstream_) {
    auto connected = UpstreamConnection::Connect(bufferevent_get_base(bev_.get()), endpoint);
    if (!connected.ok()) {
      LogDebug("proxy: " + connected.status().message());
      return false;
    }
    upstream_ = std::move(connected).value();
  }
  upstream_->Attach(this);
  timeval timeout = {proxy_->options().upstream_timeout_seconds, 0};
  bufferevent_set_timeouts(upstream_->bev(), &timeout, &timeout);
  bufferevent_enable(upstream_->bev(), EV_READ);
  return true;
}

void ProxyConnection::Answer(int status, std::string response, bool close) {
  timer_.Stop();
  if (state_ == State::kIdle || state_ == State::kHead) {
    Transition(State::kExchange);
    started_ = std::chrono::steady_clock::now();
  }
  DropUpstream();
  local_ = true;
  response_started_ = true;
  status_ = status;
  evbuffer_add(bufferevent_get_output(bev_.get()), response.data(), response.size());
  Observe(status);
  if (close) return CloseAfterFlush();
  ReadRequestBody();  // a request without a body ends at once
}

void ProxyConnection::ReadRequestBody() {
  evbuffer* input = bufferevent_get_input(bev_.get());
  evbuffer* output = upstream_ ? bufferevent_get_output(upstream_->bev()) : nullptr;
  const std::optional<int64_t>& max_body = route_.route.max_body;
  while (!request_done_) {
    evbuffer_iovec chunk = {nullptr, 0};
    if (evbuffer_peek(input, -1, nullptr, &chunk, 1) < 1) chunk = {const_cast<char*>(""), 0};
    size_t used = 0;
    HttpParser::Event event =
        request_parser_.Parse(static_cast<const char*>(chunk.iov_base), chunk.iov_len, &used);
    if (event == HttpParser::Event::kError) {
      if (!response_started_)
        return Answer(400, ProxyErrorResponse(400, app_, WantsJson(), true), true);
      return Close();
    }
    body_bytes_ += used;
    if (!local_ && max_body && body_bytes_ > static_cast<uint64_t>(*max_body)) {
      if (!response_started_)
        return Answer(413, ProxyErrorResponse(413, app_, WantsJson(), true), true);
      return Close();
    }
    if (output && !local_)
      evbuffer_remove_buffer(input, output, used);
    else
      evbuffer_drain(input, used);
    if (event == HttpParser::Event::kMessageEnd) return EndRequest();
    if (event == HttpParser::Event::kNeedMore && evbuffer_get_length(input) == 0) break;
  }
  if (output && evbuffer_get_length(output) > kHighWatermark) {
    bufferevent_disable(bev_.get(), EV_READ);
    client_paused_ = true;
  } else if (!request_done_) {
    SetClientReadTimeout(proxy_->options().body_timeout_seconds);
  }
}

void ProxyConnection::EndRequest() {
  request_done_ = true;
  SetClientReadTimeout(0);
  // Stop reading ahead: a pipelined request waits until this exchange is over.
  bufferevent_setwatermark(bev_.get(), EV_READ, 0, kHighWatermark);
  if (local_ && response_started_) EndExchange();
}

void ProxyConnection::OnUpstreamRead(UpstreamConnection*) {
  if (state_ == State::kTunnel)
    PumpTunnel(upstream_->bev(), bev_.get());
  else
    ReadResponse();
  FlushOutputs();
}

void ProxyConnection::ReadResponse() {
  if (!upstream_) return;
  evbuffer* input = bufferevent_get_input(upstream_->bev());
  evbuffer* output = bufferevent_get_output(bev_.get());
  HttpParser& parser = upstream_->parser();
  while (upstream_ && evbuffer_get_length(input) > 0 && state_ == State::kExchange) {
    evbuffer_iovec chunk;
    evbuffer_peek(input, -1, nullptr, &chunk, 1);
    size_t used = 0;
    HttpParser::Event event =
        parser.Parse(static_cast<const char*>(chunk.iov_base), chunk.iov_len, &used);
    if (event == HttpParser::Event::kError) return UpstreamFailed(BEV_EVENT_ERROR);
    if (response_in_body_)
      evbuffer_remove_buffer(input, output, used);
    else
      evbuffer_drain(input, used);
    if (event == HttpParser::Event::kHead) OnResponseHead();
    else if (event == HttpParser::Event::kMessageEnd) EndResponse();
  }
  if (upstream_ && ClientPending() > kHighWatermark) PauseUpstream();
}

void ProxyConnection::OnResponseHead() {
  const MessageHead& response = upstream_->parser().head();
  retry_head_.clear();  // it answered: never send the request twice
  evbuffer* output = bufferevent_get_output(bev_.get());
  if (response.status == 101) {
    if (!request_.upgrade) return UpstreamFailed(BEV_EVENT_ERROR);
    std::string head = ClientResponseHead(response, request_, false);
    evbuffer_add(output, head.data(), head.size());
    status_ = 101;
    return BeginTunnel();
  }
  if (response.status < 200) {  // 100 Continue, 103 Early Hints: passed on, then the real one
    interim_ = true;
    std::string head = ClientResponseHead(response, request_, false);
    evbuffer_add(output, head.data(), head.size());
    return;
  }
  status_ = response.status;
  response_started_ = true;
  bool no_body = request_.method == "HEAD" || response.status == 204 || response.status == 304;
  if (!no_body && upstream_->parser().BodyUntilEof()) close_after_ = true;
  if (request_.upgrade) close_after_ = true;  // refused upgrade: the client may not follow it
  std::string head = ClientResponseHead(response, request_, close_after_);
  evbuffer_add(output, head.data(), head.size());
  timeval timeout = {proxy_->options().upstream_timeout_seconds, 0};
  bufferevent_set_timeouts(upstream_->bev(), &timeout, nullptr);
  if (request_.method == "HEAD") {
    upstream_->parser().Reset();  // its Content-Length announces no body here
    return EndResponse();
  }
  response_in_body_ = true;
}

void ProxyConnection::EndResponse() {
  if (interim_) {
    interim_ = false;
    return;
  }
  response_in_body_ = false;
  Observe(status_);
  bool reusable = upstream_->parser().head().keep_alive && request_done_ &&
                  evbuffer_get_length(bufferevent_get_input(upstream_->bev())) == 0;
  if (reusable) {
    upstream_->Attach(nullptr);
    std::unique_ptr<UpstreamConnection> upstream = std::move(upstream_);
    if (proxy_->draining()) proxy_->Released();
    proxy_->pool().Give(std::move(upstream));
  } else {
    DropUpstream();
  }
  if (close_after_ || !request_done_) return CloseAfterFlush();
  EndExchange();
}

void ProxyConnection::EndExchange() {
  if (close_after_) return CloseAfterFlush();
  if (!Transition(State::kIdle)) return;
  bufferevent_setwatermark(bev_.get(), EV_READ, 0, 0);
  if (client_paused_) {
    client_paused_ = false;
    bufferevent_enable(bev_.get(), EV_READ);
  }
  timer_.Start(proxy_->options().idle_timeout_seconds * 1000L);
  // The next request may already be here (pipelining); finish with this turn's callbacks first.
  if (evbuffer_get_length(bufferevent_get_input(bev_.get())) > 0) ReadHead();
}

void ProxyConnection::BeginTunnel() {
  Transition(State::kTunnel);
  bufferevent_setwatermark(bev_.get(), EV_READ, 0, 0);
  bufferevent_set_timeouts(bev_.get(), nullptr, nullptr);  // a WebSocket may idle for hours
  bufferevent_set_timeouts(upstream_->bev(), nullptr, nullptr);
  bufferevent_enable(bev_.get(), EV_READ);
  client_paused_ = false;
  PumpTunnel(upstream_->bev(), bev_.get());
  PumpTunnel(bev_.get(), upstream_->bev());
}

void ProxyConnection::PumpTunnel(bufferevent* from, bufferevent* to) {
  evbuffer* output = bufferevent_get_output(to);
  evbuffer_add_buffer(output, bufferevent_get_input(from));
  if (to == bev_.get()) {
    if (ClientPending() > kHighWatermark) PauseUpstream();
  } else if (evbuffer_get_length(output) > kHighWatermark) {
    bufferevent_disable(from, EV_READ);
    client_paused_ = true;
  }
}

void ProxyConnection::OnUpstreamDrained(UpstreamConnection*) {
  DisarmWhenEmpty(upstream_->bev(), upstream_->connected());
  if (!client_paused_ || state_ == State::kClosing) return;
  client_paused_ = false;
  bufferevent_enable(bev_.get(), EV_READ);
  ReadClient();
  FlushOutputs();
}

void ProxyConnection::OnClientWrite(bufferevent*, void* self) {
  auto* connection = static_cast<ProxyConnection*>(self);
  DisarmWhenEmpty(connection->bev_.get(), true);  // plain or TLS: armed by Flush() as needed
  if (bufferevent* socket = bufferevent_get_underlying(connection->bev_.get()))
    DisarmWhenEmpty(socket, connection->tls_open_);
  if (connection->state_ == State::kClosing) {
    if (connection->ClientOutputEmpty()) connection->Close();
    return;
  }
  connection->MaybeResumeUpstream();
  connection->FlushOutputs();
}

void ProxyConnection::OnUpstreamEvent(UpstreamConnection*, short events) {
  HandleUpstreamEvent(events);
  FlushOutputs();
}

void ProxyConnection::HandleUpstreamEvent(short events) {
  if (events & BEV_EVENT_CONNECTED) {
    // From now on FlushOutputs() writes to it directly.
    bufferevent_disable(upstream_->bev(), EV_WRITE);
    return;
  }
  if (state_ == State::kTunnel) {
    PumpTunnel(upstream_->bev(), bev_.get());
    return CloseAfterFlush();
  }
  if ((events & BEV_EVENT_EOF) && response_in_body_ &&
      upstream_->parser().Finish() == HttpParser::Event::kMessageEnd) {
    close_after_ = true;
    return EndResponse();
  }
  UpstreamFailed(events);
}

void ProxyConnection::UpstreamFailed(short events) {
  bool answered_nothing = evbuffer_get_length(bufferevent_get_input(upstream_->bev())) == 0 &&
                          !response_started_;
  if (answered_nothing && upstream_->reused() && !retry_head_.empty() &&
      !(events & BEV_EVENT_TIMEOUT)) {
    // The app closed an idle connection as it was being reused: send it again, once.
    std::string head = std::move(retry_head_);
    retry_head_.clear();
    DropUpstream();
    if (ConnectUpstream(endpoint_, true)) {
      evbuffer_add(bufferevent_get_output(upstream_->bev()), head.data(), head.size());
      return;
    }
  }
  DropUpstream();
  if (response_started_) return Close();  // cut off mid-answer: the client sees it end early
  int status = (events & BEV_EVENT_TIMEOUT) ? 504 : 502;
  Answer(status, ProxyErrorResponse(status, app_, WantsJson(), !request_done_), !request_done_);
}

void ProxyConnection::DropUpstream() {
  if (!upstream_) return;
  upstream_->Attach(nullptr);
  // We may be inside the upstream's own callback: free it on the next loop turn.
  proxy_->loop()->Defer([dropped = std::shared_ptr<UpstreamConnection>(std::move(upstream_))] {});
  upstream_paused_ = false;
  if (proxy_->draining()) proxy_->Released();
}

const std::string& ProxyConnection::upstream_endpoint() const {
  static const std::string kNone;
  return upstream_ ? upstream_->endpoint() : kNone;
}

void ProxyConnection::OnClientEvent(bufferevent*, short events, void* self) {
  auto* connection = static_cast<ProxyConnection*>(self);
  if (events & BEV_EVENT_CONNECTED) {
    // The TLS handshake is over: from now on FlushOutputs() writes the socket directly.
    connection->tls_open_ = true;
    bufferevent_disable(bufferevent_get_underlying(connection->bev_.get()), EV_WRITE);
    return;
  }
  if ((events & BEV_EVENT_EOF) && connection->state_ == State::kTunnel && connection->upstream_) {
    // The client is done sending: pass on what it sent before it goes.
    connection->PumpTunnel(connection->bev_.get(), connection->upstream_->bev());
    Flush(connection->upstream_->bev(), connection->upstream_->connected());
  }
  connection->Close();
}

void ProxyConnection::CloseAfterFlush() {
  DropUpstream();
  if (!Transition(State::kClosing)) return;
  timer_.Stop();
  bufferevent_disable(bev_.get(), EV_READ);
  bufferevent_setwatermark(bev_.get(), EV_WRITE, 0, 0);
  if (ClientOutputEmpty()) return Close();
  SetClientReadTimeout(0);  // a client that does not read what is left is not waited for long
}

void ProxyConnection::Close() {
  if (state_ == State::kClosed) return;
  if (response_started_ && status_ != 0 && !local_ && state_ == State::kExchange) Observe(status_);
  state_ = State::kClosed;
  timer_.Stop();
  DropUpstream();
  bufferevent_disable(bev_.get(), EV_READ | EV_WRITE);
  bufferevent_setcb(bev_.get(), nullptr, nullptr, nullptr, nullptr);
  proxy_->Close(this);
}

bool ProxyConnection::WantsJson() const { return AcceptsJson(request_.Find("Accept")); }

void ProxyConnection::Observe(int status) {
  // Requests that matched no route are not counted per route.
  if (!app_.empty())
    proxy_->metrics().Observe(app_, RouteName(route_.route), status,
                              std::chrono::steady_clock::now() - started_);
  status_ = 0;
}

void ProxyConnection::SetClientReadTimeout(int seconds) {
  // The write timeout always holds: a client that stops reading its answer is dropped.
  timeval write = {proxy_->options().idle_timeout_seconds, 0};
  timeval read = {seconds, 0};
  bufferevent_set_timeouts(bev_.get(), seconds > 0 ? &read : nullptr, &write);
  // TLS: what the client does not take waits in the socket's bufferevent, under the filter.
  if (bufferevent* socket = bufferevent_get_underlying(bev_.get()))
    bufferevent_set_timeouts(socket, nullptr, &write);
}

}  // namespace berth
