// Docker for black-box tests of container apps: one dockerd shared by every test process, a local
// busybox image, a private registry with basic auth, and a fake registry with Bearer tokens.
//
// What they start, and where their logs go:
// - EnsureDocker() uses the daemon that answers on /var/run/docker.sock. When none does, it
//   starts `dockerd --storage-driver=vfs` in its own session, once for all test processes (the
//   first one to take the lock /run/berth-test-docker.lock starts it, the others find it), logging
//   to /var/log/berth-test-dockerd.log. It stays up after the tests, for the next test and run
//   (tests/docker/image_test.sh uses it too); `kill $(cat /var/run/docker.pid)` stops it.
// - EnsureTestImage() builds the image berth-test/busybox:1 once, under the same lock, from
//   Debian's busybox-static, and keeps it.
// - PrivateRegistry runs Debian's docker-registry (distribution v2, htpasswd auth) on
//   127.0.0.1:<free port> from a temp dir /tmp/berth-registry-XXXXXX (config, htpasswd, blobs,
//   registry.log); TokenRegistry runs tests/integration/token_registry.py from a temp dir
//   /tmp/berth-token-registry-XXXXXX (config.json, requests.log, output.log). Both stop and
//   remove their dir at the end of the test, printing their logs first when it failed.
// - A test that stops Docker and starts it again uses a daemon of its own instead,
//   PrivateDockerd (private_dockerd.h), in /tmp/berth-dockerd-XXXXXX with its log dockerd.log.
#ifndef BERTH_TESTS_INTEGRATION_DOCKER_SUPPORT_H_
#define BERTH_TESTS_INTEGRATION_DOCKER_SUPPORT_H_

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/integration/berthd_harness.h"
#include "tests/integration/nginx_support.h"
#include "tests/integration/test_support.h"

namespace berth::testing {

inline constexpr char kDockerSocket[] = "/var/run/docker.sock";

// busybox (sh, sleep, echo, nc, httpd, ...) in /bin, with /etc/passwd for root and nobody. Its
// default command keeps running: sh -c 'while true; do sleep 1; done'.
inline constexpr char kTestImage[] = "berth-test/busybox:1";

// Makes sure a Docker daemon answers on kDockerSocket, starting the shared one when none does
// (60 s at most).
::testing::AssertionResult EnsureDocker();

// EnsureDocker(), then makes sure kTestImage exists, building it when it does not.
::testing::AssertionResult EnsureTestImage();

// Builds kTestImage from Debian's busybox-static and imports it into the daemon on `socket`.
::testing::AssertionResult ImportTestImage(const std::string& socket);

// One request to the Docker Engine API on kDockerSocket, e.g. DockerApi("GET",
// "/containers/web/json"). Paths are unversioned: the daemon answers with its own API version.
HttpResponse DockerApi(const std::string& method, const std::string& path,
                       const std::string& body = "", const HeaderLines& headers = {});

// Runs the docker command line (from $PATH) with `args`, talking to kDockerSocket.
CommandResult DockerCli(const std::vector<std::string>& args,
                        milliseconds timeout = milliseconds(120000));
// The same, talking to the daemon on `socket`.
CommandResult DockerCliAt(const std::string& socket, const std::vector<std::string>& args,
                          milliseconds timeout = milliseconds(120000));

// filters={"label": [...]}, escaped for a query.
std::string LabelFilter(const std::vector<std::string>& labels);
// GET /containers/json of the containers with every one of `labels` ("key" or "key=value"),
// stopped ones too when `all`.
nlohmann::json ContainersWithLabels(const std::vector<std::string>& labels, bool all);

// Removes (forced, with their anonymous volumes) every container with the label `label`:
// "key" or "key=value". Tests run in parallel: a value that only this test uses (its app's
// name) keeps it from removing another test's containers. Returns how many it removed.
int RemoveContainersWithLabel(const std::string& label);

// Removes every network with the label `label` (a Compose project's) that no container uses.
int RemoveNetworksWithLabel(const std::string& label);

// A container app's status.container_id and status.last_error ("" when null), and
// status.restarts (-1 when absent).
std::string ContainerId(const nlohmann::json& app);
std::string LastError(const nlohmann::json& app);
int Restarts(const nlohmann::json& app);

// Calls RemoveContainersWithLabel(label), then RemoveNetworksWithLabel(label), when it goes
// away, so that a test cleans up also when an assertion ends it early (Docker has room for only
// a few dozen networks: a Compose project's must not pile up).
class ContainerCleanup {
 public:
  explicit ContainerCleanup(std::string label) : label_(std::move(label)) {}
  ~ContainerCleanup() {
    RemoveContainersWithLabel(label_);
    RemoveNetworksWithLabel(label_);
  }
  ContainerCleanup(const ContainerCleanup&) = delete;
  ContainerCleanup& operator=(const ContainerCleanup&) = delete;

 private:
  std::string label_;
};

// Debian's docker-registry on 127.0.0.1:<port> with HTTP basic auth for one user, over plain
// HTTP (Docker allows that for 127.0.0.0/8). Push() fills it from local images. When it goes
// away it stops the registry, removes the local images named after host() (pulled by the test)
// and its directory.
class PrivateRegistry {
 public:
  PrivateRegistry();
  ~PrivateRegistry();
  PrivateRegistry(const PrivateRegistry&) = delete;
  PrivateRegistry& operator=(const PrivateRegistry&) = delete;

  // Writes the config and htpasswd (bcrypt) for `username`/`password`, starts the registry and
  // waits until GET /v2/ answers 401.
  ::testing::AssertionResult Start(const std::string& username, const std::string& password);

  // `docker login` to this registry with the given credentials, into the registry's own docker
  // config dir (config_dir()), so that the CLI's later pushes and pulls use them.
  CommandResult Login(const std::string& username, const std::string& password);

  // Tags the local image `local_image` as host()/`repo_tag` ("app:1", "team/app:2"), pushes it
  // with the credentials given to Start() and removes that local tag again, so that a later
  // pull really comes from the registry.
  ::testing::AssertionResult Push(const std::string& local_image, const std::string& repo_tag);

  // "127.0.0.1:<port>", and "127.0.0.1:<port>/<repo_tag>".
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
  std::string Image(const std::string& repo_tag) const { return host() + "/" + repo_tag; }
  // The docker CLI's config dir of Login().
  std::string config_dir() const { return dir_.path() + "/docker-config"; }

 private:
  // One attempt on a free port; `port_taken` tells a lost race for the port from other errors.
  ::testing::AssertionResult StartOnFreePort(bool* port_taken);
  std::string Config() const;
  void RemovePulledImages();

  ScratchDir dir_{"berth-registry"};
  std::string username_;
  std::string password_;
  int port_ = 0;
  ChildProcess registry_;
};

// A fake registry speaking the Bearer token flow of Docker Hub and the like, for listing tags
// (tests/integration/token_registry.py says what it answers):
//   GET /v2/                    401 WWW-Authenticate: Bearer realm="<url()>/token",
//                               service="berth-test" (no scope: as at a real registry, /v2/
//                               names no repository); 200 with any token it issued
//   GET /token?service=berth-test&scope=repository:<name>:pull with the Basic credentials
//                               {"token": ...}; wrong credentials: 401
//   GET /v2/<name>/tags/list[?n=&last=] with "Authorization: Bearer <token>"
//                               {"name", "tags"} sorted, paginated with a Link header; no or a
//                               wrong token: 401 with a challenge whose scope names <name>
class TokenRegistry {
 public:
  using Repositories = std::map<std::string, std::vector<std::string>>;  // name -> tags

  TokenRegistry();
  ~TokenRegistry();
  TokenRegistry(const TokenRegistry&) = delete;
  TokenRegistry& operator=(const TokenRegistry&) = delete;

  // Starts it for one user and the given repositories; waits until it answers.
  ::testing::AssertionResult Start(const std::string& username, const std::string& password,
                                   const Repositories& repositories);
  // Replaces the repositories and their tags; the next request sees them.
  ::testing::AssertionResult SetRepositories(const Repositories& repositories);

  // "127.0.0.1:<port>" and "http://127.0.0.1:<port>".
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
  std::string url() const { return "http://" + host(); }
  // One line per request answered: "GET /token?service=...&scope=... 200".
  std::vector<std::string> Requests() const;
  // How many GET /token requests it answered (any status).
  int TokenRequests() const;

 private:
  std::string username_;
  std::string password_;
  ScratchDir dir_{"berth-token-registry"};
  int port_ = 0;
  ChildProcess server_;
};

}  // namespace berth::testing

#endif  // BERTH_TESTS_INTEGRATION_DOCKER_SUPPORT_H_
