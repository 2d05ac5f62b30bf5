// The unix-socket forwarder: one accepting thread, one copying thread per connection.
#include "tests/integration/socket_proxy.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace berth::testing {
namespace {

bool FillAddress(const std::string& path, sockaddr_un* address) {
  std::memset(address, 0, sizeof *address);
  address->sun_family = AF_UNIX;
  if (path.size() >= sizeof address->sun_path) return false;
  std::memcpy(address->sun_path, path.c_str(), path.size() + 1);
  return true;
}

int ConnectUnix(const std::string& path) {
  sockaddr_un address;
  if (!FillAddress(path, &address)) return -1;
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) return fd;
  close(fd);
  return -1;
}

// Copies what `from` has to `to`; false at EOF or on an error.
bool CopyOnce(int from, int to) {
  char buffer[16384];
  ssize_t got = read(from, buffer, sizeof buffer);
  if (got <= 0) return false;
  for (ssize_t sent = 0; sent < got;) {
    ssize_t n = write(to, buffer + sent, static_cast<size_t>(got - sent));
    if (n <= 0) return false;
    sent += n;
  }
  return true;
}

}  // namespace

UnixSocketProxy::UnixSocketProxy(std::string path, std::string target)
    : path_(std::move(path)), target_(std::move(target)) {}

UnixSocketProxy::~UnixSocketProxy() { Stop(); }

::testing::AssertionResult UnixSocketProxy::Start() {
  if (listener_ >= 0) return ::testing::AssertionFailure() << "the proxy already runs";
  sockaddr_un address;
  if (!FillAddress(path_, &address))
    return ::testing::AssertionFailure() << "socket path too long: " << path_;
  unlink(path_.c_str());
  listener_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listener_ < 0 || bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      listen(listener_, 64) != 0) {
    std::string why = std::strerror(errno);
    if (listener_ >= 0) close(listener_);
    listener_ = -1;
    return ::testing::AssertionFailure() << "cannot listen on " << path_ << ": " << why;
  }
  acceptor_ = std::thread([this] { Accept(); });
  return ::testing::AssertionSuccess();
}

void UnixSocketProxy::Stop() {
  if (listener_ < 0) return;
  // shutdown() wakes the blocked accept() and poll()s; the threads close their own fds.
  shutdown(listener_, SHUT_RDWR);
  acceptor_.join();
  close(listener_);
  listener_ = -1;
  unlink(path_.c_str());
  std::vector<std::thread> forwarders;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (int fd : open_) shutdown(fd, SHUT_RDWR);
    forwarders.swap(forwarders_);
  }
  for (std::thread& forwarder : forwarders) forwarder.join();
}

void UnixSocketProxy::Accept() {
  for (;;) {
    int client = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return;  // shut down
    }
    int upstream = ConnectUnix(target_);
    if (upstream < 0) {
      close(client);
      continue;
    }
    std::lock_guard<std::mutex> lock(mu_);
    open_.push_back(client);
    open_.push_back(upstream);
    forwarders_.emplace_back([this, client, upstream] { Forward(client, upstream); });
  }
}

void UnixSocketProxy::Forward(int client, int upstream) {
  pollfd fds[2] = {{client, POLLIN, 0}, {upstream, POLLIN, 0}};
  for (bool open = true; open;) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[0].revents) open = CopyOnce(client, upstream);
    if (open && fds[1].revents) open = CopyOnce(upstream, client);
  }
  std::lock_guard<std::mutex> lock(mu_);
  open_.erase(std::remove_if(open_.begin(), open_.end(),
                             [&](int fd) { return fd == client || fd == upstream; }),
              open_.end());
  close(client);
  close(upstream);
}

}  // namespace berth::testing
