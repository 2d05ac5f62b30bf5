// Tests of HealthChecker with real targets: an HTTP server on the loop, TCP ports open and
// closed, and commands run as children; and how its verdict moves.
#include "supervise/health_checker.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>

#include <fstream>

#include "reactor/child_reaper.h"
#include "supervise/process_command.h"
#include "tests/unit/reactor/http_test_server.h"
#include "tests/unit/run_loop.h"

namespace berth {
namespace {

// A TCP socket listening on 127.0.0.1 on a free port, until closed.
class Listener {
 public:
  Listener() : fd_(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    bind(fd_.get(), reinterpret_cast<sockaddr*>(&address), length);
    listen(fd_.get(), 16);
    getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
  }
  std::string endpoint() const { return "127.0.0.1:" + std::to_string(port_); }
  void Close() { fd_.reset(); }

 private:
  UniqueFd fd_;
  int port_ = 0;
};

class HealthCheckerTest : public ::testing::Test {
 protected:
  std::unique_ptr<HealthChecker> Make(nlohmann::json health,
                                      std::function<std::vector<std::string>()> endpoints) {
    nlohmann::json app = {{"command", {"true"}}, {"port", 1}, {"health", health}};
    auto spec = ParseAppSpec(app, "web");
    EXPECT_TRUE(spec.ok()) << spec.status().message();
    auto exec = [this](const std::vector<std::string>& argv, Runtime::CommandDone done) {
      SpawnOptions options{.argv = argv, .env = {"PATH=/usr/bin:/bin"}, .cwd = "/"};
      return StartProcessCommand(&loop_, &reaper_, options, std::move(done));
    };
    auto checker = std::make_unique<HealthChecker>(
        &loop_, &http_, *spec->health, std::move(endpoints), exec,
        HealthChecker::Callbacks{
            .checked = [this](const HealthStatus& status) { checks_.push_back(status); },
            .changed =
                [this](const HealthStatus& status, HealthState from) {
                  changes_.push_back(std::string(to_string(from)) + " -> " +
                                     to_string(status.state));
                }});
    checker->Start();
    return checker;
  }
  // Runs until `n` probes have ended.
  bool RunChecks(size_t n, long deadline_ms = 5000) {
    return RunUntil(
        &loop_, [&] { return checks_.size() >= n; }, deadline_ms);
  }

  EventLoop loop_;
  ChildReaper reaper_{&loop_};
  HttpClient http_{&loop_};
  HttpTestServer server_{&loop_};
  std::vector<HealthStatus> checks_;
  std::vector<std::string> changes_;
};

TEST_F(HealthCheckerTest, AnHttpAnswerOf200IsHealthy) {
  int port = server_.ListenTcp();
  auto checker = Make({{"http", "/echo"}, {"interval", 60}}, [port] {
    return std::vector<std::string>{"127.0.0.1:" + std::to_string(port)};
  });
  EXPECT_EQ(HealthState::kStarting, checker->status().state);
  ASSERT_TRUE(RunChecks(1));
  EXPECT_EQ(HealthState::kHealthy, checker->status().state);
  EXPECT_EQ(0, checker->status().failures);
  EXPECT_NE(0, checker->status().last_check_ms);
  EXPECT_EQ(std::vector<std::string>{"starting -> healthy"}, changes_);
  nlohmann::json json = HealthStatusJson(checker->status());
  EXPECT_EQ("healthy", json["status"]);
  EXPECT_TRUE(json["last_error"].is_null());
  EXPECT_TRUE(json["last_check"].is_string());
}

TEST_F(HealthCheckerTest, A404CountsAsAFailureUntilRetriesMakeItUnhealthy) {
  int port = server_.ListenTcp();
  auto checker = Make({{"http", "/missing"}, {"interval", 0.1}, {"retries", 2}}, [port] {
    return std::vector<std::string>{"127.0.0.1:" + std::to_string(port)};
  });
  ASSERT_TRUE(RunChecks(1));
  EXPECT_EQ(HealthState::kStarting, checks_[0].state);
  EXPECT_EQ(1, checks_[0].failures);
  EXPECT_NE(std::string::npos, checks_[0].last_error.find("answered 404")) << checks_[0].last_error;
  ASSERT_TRUE(RunChecks(3));
  EXPECT_EQ(HealthState::kUnhealthy, checks_[1].state);
  EXPECT_EQ(3, checks_[2].failures);
  EXPECT_EQ(std::vector<std::string>{"starting -> unhealthy"}, changes_);
}

TEST_F(HealthCheckerTest, TheExpectedStatusesAndTheHostHeaderAreUsed) {
  int port = server_.ListenTcp();
  auto checker = Make({{"http", "/missing"}, {"status", 404}, {"host", "api.example.com"}}, [port] {
    return std::vector<std::string>{"127.0.0.1:" + std::to_string(port)};
  });
  ASSERT_TRUE(RunChecks(1));
  EXPECT_EQ(HealthState::kHealthy, checker->status().state) << checker->status().last_error;
}

TEST_F(HealthCheckerTest, AnAnswerSlowerThanTheTimeoutFails) {
  int port = server_.ListenTcp();
  auto checker = Make({{"http", "/hang"}, {"timeout", 0.2}, {"interval", 60}}, [port] {
    return std::vector<std::string>{"127.0.0.1:" + std::to_string(port)};
  });
  ASSERT_TRUE(RunChecks(1));
  EXPECT_EQ(1, checker->status().failures);
  EXPECT_FALSE(checker->status().last_error.empty());
}

TEST_F(HealthCheckerTest, EveryEndpointMustAnswer) {
  int port = server_.ListenTcp();
  Listener closed;
  std::string dead = closed.endpoint();
  closed.Close();
  auto checker = Make({{"http", "/echo"}, {"interval", 60}}, [port, dead] {
    return std::vector<std::string>{"127.0.0.1:" + std::to_string(port), dead};
  });
  ASSERT_TRUE(RunChecks(1));
  EXPECT_EQ(1, checker->status().failures);
  EXPECT_NE(std::string::npos, checker->status().last_error.find(dead))
      << checker->status().last_error;
}

TEST_F(HealthCheckerTest, NoEndpointIsAFailure) {
  auto checker = Make({{"tcp", true}, {"interval", 60}}, [] { return std::vector<std::string>{}; });
  ASSERT_TRUE(RunChecks(1));
  EXPECT_EQ("no address of the app is known", checker->status().last_error);
}

TEST_F(HealthCheckerTest, TcpGoesHealthyUnhealthyAndBackAsThePortOpensAndCloses) {
  auto listener = std::make_unique<Listener>();
  std::string endpoint = listener->endpoint();
  auto checker = Make({{"tcp", true}, {"interval", 0.1}, {"retries", 2}},
                      [endpoint] { return std::vector<std::string>{endpoint}; });
  ASSERT_TRUE(RunUntil(&loop_, [&] { return checker->status().state == HealthState::kHealthy; }));
  listener->Close();
  ASSERT_TRUE(RunUntil(&loop_, [&] { return checker->status().state == HealthState::kUnhealthy; }));
  EXPECT_NE(std::string::npos, checker->status().last_error.find("Connection refused"))
      << checker->status().last_error;
  EXPECT_EQ(2, checker->status().failures);
  // The same port, listening again (nobody else takes a port just freed on loopback this fast).
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(std::stoi(endpoint.substr(endpoint.find(':') + 1)));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  UniqueFd again(fd);
  ASSERT_EQ(0, bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address));
  listen(fd, 16);
  ASSERT_TRUE(RunUntil(&loop_, [&] { return checker->status().state == HealthState::kHealthy; }));
  EXPECT_EQ((std::vector<std::string>{"starting -> healthy", "healthy -> unhealthy",
                                      "unhealthy -> healthy"}),
            changes_);
}

TEST_F(HealthCheckerTest, AnExecPassesOnExitZeroAndFailsSayingWhatItWrote) {
  auto good = Make({{"exec", {"true"}}, {"interval", 60}}, {});
  ASSERT_TRUE(RunChecks(1));
  EXPECT_EQ(HealthState::kHealthy, good->status().state) << good->status().last_error;
  auto bad = Make({{"exec", {"sh", "-c", "echo database down >&2; exit 3"}}, {"interval", 60}}, {});
  ASSERT_TRUE(RunChecks(2));
  EXPECT_EQ("sh exited with code 3: database down", bad->status().last_error);
}

TEST_F(HealthCheckerTest, AnExecPastItsTimeoutFailsAndIsKilled) {
  std::string pid_file = ::testing::TempDir() + "/health-exec-pid";
  auto checker = Make({{"exec", {"sh", "-c", "echo $$ > " + pid_file + "; exec sleep 30"}},
                       {"timeout", 0.3},
                       {"interval", 60}},
                      {});
  ASSERT_TRUE(RunChecks(1));
  EXPECT_EQ("the command did not end within 0.3 s", checker->status().last_error);
  pid_t pid = 0;
  std::ifstream(pid_file) >> pid;
  ASSERT_GT(pid, 0);
  // Killed once the probe is released (on the next loop turn), then reaped.
  EXPECT_TRUE(RunUntil(&loop_, [&] { return kill(pid, 0) != 0; }));
}

TEST_F(HealthCheckerTest, AnExecThatCannotStartFails) {
  auto checker = Make({{"exec", {"/nonexistent/health"}}, {"interval", 60}}, {});
  ASSERT_TRUE(RunChecks(1));
  EXPECT_EQ(1, checker->status().failures);
  EXPECT_FALSE(checker->status().last_error.empty());
}

TEST_F(HealthCheckerTest, DestroyedMidProbeItCallsNothing) {
  int port = server_.ListenTcp();
  auto checker = Make({{"http", "/hang"}, {"timeout", 0.1}}, [port] {
    return std::vector<std::string>{"127.0.0.1:" + std::to_string(port)};
  });
  ASSERT_TRUE(RunUntil(&loop_, [&] { return server_.accepted() > 0; }));
  checker.reset();
  RunUntil(
      &loop_, [] { return false; }, 300);
  EXPECT_TRUE(checks_.empty());
}

}  // namespace
}  // namespace berth
