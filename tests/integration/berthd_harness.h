// Test harness for black-box tests: runs the real berthd on port 0 with a throwaway state dir
// and talks HTTP (plain requests and Server-Sent Events) to it through libcurl.
#ifndef BERTH_TESTS_INTEGRATION_BERTHD_HARNESS_H_
#define BERTH_TESTS_INTEGRATION_BERTHD_HARNESS_H_

#include <gtest/gtest.h>
#include <sys/types.h>

#include <csignal>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "tests/integration/http_support.h"
#include "tests/integration/sse_client.h"
#include "tests/integration/test_support.h"

namespace berth::testing {

struct HttpResponse {
  long status = 0;                             // 0 when the transfer itself failed
  std::map<std::string, std::string> headers;  // lower-case names; last value wins
  std::string body;
  std::string transport_error;  // libcurl's message when status is 0

  // The body parsed as JSON; a discarded value when it is not JSON.
  nlohmann::json json() const;
  // The value of a header (any case), or "" when absent.
  std::string header(const std::string& name) const;
  // One line for failure messages: "<status> <body>".
  std::string Describe() const;
};

// One HTTP request with libcurl to `url`, over the unix socket `unix_socket` when it is not
// empty (the URL's host is then ignored). A body without a Content-Type line is sent as
// application/json. Gives up after 20 s (status 0, transport_error set).
HttpResponse PerformRequest(const std::string& method, const std::string& url,
                            const std::string& body = "", const HeaderLines& headers = {},
                            const std::string& unix_socket = "");

// One berthd process with its own temp state and config directories.
class BerthdProcess {
 public:
  struct Options {
    std::vector<std::string> extra_env;   // "K=V" added to berthd's environment
    std::vector<std::string> extra_args;  // appended to the command line
    // The config dir's path under the temp root, e.g. "etc/berth", left for the test to make;
    // unset: "config", made empty.
    std::string config_subdir;
    std::optional<rlimit> open_files;     // berthd's RLIMIT_NOFILE; unset: ours
  };

  BerthdProcess();
  explicit BerthdProcess(Options options);
  ~BerthdProcess();
  BerthdProcess(const BerthdProcess&) = delete;
  BerthdProcess& operator=(const BerthdProcess&) = delete;

  // Starts berthd and waits (10 s at most) for <state>/run/listeners to name its TCP port.
  ::testing::AssertionResult Start();
  // SIGTERM, then waits for the exit; returns the exit code (128 + signal if killed by one,
  // -1 if it did not exit within `timeout`, after which it is killed).
  int Stop(milliseconds timeout = milliseconds(30000)) { return StopWith(SIGTERM, timeout); }
  // The same with another signal (SIGINT).
  int StopWith(int signal_number, milliseconds timeout = milliseconds(30000));
  // SIGKILL and reap.
  void Kill9();
  // Starts a new berthd on the same state and config dirs (the old one must be gone).
  ::testing::AssertionResult Restart();
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

  HttpResponse Request(const std::string& method, const std::string& path,
                       const std::string& body = "", const HeaderLines& headers = {});
  HttpResponse Get(const std::string& path, const HeaderLines& headers = {});
  HttpResponse Delete(const std::string& path, const HeaderLines& headers = {});
  HttpResponse Post(const std::string& path, const std::string& body,
                    const HeaderLines& headers = {});
  HttpResponse Post(const std::string& path, const nlohmann::json& body,
                    const HeaderLines& headers = {});
  HttpResponse Put(const std::string& path, const nlohmann::json& body,
                   const HeaderLines& headers = {});
  HttpResponse Patch(const std::string& path, const nlohmann::json& body,
                     const HeaderLines& headers = {});

  // Opens a Server-Sent Events stream on `path` (with the admin token unless `headers`
  // carries an Authorization line).
  std::unique_ptr<SseClient> OpenSse(const std::string& path, const HeaderLines& headers = {});

  // Polls GET /v1/apps/<name> until `match` accepts the app; returns it, or nullopt on
  // timeout. LastSeen() then tells what the app looked like.
  std::optional<nlohmann::json> WaitForApp(const std::string& name,
                                           const std::function<bool(const nlohmann::json&)>& match,
                                           milliseconds timeout = kDefaultTimeout);
  std::optional<nlohmann::json> WaitForState(const std::string& name, const std::string& state,
                                             milliseconds timeout = kDefaultTimeout);
  // A running app whose pid differs from `old_pid`.
  std::optional<nlohmann::json> WaitForNewPid(const std::string& name, long old_pid,
                                              milliseconds timeout = kDefaultTimeout);
  // Polls the app's logs (last 1000) until one line contains `needle`; returns all lines.
  std::optional<nlohmann::json> WaitForLogLine(const std::string& name, const std::string& needle,
                                               milliseconds timeout = kDefaultTimeout);
  const std::string& LastSeen() const { return last_seen_; }

  const std::string& token() const { return token_; }
  // The token requests carry from now on (e.g. one berthd generated itself).
  void set_token(std::string token) { token_ = std::move(token); }
  int port() const { return port_; }
  std::string base_url() const;
  const std::string& root_dir() const { return root_dir_; }
  const std::string& state_dir() const { return state_dir_; }
  const std::string& config_dir() const { return config_dir_; }
  std::string app_dir(const std::string& name) const;
  std::string StderrContents() const;

 private:
  ::testing::AssertionResult Spawn();
  ::testing::AssertionResult WaitForListeners();
  bool ReapIfExited(int* exit_code);
  void KillLeftovers();
  void RemoveCreatedUsers();

  Options options_;
  std::string root_dir_;
  std::string state_dir_;
  std::string config_dir_;
  std::string stderr_path_;
  std::string token_;
  pid_t pid_ = -1;
  int port_ = 0;
  std::string last_seen_;
};

// A test fixture whose berthd is started before each test.
class BerthdTest : public ::testing::Test {
 protected:
  void SetUp() override;
  BerthdProcess& berthd() { return *berthd_; }

  std::unique_ptr<BerthdProcess> berthd_;
};

// --- Small helpers shared by the tests -------------------------------------------------

// {"name":..., "kind":"process", "command":..., "start_seconds":1, "autostart":true} with the
// top-level keys of `extra` replacing or adding to those.
nlohmann::json ProcessApp(const std::string& name, const nlohmann::json& command,
                          const nlohmann::json& extra = nlohmann::json::object());

// An argv running `script` with /bin/sh -c.
nlohmann::json Sh(const std::string& script);

// Checks the contract's error shape: status, {"error":{"code","message"[, "field"]}}.
::testing::AssertionResult IsApiError(const HttpResponse& response, long status,
                                      const std::string& code, const std::string& field = "");

// The pid of an app JSON's status, or 0.
long AppPid(const nlohmann::json& app);
// The status.state of an app JSON, or "".
std::string AppState(const nlohmann::json& app);
// The "line" fields of a logs answer.
std::vector<std::string> LogLines(const nlohmann::json& logs);

}  // namespace berth::testing

#endif  // BERTH_TESTS_INTEGRATION_BERTHD_HARNESS_H_
