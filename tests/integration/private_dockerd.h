// A dockerd of one test's own, for tests that stop Docker and start it again: the shared daemon
// of docker_support.h serves the tests running beside them and must stay up.
#ifndef BERTH_TESTS_INTEGRATION_PRIVATE_DOCKERD_H_
#define BERTH_TESTS_INTEGRATION_PRIVATE_DOCKERD_H_

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/integration/berthd_harness.h"
#include "tests/integration/nginx_support.h"
#include "tests/integration/test_support.h"

namespace berth::testing {

// dockerd with everything under a temp dir /tmp/berth-dockerd-XXXXXX: its socket docker.sock,
// data-root data/, exec-root x/ (containerd's socket lives there: kept short for the limit of
// unix socket paths), dockerd.pid, daemon.json (empty: /etc/docker's is not read) and
// dockerd.log. It uses the vfs storage driver and runs in a network namespace of its own (no
// bridge, no iptables; a daemon without a bridge would delete the host's docker0, which the
// shared daemon's containers use): its containers need "network": "none". When it goes away it removes every
// container it has (starting the daemon again for that when needed), stops it, unmounts what it
// mounted under the dir and removes the dir, printing the end of its log when the test failed.
class PrivateDockerd {
 public:
  struct Options {
    bool live_restore = false;  // containers keep running while the daemon is stopped
  };

  explicit PrivateDockerd(Options options);
  ~PrivateDockerd();
  PrivateDockerd(const PrivateDockerd&) = delete;
  PrivateDockerd& operator=(const PrivateDockerd&) = delete;

  // Starts dockerd, also again on the same dirs after Stop(), and waits (60 s at most) until it
  // answers.
  ::testing::AssertionResult Start();
  // SIGTERM, and waits (60 s at most) for dockerd to exit; SIGKILL after that (a failure).
  ::testing::AssertionResult Stop();
  bool running() { return dockerd_.Running(); }

  // Imports kTestImage (busybox, see docker_support.h) into this daemon.
  ::testing::AssertionResult ImportTestImage();

  // One request to its Engine API, unversioned as DockerApi's.
  HttpResponse Api(const std::string& method, const std::string& path,
                   const std::string& body = "");
  // "<dir>/docker.sock", and "unix://<dir>/docker.sock" for berthd's --docker-host.
  std::string socket() const { return dir_.path() + "/docker.sock"; }
  std::string host() const { return "unix://" + socket(); }

 private:
  std::vector<std::string> Argv() const;
  void RemoveContainers();
  void Unmount();

  Options options_;
  ScratchDir dir_{"berth-dockerd"};
  ChildProcess dockerd_;
};

}  // namespace berth::testing

#endif  // BERTH_TESTS_INTEGRATION_PRIVATE_DOCKERD_H_
