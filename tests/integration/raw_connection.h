// RawConnection: a plain TCP connection to berthd for tests that misbehave on purpose (send
// half a request, trickle bytes, stay silent) and watch when berthd closes it.
#ifndef BERTH_TESTS_INTEGRATION_RAW_CONNECTION_H_
#define BERTH_TESTS_INTEGRATION_RAW_CONNECTION_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <string>

#include "tests/integration/test_support.h"

namespace berth::testing {

class RawConnection {
 public:
  explicit RawConnection(int port) : fd_(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval send_timeout{2, 0};  // a daemon that stops reading must not hang the test
    setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &send_timeout, sizeof send_timeout);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~RawConnection() {
    if (fd_ >= 0) close(fd_);
  }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return connected_; }
  bool Send(const std::string& bytes) {
    return send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }
  // Reads what berthd sends for up to `timeout`; true once berthd has closed the connection
  // (end of file or reset), false if it is still open then.
  bool ClosedWithin(milliseconds timeout) {
    return ReadUntil([&] { return closed_; }, timeout);
  }
  // Reads until what arrived contains `needle`; false when it did not within `timeout` (or the
  // connection closed first).
  bool ReceiveUntil(const std::string& needle, milliseconds timeout) {
    return ReadUntil([&] { return received_.find(needle) != std::string::npos; }, timeout) &&
           received_.find(needle) != std::string::npos;
  }
  const std::string& received() const { return received_; }

 private:
  // Reads until `done()` or the connection closed; false when `timeout` passed first.
  template <class Done>
  bool ReadUntil(Done done, milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    while (!done() && !closed_) {
      auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) return false;
      pollfd watch{fd_, POLLIN, 0};
      if (poll(&watch, 1, static_cast<int>(left)) <= 0) continue;
      char buffer[4096];
      ssize_t n = recv(fd_, buffer, sizeof buffer, MSG_DONTWAIT);
      if (n > 0) received_.append(buffer, static_cast<size_t>(n));
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) closed_ = true;
    }
    return true;
  }

  int fd_;
  bool connected_ = false;
  bool closed_ = false;
  std::string received_;
};

}  // namespace berth::testing

#endif  // BERTH_TESTS_INTEGRATION_RAW_CONNECTION_H_
