// Black-box tests of berthd under systemd's protocols, with the real tools: socket activation
// through systemd-socket-activate (a socket named "api"), sd_notify to a datagram socket of the
// test's own (READY, STATUS, RELOADING, STOPPING, the watchdog rhythm), and the admin token
// from $CREDENTIALS_DIRECTORY.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>

#include <cstring>

#include "tests/integration/berthd_harness.h"

namespace berth::testing {
namespace {

const char kActivate[] = "/usr/bin/systemd-socket-activate";

// berthd started by systemd-socket-activate on a unix socket in a temp dir.
class ActivatedBerthd {
 public:
  explicit ActivatedBerthd(const std::string& fdname) {
    socket_path_ = dirs_.root_dir() + "/activated.sock";
    err_path_ = dirs_.root_dir() + "/activate.stderr";
    Fd err(open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    std::vector<std::string> env = InheritedEnvironment();
    ApplyEnv(&env, {"BERTH_ADMIN_TOKEN=" + dirs_.token()});
    pid_ = SpawnChild(
        {kActivate, "-l", socket_path_, "--fdname=" + fdname, "-E", "BERTH_ADMIN_TOKEN",
         BERTHD_PATH, "--state-dir", dirs_.state_dir(), "--config-dir", dirs_.config_dir()},
        env, err.get(), err.get());
  }
  ~ActivatedBerthd() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }

  bool SocketReady() {
    return WaitUntil([&] {
      struct stat st {};
      return stat(socket_path_.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
    });
  }
  // SIGTERM and the exit code (-1 when it did not exit in time).
  int Stop() {
    kill(pid_, SIGTERM);
    return WaitForExit();
  }
  int WaitForExit() {
    int status = 0, code = -1;
    if (WaitUntil([&] { return waitpid(pid_, &status, WNOHANG) == pid_; }, milliseconds(20000)))
      code = DecodeWaitStatus(status), pid_ = -1;
    return code;
  }

  BerthdProcess dirs_;  // only for its temp dirs and token
  std::string socket_path_;
  std::string err_path_;
  pid_t pid_ = -1;
};

TEST(SocketActivationTest, ServesTheSocketNamedApiAndBindsNothingItself) {
  ActivatedBerthd berthd("api");
  ASSERT_TRUE(berthd.SocketReady()) << ReadFile(berthd.err_path_);
  std::string body;
  // The first connection makes systemd-socket-activate exec berthd with the socket as fd 3.
  ASSERT_EQ(200, GetOverUnixSocket(berthd.socket_path_, "/v1/apps", berthd.dirs_.token(), &body))
      << body << ReadFile(berthd.err_path_);
  EXPECT_EQ("[]\n", body);
  EXPECT_EQ(401, GetOverUnixSocket(berthd.socket_path_, "/v1/apps", "wrong", &body));

  std::string run = berthd.dirs_.state_dir() + "/run";
  EXPECT_EQ("unix:" + berthd.socket_path_ + "\n", ReadFile(run + "/listeners"));
  struct stat st {};
  EXPECT_NE(0, stat((run + "/api.sock").c_str(), &st)) << "berthd bound its default socket";
  EXPECT_EQ(0, berthd.Stop()) << ReadFile(berthd.err_path_);
}

TEST(SocketActivationTest, ServesTheProxyOnTheSocketNamedProxy) {
  BerthdProcess dirs;  // only for its temp dirs and token
  std::string api = dirs.root_dir() + "/api.sock", err_path = dirs.root_dir() + "/activate.stderr";
  std::string proxy = "127.0.0.1:" + std::to_string(FreeTcpPort());
  Fd err(open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  std::vector<std::string> env = InheritedEnvironment();
  ApplyEnv(&env, {"BERTH_ADMIN_TOKEN=" + dirs.token()});
  pid_t pid = SpawnChild({kActivate, "-l", api, "-l", proxy, "--fdname=api:proxy", "-E",
                          "BERTH_ADMIN_TOKEN", BERTHD_PATH, "--state-dir", dirs.state_dir(),
                          "--config-dir", dirs.config_dir()},
                         env, err.get(), err.get());
  ASSERT_GT(pid, 0);
  struct stat st {};
  ASSERT_TRUE(WaitUntil([&] { return stat(api.c_str(), &st) == 0; })) << ReadFile(err_path);
  std::string body;
  ASSERT_EQ(200, GetOverUnixSocket(api, "/v1/apps", dirs.token(), &body)) << ReadFile(err_path);
  EXPECT_EQ("http://" + proxy + "\n", ReadFile(dirs.state_dir() + "/run/proxy-listeners"));
  HttpResponse routed = PerformRequest("GET", "http://" + proxy + "/", "", {"Host: none.test"});
  EXPECT_EQ(routed.status, 404) << routed.Describe() << ReadFile(err_path);
  EXPECT_NE(routed.body.find("No app is routed"), std::string::npos);
  kill(pid, SIGTERM);
  int status = 0;
  bool exited = WaitUntil([&] { return waitpid(pid, &status, WNOHANG) == pid; });
  EXPECT_TRUE(exited) << ReadFile(err_path);
  if (!exited) kill(pid, SIGKILL), waitpid(pid, nullptr, 0);
}

TEST(SocketActivationTest, SocketsWithoutTheNameApiAreRefusedClearly) {
  ActivatedBerthd berthd("proxy");
  ASSERT_TRUE(berthd.SocketReady()) << ReadFile(berthd.err_path_);
  std::string body;
  GetOverUnixSocket(berthd.socket_path_, "/up", "", &body);  // wakes it; berthd then exits
  EXPECT_EQ(1, berthd.WaitForExit());
  std::string err = ReadFile(berthd.err_path_);
  EXPECT_NE(std::string::npos, err.find("none named \"api\"")) << err;
  EXPECT_NE(std::string::npos, err.find("\"proxy\"")) << err;
}

// A datagram socket standing in for systemd's $NOTIFY_SOCKET.
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& path)
      : path_(path), fd_(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    bound_ = bind(fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  bool bound() const { return bound_; }
  const std::string& path() const { return path_; }

  // The next message, or "" after `timeout`. `at` gets its arrival time (CLOCK_MONOTONIC, µs).
  std::string Receive(milliseconds timeout = kDefaultTimeout, uint64_t* at = nullptr) {
    pollfd p{fd_.get(), POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(timeout.count())) != 1) return "";
    char buffer[4096];
    ssize_t n = recv(fd_.get(), buffer, sizeof buffer, 0);
    if (at) *at = MonotonicUsec();
    return n > 0 ? std::string(buffer, n) : "";
  }
  // The next message that is not a watchdog ping (and, with skip_status, not a STATUS= line).
  std::string ReceiveEvent(bool skip_status = false) {
    for (;;) {
      std::string message = Receive();
      if (message == "WATCHDOG=1") continue;
      if (skip_status && message.rfind("STATUS=", 0) == 0) continue;
      seen_ += message + " | ";
      return message;
    }
  }
  const std::string& seen() const { return seen_; }

  static uint64_t MonotonicUsec() {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<uint64_t>(now.tv_sec) * 1000000 + now.tv_nsec / 1000;
  }

 private:
  std::string path_;
  Fd fd_;
  bool bound_ = false;
  std::string seen_;
};

TEST(NotifyTest, ReadyStatusReloadAndStopArriveInOrder) {
  BerthdProcess probe;
  NotifySocket notify(probe.root_dir() + "/notify.sock");
  ASSERT_TRUE(notify.bound());
  BerthdProcess berthd(BerthdProcess::Options{{"NOTIFY_SOCKET=" + notify.path()}, {}});
  mkdir((berthd.config_dir() + "/apps.d").c_str(), 0755);
  ASSERT_TRUE(WriteFile(berthd.config_dir() + "/apps.d/nt-app.json",
                        ProcessApp("nt-app", Sh("exec sleep 1000")).dump()));
  ASSERT_TRUE(berthd.Start());

  EXPECT_EQ("READY=1", notify.ReceiveEvent());
  EXPECT_EQ(0u, notify.ReceiveEvent().rfind("STATUS=", 0)) << notify.seen();
  // STATUS follows the apps until the one app runs.
  std::string status;
  while ((status = notify.ReceiveEvent()).rfind("STATUS=", 0) == 0 &&
         status != "STATUS=1 app: 1 running") {
  }
  ASSERT_EQ("STATUS=1 app: 1 running", status) << notify.seen();

  uint64_t before = NotifySocket::MonotonicUsec();
  ASSERT_EQ(0, kill(berthd.pid(), SIGHUP));
  std::string reloading = notify.ReceiveEvent(true);
  ASSERT_EQ(0u, reloading.rfind("RELOADING=1\nMONOTONIC_USEC=", 0)) << notify.seen();
  uint64_t stamp = std::stoull(reloading.substr(reloading.find('=', 12) + 1));
  EXPECT_GE(stamp, before);
  EXPECT_LE(stamp, NotifySocket::MonotonicUsec());
  EXPECT_EQ("READY=1", notify.ReceiveEvent(true)) << notify.seen();

  ASSERT_EQ(0, kill(berthd.pid(), SIGTERM));
  EXPECT_EQ("STOPPING=1", notify.ReceiveEvent(true)) << notify.seen();
  EXPECT_EQ(0, berthd.Stop());
}

TEST(NotifyTest, WatchdogIsPingedEveryHalfPeriod) {
  BerthdProcess probe;
  NotifySocket notify(probe.root_dir() + "/notify.sock");
  ASSERT_TRUE(notify.bound());
  const uint64_t period_usec = 400000;
  BerthdProcess berthd(BerthdProcess::Options{
      {"NOTIFY_SOCKET=" + notify.path(), "WATCHDOG_USEC=" + std::to_string(period_usec)}, {}});
  ASSERT_TRUE(berthd.Start());

  std::vector<uint64_t> pings;
  while (pings.size() < 6) {
    uint64_t at = 0;
    std::string message = notify.Receive(milliseconds(2000), &at);
    ASSERT_FALSE(message.empty()) << "no message for 2 s after " << pings.size() << " pings";
    if (message == "WATCHDOG=1") pings.push_back(at);
  }
  for (size_t i = 1; i < pings.size(); ++i) {
    uint64_t gap = pings[i] - pings[i - 1];
    // systemd kills a service that stays silent for a whole period; berth pings at half of it.
    EXPECT_LT(gap, period_usec) << "ping " << i;
    EXPECT_GT(gap, period_usec / 4) << "ping " << i;
  }
}

TEST(NotifyTest, NoNotifySocketMeansNoMessages) {
  BerthdProcess probe;
  NotifySocket notify(probe.root_dir() + "/notify.sock");
  ASSERT_TRUE(notify.bound());
  // The watchdog asks for pings, but without NOTIFY_SOCKET there is nobody to send them to;
  // a NOTIFY_SOCKET given to an app must not make berthd talk to it either.
  BerthdProcess berthd(BerthdProcess::Options{{"WATCHDOG_USEC=100000"}, {}});
  ASSERT_TRUE(berthd.Start());
  ASSERT_EQ(201, berthd
                     .Post("/v1/apps", ProcessApp("nn-app", Sh("exec sleep 1000"),
                                                  {{"env", {{"NOTIFY_SOCKET", notify.path()}}}}))
                     .status);
  ASSERT_TRUE(berthd.WaitForState("nn-app", "running")) << berthd.LastSeen();
  ASSERT_EQ(0, kill(berthd.pid(), SIGHUP));
  EXPECT_EQ(0, berthd.Stop());
  EXPECT_EQ("", notify.Receive(milliseconds(0)));
}

TEST(CredentialsTest, AdminTokenComesFromTheCredentialsDirectory) {
  BerthdProcess probe;
  std::string creds = probe.root_dir() + "/credentials";
  ASSERT_EQ(0, mkdir(creds.c_str(), 0700));
  ASSERT_TRUE(WriteFile(creds + "/admin-token", "token-from-credentials-0123456789\n"));
  BerthdProcess berthd(
      BerthdProcess::Options{{"BERTH_ADMIN_TOKEN", "CREDENTIALS_DIRECTORY=" + creds}, {}});
  ASSERT_TRUE(berthd.Start());
  EXPECT_EQ(401, berthd.Get("/v1/apps").status);  // the harness's own token is not it
  berthd.set_token("token-from-credentials-0123456789");
  EXPECT_EQ(200, berthd.Get("/v1/apps").status);
  struct stat st {};
  EXPECT_NE(0, stat((berthd.state_dir() + "/admin-token").c_str(), &st))
      << "a token was generated although systemd passed one";
}

}  // namespace
}  // namespace berth::testing
