// Container apps end to end: berthd drives the shared dockerd through the Engine API, and the
// tests look at what Docker made of it (inspect, the CLI, published ports, a private registry).
#include <unistd.h>

#include <ctime>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "tests/integration/docker_support.h"
#include "tests/integration/socket_proxy.h"

namespace berth::testing {
namespace {

using nlohmann::json;

// Pulls, creates and starts take longer than a fork.
constexpr milliseconds kDockerTimeout{30000};
constexpr int64_t kMiB = 1024 * 1024;

std::string ContainerName(const std::string& app) { return "berth-" + app; }

json Inspect(const std::string& app) {
  return DockerApi("GET", "/containers/" + ContainerName(app) + "/json").json();
}

bool ContainerExists(const std::string& app) {
  return DockerApi("GET", "/containers/" + ContainerName(app) + "/json").status == 200;
}

bool Contains(const json& list, const std::string& item) {
  if (!list.is_array()) return false;
  for (const json& entry : list)
    if (entry == item) return true;
  return false;
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A container app of kTestImage with the top-level keys of `extra` replacing or adding.
json ContainerApp(const std::string& name, const json& extra = json::object()) {
  json app = {{"name", name}, {"kind", "container"}, {"image", kTestImage}, {"start_seconds", 0.5}};
  for (auto it = extra.begin(); it != extra.end(); ++it) app[it.key()] = it.value();
  return app;
}

json ShArgv(const std::string& script) { return {"sh", "-c", script}; }

class ContainerTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(EnsureTestImage()); }

  // berthd goes first, so that it does not start again what the cleanups remove.
  void TearDown() override {
    berthd_.reset();
    cleanups_.clear();
    registry_.reset();
  }

  ::testing::AssertionResult StartBerthd(BerthdProcess::Options options = {}) {
    berthd_ = std::make_unique<BerthdProcess>(std::move(options));
    return berthd_->Start();
  }
  BerthdProcess& berthd() { return *berthd_; }

  // "ct-<what>-<pid>" (the shared dockerd may serve another run of these tests), with its
  // containers removed after the test.
  std::string NewApp(const std::string& what) {
    std::string name = "ct-" + what + "-" + std::to_string(getpid());
    cleanups_.push_back(std::make_unique<ContainerCleanup>("berth.app=" + name));
    return name;
  }
  void CleanUpLabel(const std::string& label) {
    cleanups_.push_back(std::make_unique<ContainerCleanup>(label));
  }

  ::testing::AssertionResult Create(const json& app) {
    HttpResponse created = berthd().Post("/v1/apps", app);
    if (created.status == 201) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "create " << app.dump() << ": " << created.Describe();
  }

  std::optional<json> WaitRunning(const std::string& name, milliseconds timeout = kDockerTimeout) {
    return berthd().WaitForState(name, "running", timeout);
  }

  // Waits until `name` runs again in a container other than `old_id`.
  std::optional<json> WaitForNewContainer(const std::string& name, const std::string& old_id) {
    return berthd().WaitForApp(
        name,
        [&](const json& app) {
          return AppState(app) == "running" && !ContainerId(app).empty() &&
                 ContainerId(app) != old_id;
        },
        kDockerTimeout);
  }

  HttpResponse Control(const std::string& name, const std::string& command) {
    return berthd().Post("/v1/apps/" + name + "/control", json{{"command", command}});
  }

  std::unique_ptr<BerthdProcess> berthd_;
  std::vector<std::unique_ptr<ContainerCleanup>> cleanups_;
  std::unique_ptr<PrivateRegistry> registry_;  // goes after the containers that use its images
};

TEST_F(ContainerTest, LifecycleMakesAConfinedContainerThatStopsStartsAndGoesAway) {
  ASSERT_TRUE(StartBerthd());
  std::string name = NewApp("life");
  int port = FreeTcpPort();
  ASSERT_TRUE(Create(ContainerApp(
      name, {{"command", ShArgv("echo out; echo err >&2; exec httpd -f -p 80")},
             {"ports", {{{"host", port}, {"container", 80}}}},
             {"env", {{"MODE", "prod"}}},
             {"secrets", {{"DB_PASSWORD", "s3cret"}}},
             {"limits", {{"memory", "64M"}, {"cpus", 0.5}, {"pids", 100}}}})));
  auto running = WaitRunning(name);
  ASSERT_TRUE(running) << berthd().LastSeen();
  std::string id = ContainerId(*running);
  ASSERT_FALSE(id.empty()) << running->dump();

  json inspected = Inspect(name);
  EXPECT_EQ(id, inspected.value("Id", ""));
  const json& labels = inspected["Config"]["Labels"];
  EXPECT_EQ(name, labels.value("berth.app", "")) << labels.dump();
  EXPECT_FALSE(labels.value("berth.spec", "").empty()) << labels.dump();
  const json& host = inspected["HostConfig"];
  EXPECT_EQ("no", host["RestartPolicy"].value("Name", "")) << "berth supervises, not Docker";
  EXPECT_TRUE(Contains(host["SecurityOpt"], "no-new-privileges")) << host["SecurityOpt"].dump();
  EXPECT_EQ(64 * kMiB, host.value("Memory", int64_t{0}));
  EXPECT_EQ(500000000, host.value("NanoCpus", int64_t{0}));
  EXPECT_EQ(100, host.value("PidsLimit", int64_t{0}));
  EXPECT_TRUE(Contains(inspected["Config"]["Env"], "MODE=prod")) << inspected["Config"]["Env"];
  EXPECT_TRUE(Contains(inspected["Config"]["Env"], "DB_PASSWORD=s3cret"));

  // busybox httpd has no index: 404 is its answer.
  std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
  HttpResponse page;
  EXPECT_TRUE(WaitUntil([&] { return (page = PerformRequest("GET", url)).status == 404; }))
      << url << ": " << page.Describe();

  ASSERT_EQ(202, Control(name, "stop").status);
  ASSERT_TRUE(berthd().WaitForState(name, "stopped", kDockerTimeout)) << berthd().LastSeen();
  EXPECT_FALSE(Inspect(name)["State"].value("Running", true)) << "stopped app, running container";

  ASSERT_EQ(202, Control(name, "start").status);
  running = WaitRunning(name);
  ASSERT_TRUE(running) << berthd().LastSeen();
  EXPECT_TRUE(Inspect(name)["State"].value("Running", false));
  EXPECT_TRUE(WaitUntil([&] { return (page = PerformRequest("GET", url)).status == 404; }))
      << url << ": " << page.Describe();

  HttpResponse deleted = berthd().Delete("/v1/apps/" + name);
  EXPECT_EQ(204, deleted.status) << deleted.Describe();
  EXPECT_TRUE(WaitUntil([&] { return !ContainerExists(name); }))
      << "the container of a deleted app is left behind: " << Inspect(name)["State"].dump();
}

// Lines of `name`'s log in {out1, err1, out2} as "stream:line".
std::vector<std::string> MarkedLines(const json& entries) {
  std::vector<std::string> marked;
  for (const json& entry : entries) {
    std::string line = entry.value("line", "");
    if (line == "out1" || line == "err1" || line == "out2")
      marked.push_back(entry.value("stream", "") + ":" + line);
  }
  return marked;
}

TEST_F(ContainerTest, LogsKeepBothStreamsInOrderInTheListAndTheFollowStream) {
  ASSERT_TRUE(StartBerthd());
  std::string name = NewApp("logs");
  ASSERT_TRUE(Create(ContainerApp(
      name, {{"command", ShArgv("sleep 0.3; echo out1; sleep 0.2; echo err1 >&2; sleep 0.2; "
                                "echo out2; exec sleep 1000")}})));
  auto logs = berthd().WaitForLogLine(name, "out2", kDockerTimeout);
  ASSERT_TRUE(logs) << berthd().LastSeen();
  std::vector<std::string> expected = {"stdout:out1", "stderr:err1", "stdout:out2"};
  EXPECT_EQ(expected, MarkedLines(*logs)) << logs->dump();

  auto follow = berthd().OpenSse("/v1/apps/" + name + "/logs?follow=true&entries=100");
  ASSERT_EQ(200, follow->WaitForStatus());
  auto last = follow->WaitForEvent(
      [](const SseEvent& event) { return event.json().value("line", "") == "out2"; });
  ASSERT_TRUE(last) << follow->RawBody();
  json streamed = json::array();
  for (const SseEvent& event : follow->AllEvents())
    if (event.event == "log") streamed.push_back(event.json());
  EXPECT_EQ(expected, MarkedLines(streamed)) << follow->RawBody();
}

TEST_F(ContainerTest, ContainerKilledWithTheDockerCliIsRestarted) {
  ASSERT_TRUE(StartBerthd());
  std::string name = NewApp("kill");
  ASSERT_TRUE(Create(ContainerApp(name)));
  auto running = WaitRunning(name);
  ASSERT_TRUE(running) << berthd().LastSeen();
  std::string id = ContainerId(*running);

  CommandResult killed = DockerCli({"kill", ContainerName(name)});
  ASSERT_EQ(0, killed.exit_code) << killed.Describe();
  auto again = WaitForNewContainer(name, id);
  ASSERT_TRUE(again) << berthd().LastSeen();
  EXPECT_GE(Restarts(*again), 1) << again->dump();
  EXPECT_TRUE(Inspect(name)["State"].value("Running", false));
}

TEST_F(ContainerTest, ContainerThatKeepsExitingFailsWithItsExitCode) {
  ASSERT_TRUE(StartBerthd());
  std::string name = NewApp("crash");
  ASSERT_TRUE(Create(ContainerApp(name, {{"command", ShArgv("exit 3")},
                                         {"start_seconds", 1},
                                         {"backoff", {{"initial_ms", 50}, {"max_ms", 100}}},
                                         {"max_retries", 2}})));
  auto failed = berthd().WaitForState(name, "failed", kDockerTimeout);
  ASSERT_TRUE(failed) << berthd().LastSeen();
  EXPECT_EQ(3, failed->at("status").value("exit_code", -1)) << failed->dump();
}

TEST_F(ContainerTest, StatsGiveTheContainersMemoryAndItsLimit) {
  ASSERT_TRUE(StartBerthd());
  std::string name = NewApp("stats");
  ASSERT_TRUE(Create(ContainerApp(name, {{"limits", {{"memory", "64M"}}}})));
  ASSERT_TRUE(WaitRunning(name)) << berthd().LastSeen();
  HttpResponse stats;
  ASSERT_TRUE(WaitUntil([&] {
    stats = berthd().Get("/v1/apps/" + name + "/stats");
    json body = stats.json();
    return stats.status == 200 && body.is_object() && body["memory_bytes"].is_number() &&
           body["memory_bytes"].get<int64_t>() > 0;
  }, kDockerTimeout))
      << stats.Describe();
  json body = stats.json();
  EXPECT_EQ(64 * kMiB, body.value("memory_limit_bytes", int64_t{0})) << stats.body;
  EXPECT_TRUE(body["pids"].is_number() && body["pids"].get<int>() >= 1) << stats.body;
  EXPECT_TRUE(body["cpu_percent"].is_number()) << stats.body;
}

TEST_F(ContainerTest, EnvChangeRecreatesTheContainerAndALimitsChangeUpdatesItInPlace) {
  ASSERT_TRUE(StartBerthd());
  std::string name = NewApp("patch");
  ASSERT_TRUE(Create(ContainerApp(name, {{"env", {{"MODE", "prod"}}},
                                         {"limits", {{"memory", "64M"}}}})));
  auto running = WaitRunning(name);
  ASSERT_TRUE(running) << berthd().LastSeen();
  std::string first = ContainerId(*running);

  HttpResponse patched = berthd().Patch("/v1/apps/" + name, json{{"env", {{"MODE", "dev"}}}});
  ASSERT_EQ(200, patched.status) << patched.Describe();
  auto recreated = WaitForNewContainer(name, first);
  ASSERT_TRUE(recreated) << berthd().LastSeen();
  std::string second = ContainerId(*recreated);
  json env = Inspect(name)["Config"]["Env"];
  EXPECT_TRUE(Contains(env, "MODE=dev")) << env;
  EXPECT_FALSE(Contains(env, "MODE=prod")) << env;

  patched = berthd().Patch("/v1/apps/" + name, json{{"limits", {{"memory", "128M"}}}});
  ASSERT_EQ(200, patched.status) << patched.Describe();
  json inspected;
  EXPECT_TRUE(WaitUntil([&] {
    inspected = Inspect(name);
    return inspected["HostConfig"].value("Memory", int64_t{0}) == 128 * kMiB;
  })) << inspected["HostConfig"].dump();
  EXPECT_EQ(second, inspected.value("Id", "")) << "a limits change made a new container";
  auto now = berthd().Get("/v1/apps/" + name).json();
  EXPECT_EQ("running", AppState(now)) << now.dump();
  EXPECT_EQ(second, ContainerId(now)) << now.dump();
}

TEST_F(ContainerTest, BerthdKilledAndRestartedAdoptsTheRunningContainer) {
  ASSERT_TRUE(StartBerthd());
  std::string name = NewApp("adopt");
  ASSERT_TRUE(Create(ContainerApp(name)));
  auto running = WaitRunning(name);
  ASSERT_TRUE(running) << berthd().LastSeen();
  std::string id = ContainerId(*running);
  std::string started_at = Inspect(name)["State"].value("StartedAt", "");

  berthd().Kill9();
  ASSERT_TRUE(berthd().Restart());
  auto adopted = WaitRunning(name);
  ASSERT_TRUE(adopted) << berthd().LastSeen();
  EXPECT_EQ(id, ContainerId(*adopted)) << adopted->dump();
  EXPECT_EQ(0, Restarts(*adopted)) << adopted->dump();
  json state = Inspect(name)["State"];
  EXPECT_EQ(started_at, state.value("StartedAt", "")) << "the container was started again";
  EXPECT_TRUE(state.value("Running", false));
}

TEST_F(ContainerTest, DockerGoingAwayAndComingBackNeitherBreaksNorRestartsApps) {
  ScratchDir dir("berth-docker-proxy");
  std::string socket = dir.path() + "/docker.sock";
  UnixSocketProxy proxy(socket, kDockerSocket);
  ASSERT_TRUE(StartBerthd({.extra_args = {"--docker-host", "unix://" + socket}}));
  std::string name = NewApp("down");
  std::string process = NewApp("proc");

  ASSERT_TRUE(Create(ContainerApp(name)));
  auto waiting = berthd().WaitForApp(name, [](const json& app) {
    return Contains(LastError(app), "Docker is not reachable at unix://");
  });
  ASSERT_TRUE(waiting) << berthd().LastSeen();
  EXPECT_EQ("starting", AppState(*waiting)) << waiting->dump();
  EXPECT_TRUE(IsApiError(Control(name, "start"), 503, "unavailable"));
  ASSERT_TRUE(Create(ProcessApp(process, Sh("exec sleep 1000"))));
  EXPECT_TRUE(berthd().WaitForState(process, "running")) << berthd().LastSeen();

  ASSERT_TRUE(proxy.Start());
  auto running = WaitRunning(name);
  ASSERT_TRUE(running) << berthd().LastSeen();
  EXPECT_EQ("", LastError(*running)) << running->dump();
  std::string id = ContainerId(*running);
  std::string started_at = Inspect(name)["State"].value("StartedAt", "");

  proxy.Stop();
  EXPECT_TRUE(berthd().WaitForApp(name, [](const json& app) {
    return Contains(LastError(app), "Docker is not reachable");
  })) << "Docker went away and the app does not say so: " << berthd().LastSeen();
  ASSERT_TRUE(proxy.Start());
  auto back = berthd().WaitForApp(
      name, [](const json& app) { return AppState(app) == "running" && LastError(app).empty(); },
      kDockerTimeout);
  ASSERT_TRUE(back) << berthd().LastSeen();
  EXPECT_EQ(id, ContainerId(*back)) << back->dump();
  EXPECT_EQ(0, Restarts(*back)) << back->dump();
  EXPECT_EQ(started_at, Inspect(name)["State"].value("StartedAt", ""))
      << "the container was restarted";
  EXPECT_EQ("running", AppState(berthd().Get("/v1/apps/" + process).json()));
}

TEST_F(ContainerTest, ContainerRemovedBehindBerthsBackIsMadeAgain) {
  ASSERT_TRUE(StartBerthd());
  std::string name = NewApp("removed");
  ASSERT_TRUE(Create(ContainerApp(name)));
  auto running = WaitRunning(name);
  ASSERT_TRUE(running) << berthd().LastSeen();
  std::string id = ContainerId(*running);

  CommandResult removed = DockerCli({"rm", "-f", ContainerName(name)});
  ASSERT_EQ(0, removed.exit_code) << removed.Describe();
  auto again = WaitForNewContainer(name, id);
  ASSERT_TRUE(again) << berthd().LastSeen();
  EXPECT_TRUE(Inspect(name)["State"].value("Running", false));
}

TEST_F(ContainerTest, InvalidDefinitionsAreRefusedNamingTheField) {
  ASSERT_TRUE(StartBerthd());
  std::string name = NewApp("invalid");
  json no_image = ContainerApp(name);
  no_image.erase("image");
  EXPECT_TRUE(IsApiError(berthd().Post("/v1/apps", no_image), 422, "invalid", "image"));
  EXPECT_TRUE(IsApiError(
      berthd().Post("/v1/apps", ContainerApp(name, {{"limits", {{"memory", "lots"}}}})), 422,
      "invalid", "limits.memory"));
  EXPECT_TRUE(IsApiError(
      berthd().Post("/v1/apps",
                    ContainerApp(name, {{"ports", {{{"host", 70000}, {"container", 80}}}}})),
      422, "invalid", "ports[0].host"));
  EXPECT_TRUE(IsApiError(berthd().Post("/v1/apps", ContainerApp(name, {{"directory", "/srv"}})),
                         422, "invalid", "directory"));
  EXPECT_EQ(404, berthd().Get("/v1/apps/" + name).status) << "a refused app was kept";
}

TEST_F(ContainerTest, AContainerBerthDidNotMakeKeepsItsNameAndTheAppSaysWhy) {
  ASSERT_TRUE(StartBerthd());
  std::string name = NewApp("foreign");
  CleanUpLabel("berth.test=" + name);
  CommandResult made = DockerCli(
      {"create", "--name", ContainerName(name), "--label", "berth.test=" + name, kTestImage});
  ASSERT_EQ(0, made.exit_code) << made.Describe();
  std::string foreign_id = Inspect(name).value("Id", "");

  ASSERT_TRUE(Create(ContainerApp(name, {{"max_retries", 1}})));
  auto refused = berthd().WaitForApp(name, [](const json& app) {
    return Contains(LastError(app), "berth did not make it");
  }, kDockerTimeout);
  ASSERT_TRUE(refused) << berthd().LastSeen();
  EXPECT_TRUE(Contains(LastError(*refused), ContainerName(name))) << refused->dump();
  EXPECT_NE("running", AppState(*refused));
  EXPECT_EQ(foreign_id, Inspect(name).value("Id", "")) << "berth replaced a container not its own";
}

TEST_F(ContainerTest, PrivateRegistryImagePullsWithItsPasswordAndNeverShowsIt) {
  ASSERT_TRUE(StartBerthd());
  registry_ = std::make_unique<PrivateRegistry>();
  std::string password = "pw-" + std::to_string(getpid()) + "-registry";
  ASSERT_TRUE(registry_->Start("alice", password));
  ASSERT_TRUE(registry_->Push(kTestImage, "x/busybox:1"));
  std::string image = registry_->Image("x/busybox:1");

  // The wrong password first: the image is not local yet, so the pull is really tried.
  std::string wrong = NewApp("reg-bad");
  ASSERT_TRUE(Create(ContainerApp(wrong, {{"image", image},
                                          {"registry_auth", {{"username", "alice"},
                                                             {"password", "not-" + password}}},
                                          {"max_retries", 1}})));
  auto refused = berthd().WaitForApp(wrong, [](const json& app) {
    return Contains(LastError(app), "cannot pull");
  }, kDockerTimeout);
  ASSERT_TRUE(refused) << berthd().LastSeen();
  EXPECT_TRUE(Contains(LastError(*refused), "unauthorized")) << refused->dump();
  EXPECT_NE("running", AppState(*refused));

  std::string right = NewApp("reg-ok");
  ASSERT_TRUE(Create(ContainerApp(
      right, {{"image", image}, {"registry_auth", {{"username", "alice"}, {"password", password}}}})));
  auto running = WaitRunning(right);
  ASSERT_TRUE(running) << berthd().LastSeen();
  EXPECT_EQ(image, Inspect(right)["Config"].value("Image", ""));

  for (const std::string& app : {wrong, right}) {
    HttpResponse shown = berthd().Get("/v1/apps/" + app);
    EXPECT_EQ("***", shown.json()["registry_auth"].value("password", "")) << shown.body;
    EXPECT_FALSE(Contains(shown.body, password)) << shown.body;
  }
  EXPECT_FALSE(Contains(berthd().Get("/v1/apps").body, password));
  EXPECT_FALSE(Contains(berthd().StderrContents(), password)) << "the password is in the log";
}

TEST_F(ContainerTest, SecretsAppearNowhereButInTheContainersEnvironment) {
  ASSERT_TRUE(StartBerthd({.extra_args = {"--log-level", "debug"}}));
  std::string name = NewApp("secret");
  std::string secret = "s3cret-" + std::to_string(getpid()) + "-" + std::to_string(time(nullptr));
  auto events = berthd().OpenSse("/v1/events");
  ASSERT_EQ(200, events->WaitForStatus());
  std::string seen;
  auto keep = [&](const HttpResponse& response) {
    seen += response.body;
    return response;
  };

  keep(berthd().Post("/v1/apps", ContainerApp(name, {{"env", {{"MODE", "prod"}}},
                                                     {"secrets", {{"DB_PASSWORD", secret}}}})));
  ASSERT_TRUE(WaitRunning(name)) << berthd().LastSeen();
  auto follow = berthd().OpenSse("/v1/apps/" + name + "/logs?follow=true");
  EXPECT_TRUE(Contains(Inspect(name)["Config"]["Env"].dump(), "DB_PASSWORD=" + secret))
      << "the container does not get its secret";
  HttpResponse shown = keep(berthd().Get("/v1/apps/" + name));
  EXPECT_EQ("***", shown.json()["secrets"].value("DB_PASSWORD", "")) << shown.body;
  keep(berthd().Get("/v1/apps"));
  keep(berthd().Get("/v1/apps/" + name + "/stats"));
  keep(berthd().Get("/v1/apps/" + name + "/logs?entries=1000"));
  keep(berthd().Patch("/v1/apps/" + name, json{{"env", {{"MODE", "dev"}}}}));
  ASSERT_TRUE(WaitRunning(name)) << berthd().LastSeen();
  keep(Control(name, "restart"));
  ASSERT_TRUE(WaitRunning(name)) << berthd().LastSeen();
  keep(berthd().Get("/v1/apps/" + name));
  keep(berthd().Get("/metrics"));
  DockerCli({"kill", ContainerName(name)});
  EXPECT_TRUE(berthd().WaitForApp(name, [](const json& app) { return Restarts(app) >= 1; },
                                  kDockerTimeout)) << berthd().LastSeen();
  keep(berthd().Get("/v1/apps/" + name));
  keep(berthd().Delete("/v1/apps/" + name));

  EXPECT_FALSE(Contains(seen, secret)) << seen;
  EXPECT_FALSE(Contains(events->RawBody(), secret)) << events->RawBody();
  EXPECT_FALSE(Contains(follow->RawBody(), secret)) << follow->RawBody();
  EXPECT_FALSE(Contains(berthd().StderrContents(), secret)) << "the secret is in berthd's log";
  std::string db = ReadFile(berthd().state_dir() + "/berth.db") +
                   ReadFile(berthd().state_dir() + "/berth.db-wal");
  EXPECT_FALSE(Contains(db, secret)) << "the secret is stored in the clear";
}

}  // namespace
}  // namespace berth::testing
