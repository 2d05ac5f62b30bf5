// A non-blocking TCP connect driven by the loop.
#include "reactor/tcp_connect.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace berth {

std::unique_ptr<TcpConnect> TcpConnect::Start(EventLoop* loop, const std::string& address,
                                              DoneFn done) {
  std::unique_ptr<TcpConnect> connect(new TcpConnect(loop, address, std::move(done)));
  connect->Begin();
  return connect;
}

TcpConnect::TcpConnect(EventLoop* loop, std::string address, DoneFn done)
    : loop_(loop), address_(std::move(address)), done_(std::move(done)) {}

TcpConnect::~TcpConnect() = default;

void TcpConnect::Begin() {
  sockaddr_storage storage{};
  int length = sizeof storage;
  // Every outcome, even an immediate one, is reported from the loop: a zero timeout does that.
  auto report_later = [this](int fd) {
    event_.reset(event_new(loop_->base(), fd, fd < 0 ? EV_TIMEOUT : EV_WRITE, &OnEvent, this));
    timeval now{0, 0};
    event_add(event_.get(), fd < 0 ? &now : nullptr);
  };
  if (evutil_parse_sockaddr_port(address_.c_str(), reinterpret_cast<sockaddr*>(&storage),
                                 &length) != 0) {
    error_ = EINVAL;
    return report_later(-1);
  }
  fd_ = UniqueFd(socket(storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd_.valid()) {
    error_ = errno;
    return report_later(-1);
  }
  int connected = connect(fd_.get(), reinterpret_cast<sockaddr*>(&storage), length);
  if (connected != 0 && errno == EINPROGRESS) return report_later(fd_.get());
  error_ = connected == 0 ? 0 : errno;
  fd_.reset();
  report_later(-1);
}

void TcpConnect::OnEvent(evutil_socket_t fd, short, void* self) {
  auto* connect = static_cast<TcpConnect*>(self);
  int error = connect->error_;
  if (fd >= 0) {
    socklen_t length = sizeof error;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) error = errno;
  }
  connect->fd_.reset();
  connect->Finish(
      error == 0 ? Status::Ok()
                 : Status::Unavailable("connect to " + connect->address_ + ": " + strerror(error)));
}

void TcpConnect::Finish(Status status) {
  DoneFn done = std::move(done_);
  done(std::move(status));  // may destroy this
}

}  // namespace berth
