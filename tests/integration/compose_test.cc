// Compose apps end to end: berthd deploys stacks from a local git repository (file://) with
// Debian's docker-compose on the shared dockerd, and the tests look at what Docker made of them.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "tests/integration/deploy_support.h"
#include "tests/integration/docker_support.h"
#include "tests/integration/git_repo.h"

namespace berth::testing {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr milliseconds kStackTimeout{60000};

// A service of kTestImage that says `greeting` and stays up, stopping at once on SIGTERM.
std::string Service(const std::string& name, const std::string& greeting,
                    const std::string& extra = "") {
  return "  " + name + ":\n    image: berth-test/busybox:1\n    stop_grace_period: 1s\n" +
         "    command: [\"sh\", \"-c\", \"trap 'exit 0' TERM; echo " + greeting +
         "; while true; do sleep 1; done\"]\n" + extra;
}

// A healthcheck that passes (or fails) within about a second (with room for a busy host).
std::string Healthcheck(bool passes) {
  return std::string("    healthcheck:\n      test: [\"CMD\", \"") + (passes ? "true" : "false") +
         "\"]\n      interval: 1s\n      timeout: 20s\n      retries: " +
         (passes ? "3" : "1") + "\n";
}

// web (plain) and worker (with a healthcheck).
std::string Stack(const std::string& web_greeting, const std::string& worker_greeting,
                  bool healthy = true) {
  return "services:\n" + Service("web", web_greeting) +
         Service("worker", worker_greeting, Healthcheck(healthy));
}

json Services(const json& app) { return app["status"].value("services", json::array()); }

// The Docker id of the one container of `service` in the project of `app`, or "".
std::string ContainerOf(const std::string& app, const std::string& service) {
  json list = ContainersWithLabels(
      {"com.docker.compose.project=berth-" + app, "com.docker.compose.service=" + service}, false);
  return list.is_array() && list.size() == 1 ? list[0].value("Id", "") : "";
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The entry of `logs` whose line has `needle`, or null.
json EntryWith(const json& logs, const std::string& needle) {
  for (const json& entry : logs)
    if (Contains(entry.value("line", ""), needle)) return entry;
  return nullptr;
}

class ComposeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(EnsureTestImage());
    berthd_ = std::make_unique<BerthdProcess>();
    ASSERT_TRUE(berthd_->Start());
    repo_ = std::make_unique<GitRepo>(berthd_->root_dir());
  }

  // berthd goes first, so that it does not start again what the cleanups remove.
  void TearDown() override {
    if (berthd_) berthd_->Stop();
    berthd_.reset();
    cleanups_.clear();
  }

  BerthdProcess& berthd() { return *berthd_; }

  // "cp-<what>-<pid>", its stack removed after the test.
  std::string NewApp(const std::string& what) {
    std::string name = "cp-" + what + "-" + std::to_string(getpid());
    cleanups_.push_back(
        std::make_unique<ContainerCleanup>("com.docker.compose.project=berth-" + name));
    return name;
  }

  json ComposeApp(const json& extra = json::object()) {
    json app = {{"kind", "compose"},
                {"source", {{"git", {{"url", repo_->url()}, {"ref", "main"}}}}},
                {"stop_timeout", 2},
                {"deploy", {{"timeout", 30}}}};
    for (auto it = extra.begin(); it != extra.end(); ++it) app[it.key()] = it.value();
    return app;
  }

  // Waits until the app runs with every service running (and healthy where it checks).
  std::optional<json> WaitForStack(const std::string& app) {
    return berthd().WaitForApp(
        app,
        [](const json& a) {
          if (a["status"].value("state", "") != "running") return false;
          json services = Services(a);
          if (services.empty()) return false;
          for (const json& s : services)
            if (s.value("state", "") != "running" || s["health"] == "starting" ||
                s["health"] == "unhealthy")
              return false;
          return true;
        },
        kStackTimeout);
  }

  // Redeploys and returns the deployment once it ended.
  json Redeploy(const std::string& app) {
    int64_t before = NewestDeploymentId(berthd(), app);
    HttpResponse reply = berthd().Post("/v1/apps/" + app + "/control", json{{"command", "redeploy"}});
    EXPECT_EQ(202, reply.status) << reply.Describe();
    int64_t id = 0;
    EXPECT_TRUE(WaitUntil([&] { return (id = NewestDeploymentId(berthd(), app)) > before; }));
    WaitForDeployment(berthd(), app, id);
    return Deployment(app, id);
  }

  // berthctl <args> against this berthd.
  CommandResult Berthctl(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {BERTHCTL_PATH, "--url", berthd().base_url(), "--token",
                                     berthd().token()};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv, {}, kStackTimeout);
  }

  json Deployment(const std::string& app, int64_t id) {
    return berthd()
        .Get("/v1/apps/" + app + "/deployments/" + std::to_string(id) + "?log=true")
        .json();
  }

  std::unique_ptr<BerthdProcess> berthd_;
  std::unique_ptr<GitRepo> repo_;
  std::vector<std::unique_ptr<ContainerCleanup>> cleanups_;
};

TEST_F(ComposeTest, AFirstDeployRunsEveryServiceAndTheirLogsNameThem) {
  std::string app = NewApp("first");
  repo_->Commit({{"compose.yaml", Stack("hello from web", "hello from worker")}});
  ASSERT_EQ(201, berthd().Put("/v1/apps/" + app, ComposeApp()).status);
  std::optional<json> running = WaitForStack(app);
  ASSERT_TRUE(running) << berthd().LastSeen();
  json services = Services(*running);
  ASSERT_EQ(2u, services.size()) << services;
  EXPECT_EQ("web", services[0]["name"]);
  EXPECT_TRUE(services[0]["health"].is_null()) << services;
  EXPECT_EQ("worker", services[1]["name"]);
  EXPECT_EQ("healthy", services[1]["health"]);
  EXPECT_EQ(1u, services[1]["containers"].size());
  EXPECT_FALSE(ContainerOf(app, "web").empty());

  std::optional<json> logs = berthd().WaitForLogLine(app, "hello from worker", kStackTimeout);
  ASSERT_TRUE(logs) << berthd().LastSeen();
  EXPECT_EQ("worker", EntryWith(*logs, "hello from worker").value("service", "")) << *logs;
  logs = berthd().WaitForLogLine(app, "hello from web", kStackTimeout);
  ASSERT_TRUE(logs);
  EXPECT_EQ("web", EntryWith(*logs, "hello from web").value("service", "")) << *logs;
  CommandResult printed = Berthctl({"logs", app});
  EXPECT_TRUE(Contains(printed.out, "worker | hello from worker")) << printed.Describe();

  json deployment = Deployment(app, NewestDeploymentId(berthd(), app));
  EXPECT_EQ("succeeded", deployment.value("outcome", "")) << deployment;
  std::string log = deployment.value("log", "");
  EXPECT_TRUE(Contains(log, "==> Compose: docker-compose")) << log;
  EXPECT_TRUE(Contains(log, "up -d --remove-orphans")) << log;
}

// The app's health check reaches the service's container at its address on the project's
// network (nothing is published on the host).
TEST_F(ComposeTest, AHealthCheckReachesTheServiceOnTheProjectsNetwork) {
  std::string app = NewApp("health");
  repo_->Commit({{"compose.yaml",
                  "services:\n  web:\n    image: berth-test/busybox:1\n"
                  "    stop_grace_period: 1s\n    command: [\"sh\", \"-c\", \"mkdir -p /www && "
                  "echo ok > /www/index.html && exec httpd -f -p 8080 -h /www\"]\n"}});
  json health = {{"http", "/index.html"}, {"service", "web"}, {"port", 8080}, {"interval", 0.2}};
  ASSERT_EQ(201, berthd().Put("/v1/apps/" + app, ComposeApp({{"health", health}})).status);
  auto health_is = [](const std::string& status) {
    return [status](const json& a) {
      const json& health = a["status"]["health"];
      return health.is_object() && health.value("status", "") == status;
    };
  };
  auto healthy = berthd().WaitForApp(app, health_is("healthy"), kStackTimeout);
  ASSERT_TRUE(healthy) << berthd().LastSeen();
  health = {{"http", nullptr}, {"tcp", true}, {"port", 9}, {"retries", 1}};
  ASSERT_EQ(200, berthd().Patch("/v1/apps/" + app, json{{"health", health}}).status);
  auto unhealthy = berthd().WaitForApp(app, health_is("unhealthy"));
  ASSERT_TRUE(unhealthy) << berthd().LastSeen();
  std::string error = (*unhealthy)["status"]["health"].value("last_error", "");
  json inspect = DockerApi("GET", "/containers/" + ContainerOf(app, "web") + "/json").json();
  std::string address =
      inspect["NetworkSettings"]["Networks"]["berth-" + app + "_default"].value("IPAddress", "");
  ASSERT_FALSE(address.empty()) << inspect["NetworkSettings"];
  EXPECT_TRUE(Contains(error, "connect to " + address + ":9: Connection refused")) << error;
}

TEST_F(ComposeTest, ARedeployRecreatesOnlyTheChangedService) {
  std::string app = NewApp("change");
  repo_->Commit({{"compose.yaml", Stack("web v1", "worker v1")}});
  ASSERT_EQ(201, berthd().Put("/v1/apps/" + app, ComposeApp()).status);
  ASSERT_TRUE(WaitForStack(app)) << berthd().LastSeen();
  std::string web = ContainerOf(app, "web"), worker = ContainerOf(app, "worker");
  ASSERT_FALSE(web.empty());
  std::string since = berthd().Get("/v1/apps/" + app).json()["status"].value("since", "");

  repo_->Commit({{"compose.yaml", Stack("web v2", "worker v1")}});
  json deployment = Redeploy(app);
  EXPECT_EQ("succeeded", deployment.value("outcome", "")) << deployment;
  ASSERT_TRUE(WaitForStack(app)) << berthd().LastSeen();
  EXPECT_NE(web, ContainerOf(app, "web"));
  EXPECT_EQ(worker, ContainerOf(app, "worker"));
  EXPECT_TRUE(berthd().WaitForLogLine(app, "web v2", kStackTimeout));
  // Not stopped and started again by berth: the app stayed running all along.
  EXPECT_EQ(since, berthd().Get("/v1/apps/" + app).json()["status"].value("since", ""));
}

TEST_F(ComposeTest, ABrokenComposeFileFailsAtValidationAndLeavesTheStackAlone) {
  std::string app = NewApp("broken");
  repo_->Commit({{"compose.yaml", Stack("web v1", "worker v1")}});
  ASSERT_EQ(201, berthd().Put("/v1/apps/" + app, ComposeApp()).status);
  ASSERT_TRUE(WaitForStack(app)) << berthd().LastSeen();
  std::string web = ContainerOf(app, "web"), worker = ContainerOf(app, "worker");

  repo_->Commit({{"compose.yaml", "services:\n  web:\n    image: [not, a, string\n"}});
  json deployment = Redeploy(app);
  EXPECT_EQ("failed", deployment.value("outcome", "")) << deployment;
  EXPECT_TRUE(Contains(deployment.value("error", ""), "compose config failed")) << deployment;
  EXPECT_FALSE(Contains(deployment.value("log", ""), "==> up")) << deployment;
  EXPECT_EQ(web, ContainerOf(app, "web"));
  EXPECT_EQ(worker, ContainerOf(app, "worker"));
  EXPECT_EQ("running", berthd().Get("/v1/apps/" + app).json()["status"].value("state", ""));

  // Two env files, which docker-compose v1 cannot take: said plainly, nothing touched.
  repo_->Commit({{"compose.yaml", Stack("web v1", "worker v1")}, {"a.env", "A=1\n"},
                 {"b.env", "B=2\n"}});
  json two = ComposeApp({{"compose", {{"env_files", {"a.env", "b.env"}}}}});
  int64_t before = NewestDeploymentId(berthd(), app);
  ASSERT_EQ(200, berthd().Put("/v1/apps/" + app, two).status);  // deploys the change
  int64_t id = 0;
  ASSERT_TRUE(WaitUntil([&] { return (id = NewestDeploymentId(berthd(), app)) > before; }));
  WaitForDeployment(berthd(), app, id);
  json env_files = Deployment(app, id);
  EXPECT_EQ("failed", env_files.value("outcome", "")) << env_files;
  EXPECT_TRUE(Contains(env_files.value("error", ""), "compose.env_files names 2 files"))
      << env_files;
  EXPECT_EQ(web, ContainerOf(app, "web"));
}

TEST_F(ComposeTest, AServiceThatTurnsUnhealthyRollsTheStackBack) {
  std::string app = NewApp("unhealthy");
  std::string good = repo_->Commit({{"compose.yaml", Stack("web v1", "worker v1")}});
  ASSERT_EQ(201, berthd().Put("/v1/apps/" + app, ComposeApp()).status);
  ASSERT_TRUE(WaitForStack(app)) << berthd().LastSeen();
  std::string release = berthd().Get("/v1/apps/" + app).json()["status"].value("release", "");

  repo_->Commit({{"compose.yaml", Stack("web v1", "worker v2", false)}});
  CommandResult redeploy = Berthctl({"redeploy", app, "--wait"});
  EXPECT_EQ(1, redeploy.exit_code) << redeploy.Describe();
  EXPECT_TRUE(Contains(redeploy.out, "rolled_back")) << redeploy.Describe();
  json deployment = Deployment(app, NewestDeploymentId(berthd(), app));
  EXPECT_EQ("rolled_back", deployment.value("outcome", "")) << deployment;
  EXPECT_TRUE(Contains(deployment.value("error", ""), "unhealthy")) << deployment;
  EXPECT_TRUE(Contains(deployment.value("log", ""), "rolling back to release " + release))
      << deployment;
  std::optional<json> running = WaitForStack(app);
  ASSERT_TRUE(running) << berthd().LastSeen();
  EXPECT_EQ(release, (*running)["status"].value("release", ""));
  // The previous config serves again: worker says v1.
  json inspect = DockerApi("GET", "/containers/" + ContainerOf(app, "worker") + "/json").json();
  EXPECT_TRUE(Contains(inspect["Config"]["Cmd"].dump(), "worker v1")) << inspect["Config"];
}

TEST_F(ComposeTest, IncludesVariablesAndSecretsReachComposeButSecretsNoFile) {
  std::string app = NewApp("vars");
  const std::string secret = "s3cr3t-" + std::to_string(getpid()) + "-value";
  repo_->Commit({{"compose.yaml", "services:\n" + Service("web", "web") +
                                      "    environment:\n      GREETING: ${GREETING}\n"
                                      "      TOKEN: ${API_TOKEN}\n"},
                 {"extra.yaml", "services:\n" + Service("worker", "worker")}});
  const std::string token = "gittok-" + std::to_string(getpid()) + "-value";
  json spec = ComposeApp({{"compose",
                           {{"includes", {"extra.yaml"}}, {"variables", {{"GREETING", "hola"}}}}},
                          {"secrets", {{"API_TOKEN", secret}}}});
  spec["source"]["git"]["token"] = token;
  ASSERT_EQ(201, berthd().Put("/v1/apps/" + app, spec).status);
  std::optional<json> running = WaitForStack(app);
  ASSERT_TRUE(running) << berthd().LastSeen();
  EXPECT_EQ(2u, Services(*running).size());
  json env = DockerApi("GET", "/containers/" + ContainerOf(app, "web") + "/json")
                 .json()["Config"]["Env"];
  EXPECT_TRUE(Contains(env.dump(), "GREETING=hola")) << env;
  EXPECT_TRUE(Contains(env.dump(), "TOKEN=" + secret));

  // Never written to berth's files, logs or answers.
  for (const auto& entry : fs::recursive_directory_iterator(berthd().root_dir())) {
    if (!entry.is_regular_file() || Contains(entry.path().string(), "/origin.git") ||
        Contains(entry.path().string(), "/work/"))
      continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_FALSE(Contains(text.str(), secret)) << entry.path();
    EXPECT_FALSE(Contains(text.str(), token)) << entry.path();
  }
  for (const std::string& answer :
       {berthd().Get("/v1/apps/" + app).body, berthd().Get("/v1/apps/" + app + "/logs").body,
        Deployment(app, NewestDeploymentId(berthd(), app)).dump()}) {
    EXPECT_FALSE(Contains(answer, secret)) << answer;
    EXPECT_FALSE(Contains(answer, token)) << answer;
  }
  json deployment = Deployment(app, NewestDeploymentId(berthd(), app));
  EXPECT_TRUE(Contains(deployment.value("log", ""), "rendered config")) << deployment;
}

TEST_F(ComposeTest, ByHandRollbackBringsAnEarlierReleaseUp) {
  std::string app = NewApp("rollback");
  repo_->Commit({{"compose.yaml", Stack("web v1", "worker v1")}});
  ASSERT_EQ(201, berthd().Put("/v1/apps/" + app, ComposeApp()).status);
  ASSERT_TRUE(WaitForStack(app)) << berthd().LastSeen();
  std::string first = berthd().Get("/v1/apps/" + app).json()["status"].value("release", "");
  repo_->Commit({{"compose.yaml", Stack("web v2", "worker v1")}});
  ASSERT_EQ("succeeded", Redeploy(app).value("outcome", ""));

  int64_t before = NewestDeploymentId(berthd(), app);
  HttpResponse reply = berthd().Post("/v1/apps/" + app + "/control",
                                     json{{"command", "rollback"}, {"release", first}});
  ASSERT_EQ(202, reply.status) << reply.Describe();
  int64_t id = 0;
  ASSERT_TRUE(WaitUntil([&] { return (id = NewestDeploymentId(berthd(), app)) > before; }));
  WaitForDeployment(berthd(), app, id);
  json deployment = Deployment(app, id);
  EXPECT_EQ("succeeded", deployment.value("outcome", "")) << deployment;
  EXPECT_FALSE(Contains(deployment.value("log", ""), "pull")) << deployment;
  std::optional<json> running = berthd().WaitForApp(
      app, [&](const json& a) { return a["status"].value("release", "") == first; },
      kStackTimeout);
  ASSERT_TRUE(running) << berthd().LastSeen();
  json inspect = DockerApi("GET", "/containers/" + ContainerOf(app, "web") + "/json").json();
  EXPECT_TRUE(Contains(inspect["Config"]["Cmd"].dump(), "web v1")) << inspect["Config"];
}

TEST_F(ComposeTest, ARestartedBerthdAdoptsTheStackAndFailsTheDeploymentItLost) {
  std::string app = NewApp("adopt");
  repo_->Commit({{"compose.yaml", Stack("web v1", "worker v1")}});
  ASSERT_EQ(201, berthd().Put("/v1/apps/" + app, ComposeApp()).status);
  ASSERT_TRUE(WaitForStack(app)) << berthd().LastSeen();
  std::string web = ContainerOf(app, "web"), worker = ContainerOf(app, "worker");

  // Killed while a deployment waits for a service whose first healthcheck is a minute away.
  repo_->Commit({{"compose.yaml",
                  "services:\n" + Service("web", "web v1") +
                      Service("worker", "worker v2",
                              "    healthcheck:\n      test: [\"CMD\", \"true\"]\n"
                              "      interval: 60s\n")}});
  int64_t before = NewestDeploymentId(berthd(), app);
  ASSERT_EQ(202, berthd().Post("/v1/apps/" + app + "/control", json{{"command", "redeploy"}}).status);
  int64_t lost = 0;
  ASSERT_TRUE(WaitUntil([&] { return (lost = NewestDeploymentId(berthd(), app)) > before; }));
  // The log is stored every half second: "waiting" shows once `up` is over.
  ASSERT_TRUE(WaitUntil([&] { return Contains(Deployment(app, lost).dump(), "==> waiting"); },
                        kStackTimeout))
      << Deployment(app, lost);
  berthd().Kill9();
  worker = ContainerOf(app, "worker");  // what runs now
  ASSERT_TRUE(berthd().Restart());
  json deployment = Deployment(app, lost);
  EXPECT_EQ("failed", deployment.value("outcome", "")) << deployment;
  std::optional<json> adopted = berthd().WaitForState(app, "running", kStackTimeout);
  ASSERT_TRUE(adopted) << berthd().LastSeen();
  EXPECT_EQ(web, ContainerOf(app, "web"));
  EXPECT_EQ(worker, ContainerOf(app, "worker"));
  EXPECT_EQ(2u, Services(*adopted).size()) << *adopted;
}

TEST_F(ComposeTest, ControlVerbsStopPauseAndStartTheStack) {
  std::string app = NewApp("verbs");
  repo_->Commit({{"compose.yaml", Stack("web v1", "worker v1")}});
  ASSERT_EQ(201, berthd().Put("/v1/apps/" + app, ComposeApp()).status);
  ASSERT_TRUE(WaitForStack(app)) << berthd().LastSeen();
  auto control = [&](const std::string& command) {
    HttpResponse reply = berthd().Post("/v1/apps/" + app + "/control", json{{"command", command}});
    EXPECT_EQ(202, reply.status) << reply.Describe();
  };
  control("pause");
  ASSERT_TRUE(berthd().WaitForState(app, "paused", kStackTimeout)) << berthd().LastSeen();
  control("unpause");
  ASSERT_TRUE(berthd().WaitForState(app, "running", kStackTimeout)) << berthd().LastSeen();
  control("stop");
  ASSERT_TRUE(berthd().WaitForState(app, "stopped", kStackTimeout)) << berthd().LastSeen();
  EXPECT_TRUE(ContainerOf(app, "web").empty());
  control("start");
  ASSERT_TRUE(WaitForStack(app)) << berthd().LastSeen();
  json stats = berthd().Get("/v1/apps/" + app + "/stats").json();
  EXPECT_EQ(2u, stats.value("services", json::array()).size()) << stats;
  EXPECT_TRUE(stats["memory_bytes"].is_number()) << stats;
}

}  // namespace
}  // namespace berth::testing
