// Black-box tests of berthctl against a real berthd: every command, exit codes, error output.
#include <sstream>

#include "tests/integration/berthd_harness.h"

namespace berth::testing {
namespace {

class BerthctlTest : public BerthdTest {
 protected:
  // Runs berthctl --url ... --token ... <args>, with BERTH_URL/BERTH_TOKEN unset.
  CommandResult Ctl(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {BERTHCTL_PATH, "--url", berthd().base_url(), "--token",
                                     berthd().token()};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv, {"BERTH_URL", "BERTH_TOKEN"});
  }

  void CreateApp(const nlohmann::json& spec) {
    HttpResponse created = berthd().Post("/v1/apps", spec);
    ASSERT_EQ(201, created.status) << created.Describe();
  }
};

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

bool SomeLineEndsWith(const std::string& text, const std::string& suffix) {
  for (std::string line : Lines(text)) {
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
    if (line.size() >= suffix.size() &&
        line.compare(line.size() - suffix.size(), suffix.size(), suffix) == 0) {
      return true;
    }
  }
  return false;
}

TEST_F(BerthctlTest, LsListsApps) {
  CreateApp(ProcessApp("cli-ls-b", Sh("exec sleep 1000"), {{"autostart", false}}));
  CreateApp(ProcessApp("cli-ls-a", Sh("exec sleep 1000")));
  ASSERT_TRUE(berthd().WaitForState("cli-ls-a", "running")) << berthd().LastSeen();

  CommandResult ls = Ctl({"ls"});
  ASSERT_EQ(0, ls.exit_code) << ls.Describe();
  size_t a = ls.out.find("cli-ls-a"), b = ls.out.find("cli-ls-b");
  ASSERT_NE(std::string::npos, a) << ls.out;
  ASSERT_NE(std::string::npos, b) << ls.out;
  EXPECT_LT(a, b) << "sorted by name";
  EXPECT_NE(std::string::npos, ls.out.find("running")) << ls.out;

  CommandResult json = Ctl({"ls", "--json"});
  ASSERT_EQ(0, json.exit_code) << json.Describe();
  nlohmann::json apps = nlohmann::json::parse(json.out, nullptr, false);
  ASSERT_TRUE(apps.is_array()) << json.out;
  ASSERT_EQ(2u, apps.size());
  EXPECT_EQ("cli-ls-a", apps[0].value("name", ""));
}

TEST_F(BerthctlTest, ApplyCreatesThenReplacesFromCommentedFile) {
  std::string file = berthd().root_dir() + "/cli-apply.json";
  auto write = [&](const std::string& value) {
    return WriteFile(file,
                     "// deployed by berthctl\n{\n  \"name\": \"cli-apply\",  // the name\n"
                     "  \"kind\": \"process\",\n  \"command\": \"exec sleep 1000\",\n"
                     "  \"autostart\": false,\n  \"env\": {\"V\": \"" +
                         value + "\"}\n}\n");
  };
  ASSERT_TRUE(write("1"));
  CommandResult created = Ctl({"apply", "-f", file});
  ASSERT_EQ(0, created.exit_code) << created.Describe();
  HttpResponse fetched = berthd().Get("/v1/apps/cli-apply");
  ASSERT_EQ(200, fetched.status) << fetched.Describe();
  EXPECT_EQ("1", fetched.json()["env"].value("V", ""));

  ASSERT_TRUE(write("2"));
  CommandResult replaced = Ctl({"apply", "-f", file});
  ASSERT_EQ(0, replaced.exit_code) << replaced.Describe();
  EXPECT_EQ("2", berthd().Get("/v1/apps/cli-apply").json()["env"].value("V", ""));
}

TEST_F(BerthctlTest, ApplyOfInvalidFileFailsWithTheApiMessage) {
  std::string file = berthd().root_dir() + "/cli-bad.json";
  ASSERT_TRUE(WriteFile(file, R"({"name": "cli-bad", "kind": "process", "command": "x",
                                  "restart": "sometimes"})"));
  HttpResponse direct = berthd().Put("/v1/apps/cli-bad", nlohmann::json::parse(ReadFile(file)));
  ASSERT_EQ(422, direct.status) << direct.Describe();
  std::string message = direct.json()["error"].value("message", "");
  CommandResult result = Ctl({"apply", "-f", file});
  EXPECT_NE(0, result.exit_code) << result.Describe();
  EXPECT_NE(std::string::npos, (result.out + result.err).find(message)) << result.Describe();

  CommandResult missing = Ctl({"apply", "-f", berthd().root_dir() + "/no-such-file.json"});
  EXPECT_NE(0, missing.exit_code) << missing.Describe();
  EXPECT_FALSE(missing.err.empty()) << missing.Describe();
}

TEST_F(BerthctlTest, ShowPrintsTheApp) {
  CreateApp(ProcessApp("cli-show", Sh("exec sleep 1000")));
  ASSERT_TRUE(berthd().WaitForState("cli-show", "running")) << berthd().LastSeen();
  CommandResult show = Ctl({"show", "cli-show"});
  ASSERT_EQ(0, show.exit_code) << show.Describe();
  EXPECT_NE(std::string::npos, show.out.find("cli-show")) << show.out;
  EXPECT_NE(std::string::npos, show.out.find("running")) << show.out;
}

TEST_F(BerthctlTest, StatsOfAProcessApp) {
  CreateApp(ProcessApp("cli-stats", Sh("exec sleep 1000")));
  ASSERT_TRUE(berthd().WaitForState("cli-stats", "running")) << berthd().LastSeen();

  CommandResult stats = Ctl({"stats", "cli-stats"});
  ASSERT_EQ(0, stats.exit_code) << stats.Describe();
  for (const char* line : {"starts:   1", "restarts: 0", "pids:     1"}) {
    EXPECT_NE(std::string::npos, stats.out.find(std::string(line) + "\n")) << stats.out;
  }
  EXPECT_NE(std::string::npos, stats.out.find("\nuptime:   ")) << stats.out;
  EXPECT_NE(std::string::npos, stats.out.find("\ncpu:      ")) << stats.out;
  EXPECT_NE(std::string::npos, stats.out.find("\nmemory:   ")) << stats.out;
  EXPECT_EQ(std::string::npos, stats.out.find("memory:   -")) << "sleep's memory: " << stats.out;

  CommandResult json = Ctl({"stats", "cli-stats", "--json"});
  ASSERT_EQ(0, json.exit_code) << json.Describe();
  nlohmann::json body = nlohmann::json::parse(json.out, nullptr, false);
  ASSERT_TRUE(body.is_object()) << json.out;
  EXPECT_EQ(1, body.value("starts", -1)) << json.out;
  EXPECT_TRUE(body["memory_bytes"].is_number_unsigned()) << json.out;
  EXPECT_TRUE(body["memory_limit_bytes"].is_null()) << json.out;

  CommandResult ghost = Ctl({"stats", "cli-ghost"});
  EXPECT_EQ(1, ghost.exit_code) << ghost.Describe();
  EXPECT_FALSE(ghost.err.empty()) << ghost.Describe();
}

TEST_F(BerthctlTest, StopStartRestart) {
  CreateApp(ProcessApp("cli-ctl", Sh("exec sleep 1000")));
  auto running = berthd().WaitForState("cli-ctl", "running");
  ASSERT_TRUE(running) << berthd().LastSeen();

  CommandResult stop = Ctl({"stop", "cli-ctl"});
  ASSERT_EQ(0, stop.exit_code) << stop.Describe();
  ASSERT_TRUE(berthd().WaitForState("cli-ctl", "stopped")) << berthd().LastSeen();

  CommandResult start = Ctl({"start", "cli-ctl"});
  ASSERT_EQ(0, start.exit_code) << start.Describe();
  auto started = berthd().WaitForNewPid("cli-ctl", AppPid(*running));
  ASSERT_TRUE(started) << berthd().LastSeen();

  CommandResult restart = Ctl({"restart", "cli-ctl"});
  ASSERT_EQ(0, restart.exit_code) << restart.Describe();
  EXPECT_TRUE(berthd().WaitForNewPid("cli-ctl", AppPid(*started))) << berthd().LastSeen();
}

TEST_F(BerthctlTest, LogsShowsTheLastLines) {
  CreateApp(ProcessApp(
      "cli-logs",
      Sh("i=1; while [ $i -le 10 ]; do echo line-$i; i=$((i+1)); done; exec sleep 1000")));
  ASSERT_TRUE(berthd().WaitForLogLine("cli-logs", "line-10")) << berthd().LastSeen();
  CommandResult logs = Ctl({"logs", "cli-logs", "-n", "5"});
  ASSERT_EQ(0, logs.exit_code) << logs.Describe();
  for (int i = 6; i <= 10; ++i) {
    EXPECT_TRUE(SomeLineEndsWith(logs.out, "line-" + std::to_string(i))) << logs.out;
  }
  EXPECT_FALSE(SomeLineEndsWith(logs.out, "line-5")) << logs.out;
  EXPECT_FALSE(SomeLineEndsWith(logs.out, "line-1")) << logs.out;
}

TEST_F(BerthctlTest, RmDeletesTheApp) {
  CreateApp(ProcessApp("cli-rm", Sh("exec sleep 1000"), {{"autostart", false}}));
  CommandResult rm = Ctl({"rm", "cli-rm"});
  ASSERT_EQ(0, rm.exit_code) << rm.Describe();
  EXPECT_EQ(404, berthd().Get("/v1/apps/cli-rm").status);
}

TEST_F(BerthctlTest, HealthReflectsAutostartApps) {
  CommandResult empty = Ctl({"health"});
  EXPECT_EQ(0, empty.exit_code) << "no apps is healthy: " << empty.Describe();

  CreateApp(ProcessApp("cli-health-ok", Sh("exec sleep 1000")));
  ASSERT_TRUE(berthd().WaitForState("cli-health-ok", "running")) << berthd().LastSeen();
  CreateApp(ProcessApp("cli-health-off", Sh("exec sleep 1000"), {{"autostart", false}}));
  CommandResult healthy = Ctl({"health"});
  EXPECT_EQ(0, healthy.exit_code) << healthy.Describe();

  CreateApp(ProcessApp("cli-health-bad", Sh("exit 1"),
                       {{"backoff", {{"initial_ms", 10}, {"max_ms", 20}}}, {"max_retries", 1}}));
  ASSERT_TRUE(berthd().WaitForState("cli-health-bad", "failed")) << berthd().LastSeen();
  CommandResult unhealthy = Ctl({"health"});
  EXPECT_NE(0, unhealthy.exit_code) << unhealthy.Describe();
  EXPECT_NE(std::string::npos, (unhealthy.out + unhealthy.err).find("cli-health-bad"))
      << "say which app is unhealthy: " << unhealthy.Describe();
}

TEST_F(BerthctlTest, HealthFailsWhenDaemonIsDown) {
  std::string url = berthd().base_url();
  ASSERT_EQ(0, berthd().Stop());
  CommandResult result =
      RunCommand({BERTHCTL_PATH, "--url", url, "--token", berthd().token(), "health"},
                 {"BERTH_URL", "BERTH_TOKEN"});
  EXPECT_NE(0, result.exit_code) << result.Describe();
  EXPECT_FALSE(result.err.empty()) << result.Describe();
}

TEST_F(BerthctlTest, ApiErrorPrintsTheMessageAndFails) {
  HttpResponse direct = berthd().Get("/v1/apps/cli-ghost");
  ASSERT_EQ(404, direct.status) << direct.Describe();
  std::string message = direct.json()["error"].value("message", "");
  ASSERT_FALSE(message.empty());
  CommandResult show = Ctl({"show", "cli-ghost"});
  EXPECT_NE(0, show.exit_code) << show.Describe();
  EXPECT_NE(std::string::npos, show.err.find(message)) << "stderr should carry: " << message << "\n"
                                                       << show.Describe();
}

TEST_F(BerthctlTest, WrongTokenFails) {
  CommandResult result =
      RunCommand({BERTHCTL_PATH, "--url", berthd().base_url(), "--token", "not-the-token", "ls"},
                 {"BERTH_URL", "BERTH_TOKEN"});
  EXPECT_NE(0, result.exit_code) << result.Describe();
  EXPECT_FALSE(result.err.empty()) << result.Describe();
}

TEST_F(BerthctlTest, UrlAndTokenFromEnvironment) {
  CreateApp(ProcessApp("cli-env", Sh("exec sleep 1000"), {{"autostart", false}}));
  CommandResult ls = RunCommand({BERTHCTL_PATH, "ls"}, {"BERTH_URL=" + berthd().base_url(),
                                                        "BERTH_TOKEN=" + berthd().token()});
  ASSERT_EQ(0, ls.exit_code) << ls.Describe();
  EXPECT_NE(std::string::npos, ls.out.find("cli-env")) << ls.out;
}

TEST_F(BerthctlTest, UnknownCommandFails) {
  CommandResult result = Ctl({"frobnicate"});
  EXPECT_NE(0, result.exit_code) << result.Describe();
  EXPECT_FALSE(result.err.empty()) << result.Describe();
}

}  // namespace
}  // namespace berth::testing
