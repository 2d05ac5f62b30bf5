// Black-box tests of process apps: commands, environment, working directory, failing execs.
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <regex>

#include "tests/integration/berthd_harness.h"

namespace berth::testing {
namespace {

using ProcessTest = BerthdTest;

std::string RealPath(const std::string& path) {
  char buf[PATH_MAX];
  return realpath(path.c_str(), buf) != nullptr ? std::string(buf) : path;
}

TEST_F(ProcessTest, ArgvCommandReachesRunning) {
  HttpResponse created = berthd().Post(
      "/v1/apps",
      ProcessApp("proc-argv", Sh("echo hello; exec sleep 1000"), {{"autostart", true}}));
  ASSERT_EQ(201, created.status) << created.Describe();
  auto running = berthd().WaitForState("proc-argv", "running");
  ASSERT_TRUE(running) << berthd().LastSeen();
  pid_t pid = static_cast<pid_t>(AppPid(*running));
  ASSERT_GT(pid, 0) << running->dump();
  EXPECT_TRUE(ProcessAlive(pid));
  EXPECT_EQ(0, kill(pid, 0));
  const nlohmann::json& status = (*running)["status"];
  EXPECT_TRUE(status.value("since", nlohmann::json()).is_string()) << status.dump();
  EXPECT_EQ(0, status.value("restarts", -1)) << status.dump();
  EXPECT_TRUE(status.value("exit_code", nlohmann::json(0)).is_null()) << status.dump();
  EXPECT_TRUE(berthd().WaitForLogLine("proc-argv", "hello")) << berthd().LastSeen();
}

TEST_F(ProcessTest, StringCommandRunsThroughShell) {
  HttpResponse created =
      berthd().Post("/v1/apps", ProcessApp("proc-string", "echo sum=$((40+2)); exec sleep 1000"));
  ASSERT_EQ(201, created.status) << created.Describe();
  auto running = berthd().WaitForState("proc-string", "running");
  ASSERT_TRUE(running) << berthd().LastSeen();
  auto logs = berthd().WaitForLogLine("proc-string", "sum=42");
  EXPECT_TRUE(logs) << berthd().LastSeen();
}

TEST_F(ProcessTest, EnvPortAndWorkingDirectory) {
  nlohmann::json spec =
      ProcessApp("proc-env", Sh("echo greeting=$GREETING port=$PORT; exec sleep 1000"),
                 {{"env", {{"GREETING", "hello-berth"}}}, {"port", 18473}});
  ASSERT_EQ(201, berthd().Post("/v1/apps", spec).status);
  auto running = berthd().WaitForState("proc-env", "running");
  ASSERT_TRUE(running) << berthd().LastSeen();
  pid_t pid = static_cast<pid_t>(AppPid(*running));

  EXPECT_TRUE(berthd().WaitForLogLine("proc-env", "greeting=hello-berth port=18473"))
      << berthd().LastSeen();
  std::map<std::string, std::string> env = ProcessEnv(pid);
  EXPECT_EQ("hello-berth", env["GREETING"]);
  EXPECT_EQ("18473", env["PORT"]);
  for (const char* name : {"PATH", "HOME", "TMPDIR", "XDG_CACHE_HOME"}) {
    EXPECT_FALSE(env[name].empty()) << name << " is not set";
  }
  EXPECT_EQ(0u, env.count("BERTH_ADMIN_TOKEN")) << "the admin token leaked into an app";
  for (const auto& [key, value] : env) {
    EXPECT_EQ(std::string::npos, value.find(berthd().token())) << key << " carries the token";
  }
  EXPECT_EQ(RealPath(berthd().app_dir("proc-env")), ProcessCwd(pid));
}

TEST_F(ProcessTest, CustomDirectoryIsTheWorkingDirectory) {
  std::string dir = berthd().root_dir() + "/custom-dir";
  ASSERT_EQ(0, mkdir(dir.c_str(), 0755));
  ASSERT_EQ(201, berthd()
                     .Post("/v1/apps",
                           ProcessApp("proc-dir", Sh("pwd; exec sleep 1000"), {{"directory", dir}}))
                     .status);
  auto running = berthd().WaitForState("proc-dir", "running");
  ASSERT_TRUE(running) << berthd().LastSeen();
  EXPECT_EQ(RealPath(dir), ProcessCwd(static_cast<pid_t>(AppPid(*running))));
  EXPECT_EQ(dir, running->value("directory", ""));
}

TEST_F(ProcessTest, MissingExecutableEndsFailedWithAReason) {
  nlohmann::json spec =
      ProcessApp("proc-noexec", nlohmann::json::array({"/nonexistent/berth-test-binary"}),
                 {{"backoff", {{"initial_ms", 10}, {"max_ms", 50}}}, {"max_retries", 2}});
  ASSERT_EQ(201, berthd().Post("/v1/apps", spec).status);
  auto failed = berthd().WaitForState("proc-noexec", "failed");
  ASSERT_TRUE(failed) << berthd().LastSeen();
  const nlohmann::json& status = (*failed)["status"];
  nlohmann::json last_error = status.value("last_error", nlohmann::json());
  nlohmann::json exit_code = status.value("exit_code", nlohmann::json());
  EXPECT_TRUE((last_error.is_string() && !last_error.get<std::string>().empty()) ||
              exit_code == 127)
      << "a user should see why it failed: " << status.dump();
}

TEST_F(ProcessTest, AutostartFalseStaysStoppedUntilStarted) {
  ASSERT_EQ(201, berthd()
                     .Post("/v1/apps",
                           ProcessApp("proc-manual", Sh("exec sleep 1000"), {{"autostart", false}}))
                     .status);
  HttpResponse fetched = berthd().Get("/v1/apps/proc-manual");
  EXPECT_EQ("stopped", AppState(fetched.json())) << fetched.Describe();
  EXPECT_EQ(0, AppPid(fetched.json()));
  HttpResponse started =
      berthd().Post("/v1/apps/proc-manual/control", nlohmann::json{{"command", "start"}});
  EXPECT_EQ(202, started.status) << started.Describe();
  EXPECT_TRUE(berthd().WaitForState("proc-manual", "running")) << berthd().LastSeen();
}

TEST_F(ProcessTest, TimestampsAreRfc3339UtcWithMilliseconds) {
  ASSERT_EQ(201, berthd().Post("/v1/apps", ProcessApp("proc-time", Sh("exec sleep 1000"))).status);
  auto running = berthd().WaitForState("proc-time", "running");
  ASSERT_TRUE(running) << berthd().LastSeen();
  std::string since = (*running)["status"].value("since", "");
  EXPECT_TRUE(std::regex_match(since, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")))
      << since;
}

}  // namespace
}  // namespace berth::testing
