// Upstream connections and their pool (see upstream.h).
#include "proxy/upstream.h"

#include <event2/bufferevent_struct.h>
#include <event2/util.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>

namespace berth {
namespace {

// One read per readiness takes up to this much: a request or response head at once, a body in
// few calls.
constexpr size_t kReadSize = 16 * 1024;

// Reads what the socket holds (up to kReadSize) into `input`: the byte count, 0 at EOF, or -1
// with errno.
ssize_t ReadSocket(int fd, evbuffer* input) {
  evbuffer_iovec space[2];
  // A bufferevent keeps its input's end frozen but for its own reads; so do we.
  evbuffer_unfreeze(input, 0);
  int count = evbuffer_reserve_space(input, kReadSize, space, 2);
  ssize_t read = -1;
  if (count < 1)
    errno = ENOMEM;
  else if (count == 1)  // the usual case; recv() is a shorter way through the kernel
    read = recv(fd, space[0].iov_base, space[0].iov_len, 0);
  else
    read = readv(fd, reinterpret_cast<iovec*>(space), count);
  if (read > 0) {
    size_t first = std::min(static_cast<size_t>(read), space[0].iov_len);
    space[1].iov_len = static_cast<size_t>(read) - first;
    space[0].iov_len = first;
    evbuffer_commit_space(input, space, space[1].iov_len > 0 ? 2 : 1);
  }
  evbuffer_freeze(input, 0);
  return read;
}

// Writes the front of `output` to the socket with one sendmsg() (not writev(), a longer way
// through the kernel) and drains what it took: the byte count, or -1 with errno.
ssize_t WriteSocket(int fd, evbuffer* output) {
  iovec chunks[16];
  int count = evbuffer_peek(output, -1, nullptr, reinterpret_cast<evbuffer_iovec*>(chunks), 16);
  msghdr message{};
  message.msg_iov = chunks;
  message.msg_iovlen = std::min(count, 16);
  ssize_t written = sendmsg(fd, &message, MSG_NOSIGNAL);
  if (written > 0) evbuffer_drain(output, static_cast<size_t>(written));
  return written;
}

// The read event of a socket bufferevent, as libevent's own but for the FIONREAD.
void OnReadable(evutil_socket_t fd, short what, void* self) {
  auto* bev = static_cast<bufferevent*>(self);
  short failure = BEV_EVENT_READING;
  if (what == EV_TIMEOUT) {
    failure |= BEV_EVENT_TIMEOUT;
  } else {
    ssize_t read = ReadSocket(fd, bufferevent_get_input(bev));
    if (read > 0) return bufferevent_trigger(bev, EV_READ, 0);
    if (read < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
    failure |= read == 0 ? BEV_EVENT_EOF : BEV_EVENT_ERROR;
  }
  bufferevent_disable(bev, EV_READ);
  bufferevent_trigger_event(bev, failure, 0);
}

}  // namespace

Result<std::unique_ptr<UpstreamConnection>> UpstreamConnection::Connect(
    event_base* base, const std::string& endpoint) {
  sockaddr_storage address{};
  int length = sizeof(address);
  if (evutil_parse_sockaddr_port(endpoint.c_str(), reinterpret_cast<sockaddr*>(&address),
                                 &length) != 0)
    return Status::Invalid("not an address: " + endpoint);
  bufferevent* bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
  if (!bev) return Status::IOError("cannot make a connection to " + endpoint);
  std::unique_ptr<UpstreamConnection> upstream(new UpstreamConnection(bev, endpoint));
  if (bufferevent_socket_connect(bev, reinterpret_cast<sockaddr*>(&address), length) != 0)
    return Status::Unavailable("cannot connect to " + endpoint);
  int one = 1;
  setsockopt(bufferevent_getfd(bev), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return upstream;
}

UpstreamConnection::UpstreamConnection(bufferevent* bev, std::string endpoint)
    : bev_(bev), endpoint_(std::move(endpoint)) {
  bufferevent_setcb(bev, &OnRead, &OnWrite, &OnEvent, this);
  bufferevent_setwatermark(bev, EV_WRITE, kLowWatermark, 0);
  bufferevent_enable(bev, EV_READ | EV_WRITE);
}

UpstreamConnection::~UpstreamConnection() = default;

void UpstreamConnection::OnRead(bufferevent*, void* self) {
  auto* upstream = static_cast<UpstreamConnection*>(self);
  if (upstream->handler_) upstream->handler_->OnUpstreamRead(upstream);
}

void UpstreamConnection::OnWrite(bufferevent*, void* self) {
  auto* upstream = static_cast<UpstreamConnection*>(self);
  if (upstream->handler_) upstream->handler_->OnUpstreamDrained(upstream);
}

void UpstreamConnection::OnEvent(bufferevent*, short events, void* self) {
  auto* upstream = static_cast<UpstreamConnection*>(self);
  if (events & BEV_EVENT_CONNECTED) {
    upstream->connected_ = true;
    // Only now: while connecting, libevent's own read callback notes a refused connection.
    ReadDirectly(upstream->bev_.get());
  }
  if (upstream->handler_) upstream->handler_->OnUpstreamEvent(upstream, events);
}

void Flush(bufferevent* bev, bool direct) {
  evbuffer* output = bufferevent_get_output(bev);
  size_t length = evbuffer_get_length(output);
  // TLS writes a record per chunk of the buffer: a small answer (head and body) goes as one.
  if (!direct && length <= 16384) evbuffer_pullup(output, -1);
  if (length == 0 || (bufferevent_get_enabled(bev) & EV_WRITE)) return;
  if (direct) {
    // A bufferevent keeps its output's front frozen but for its own writes; so do we.
    evbuffer_unfreeze(output, 1);
    ssize_t written = WriteSocket(bufferevent_getfd(bev), output);
    evbuffer_freeze(output, 1);
    if (written >= 0 && evbuffer_get_length(output) == 0) return;
  }
  // The socket took part of it, or failed: the write event writes the rest (or reports why).
  bufferevent_enable(bev, EV_WRITE);
}

void DisarmWhenEmpty(bufferevent* bev, bool direct) {
  if (direct && evbuffer_get_length(bufferevent_get_output(bev)) == 0)
    bufferevent_disable(bev, EV_WRITE);
}

void ReadDirectly(bufferevent* bev) {
  // libevent has no hook for this: its read event (a public field) gets our callback. Enabling
  // EV_READ adds that same event, with the read timeout, so nothing else changes.
  bool reading = bufferevent_get_enabled(bev) & EV_READ;
  bufferevent_disable(bev, EV_READ);
  event_assign(&bev->ev_read, bev->ev_base, bufferevent_getfd(bev),
               EV_READ | EV_PERSIST | EV_FINALIZE, &OnReadable, bev);
  if (reading) bufferevent_enable(bev, EV_READ);
}

UpstreamPool::UpstreamPool(EventLoop* loop, size_t max_idle_per_endpoint,
                           int idle_timeout_seconds)
    : loop_(loop), max_idle_(max_idle_per_endpoint), idle_timeout_seconds_(idle_timeout_seconds) {}

UpstreamPool::~UpstreamPool() = default;

std::unique_ptr<UpstreamConnection> UpstreamPool::Take(const std::string& endpoint) {
  auto it = idle_.find(endpoint);
  if (it == idle_.end() || it->second.empty()) return nullptr;
  std::unique_ptr<UpstreamConnection> upstream = std::move(it->second.back());
  it->second.pop_back();
  upstream->Attach(nullptr);
  upstream->set_reused();
  bufferevent_set_timeouts(upstream->bev(), nullptr, nullptr);
  return upstream;
}

void UpstreamPool::Give(std::unique_ptr<UpstreamConnection> upstream) {
  std::vector<std::unique_ptr<UpstreamConnection>>& idle = idle_[upstream->endpoint()];
  if (idle.size() >= max_idle_) {
    loop_->Defer([dropped = std::shared_ptr<UpstreamConnection>(std::move(upstream))] {});
    return;
  }
  upstream->Attach(this);
  timeval timeout = {idle_timeout_seconds_, 0};
  bufferevent_set_timeouts(upstream->bev(), &timeout, nullptr);
  bufferevent_enable(upstream->bev(), EV_READ);
  idle.push_back(std::move(upstream));
}

void UpstreamPool::Drop(UpstreamConnection* upstream) {
  auto it = idle_.find(upstream->endpoint());
  if (it == idle_.end()) return;
  auto& idle = it->second;
  auto found = std::find_if(idle.begin(), idle.end(),
                            [upstream](const auto& candidate) { return candidate.get() == upstream; });
  if (found == idle.end()) return;
  // We are inside the connection's own callback: free it on the next loop turn.
  loop_->Defer([dropped = std::shared_ptr<UpstreamConnection>(std::move(*found))] {});
  idle.erase(found);
}

void UpstreamPool::DropIdle(const std::string& endpoint) {
  auto it = idle_.find(endpoint);
  if (it == idle_.end()) return;
  for (auto& upstream : it->second)
    loop_->Defer([dropped = std::shared_ptr<UpstreamConnection>(std::move(upstream))] {});
  idle_.erase(it);
}

size_t UpstreamPool::idle() const {
  size_t count = 0;
  for (const auto& [endpoint, idle] : idle_) count += idle.size();
  return count;
}

}  // namespace berth
