// A unix-socket forwarder for tests that need a Docker that goes away and comes back without
// stopping the shared dockerd: berthd talks to the proxy's socket, the proxy to the real one.
#ifndef BERTH_TESTS_INTEGRATION_SOCKET_PROXY_H_
#define BERTH_TESTS_INTEGRATION_SOCKET_PROXY_H_

#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace berth::testing {

// Listens on `path` and copies bytes both ways between each client and a connection of its own
// to `target`, on threads of the test process. Stop() is Docker going away: the socket file
// disappears and every open connection (event and log streams included) is cut.
class UnixSocketProxy {
 public:
  UnixSocketProxy(std::string path, std::string target);
  ~UnixSocketProxy();
  UnixSocketProxy(const UnixSocketProxy&) = delete;
  UnixSocketProxy& operator=(const UnixSocketProxy&) = delete;

  // Binds `path` (removing a stale file first) and starts accepting.
  ::testing::AssertionResult Start();
  // Stops accepting, removes `path` and closes every forwarded connection; waits for the threads.
  void Stop();

 private:
  void Accept();
  void Forward(int client, int upstream);

  std::string path_;
  std::string target_;
  int listener_ = -1;
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<int> open_;  // both ends of every forwarded connection, for Stop()
  std::vector<std::thread> forwarders_;
};

}  // namespace berth::testing

#endif  // BERTH_TESTS_INTEGRATION_SOCKET_PROXY_H_
