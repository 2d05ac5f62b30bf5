// Container apps end to end: berthd drives the shared dockerd through the Engine API, and the
// tests look at what Docker made of it (inspect, the CLI, published ports, a private registry).
#include <unistd.h>

#include <ctime>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "tests/integration/deploy_support.h"
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

  // Starts registry_ for alice with `password`, with kTestImage pushed as `repo_tag`; the image
  // name to pull it by, or "" when that failed.
  std::string PushToPrivateRegistry(const std::string& password, const std::string& repo_tag) {
    registry_ = std::make_unique<PrivateRegistry>();
    if (!registry_->Start("alice", password) || !registry_->Push(kTestImage, repo_tag)) return "";
    return registry_->Image(repo_tag);
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

TEST_F(ContainerTest, AContainerBerthDidNotMakeIsAConflictAtCreateUntilItIsGone) {
  ASSERT_TRUE(StartBerthd());
  std::string name = NewApp("taken");
  CleanUpLabel("berth.test=" + name);
  CommandResult made = DockerCli(
      {"create", "--name", ContainerName(name), "--label", "berth.test=" + name, kTestImage});
  ASSERT_EQ(0, made.exit_code) << made.Describe();

  for (const HttpResponse& refused :
       {berthd().Post("/v1/apps", ContainerApp(name)),
        berthd().Put("/v1/apps/" + name, ContainerApp(name))}) {
    EXPECT_TRUE(IsApiError(refused, 409, "conflict")) << refused.Describe();
    std::string message = refused.json().value(json::json_pointer("/error/message"), "");
    EXPECT_TRUE(Contains(message, ContainerName(name))) << message;
    EXPECT_TRUE(Contains(message, "berth did not make it")) << message;
    EXPECT_TRUE(Contains(message, "remove or rename it")) << message;
  }
  EXPECT_EQ(404, berthd().Get("/v1/apps/" + name).status) << "a refused app was kept";
  ASSERT_EQ(0, DockerCli({"rm", "-f", ContainerName(name)}).exit_code);
  ASSERT_TRUE(Create(ContainerApp(name)));
  EXPECT_TRUE(WaitRunning(name)) << berthd().LastSeen();

  // A container berth made for an earlier app of the same name is no conflict: it is replaced.
  std::string again = NewApp("left");
  made = DockerCli({"create", "--name", ContainerName(again), "--label", "berth.app=" + again,
                    kTestImage});
  ASSERT_EQ(0, made.exit_code) << made.Describe();
  std::string left_id = Inspect(again).value("Id", "");
  ASSERT_TRUE(Create(ContainerApp(again)));
  auto running = WaitRunning(again);
  ASSERT_TRUE(running) << berthd().LastSeen();
  EXPECT_NE(left_id, ContainerId(*running));
}

TEST_F(ContainerTest, AContainerBerthDidNotMakeKeepsItsNameAndTheAppSaysWhy) {
  ASSERT_TRUE(StartBerthd());
  std::string name = NewApp("foreign");
  CleanUpLabel("berth.test=" + name);
  // Made after the app was accepted: its start finds it.
  ASSERT_TRUE(Create(ContainerApp(name, {{"max_retries", 1}, {"autostart", false}})));
  CommandResult made = DockerCli(
      {"create", "--name", ContainerName(name), "--label", "berth.test=" + name, kTestImage});
  ASSERT_EQ(0, made.exit_code) << made.Describe();
  std::string foreign_id = Inspect(name).value("Id", "");

  ASSERT_EQ(202, Control(name, "start").status);
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
  std::string password = "pw-" + std::to_string(getpid()) + "-registry";
  std::string image = PushToPrivateRegistry(password, "x/busybox:1");
  ASSERT_FALSE(image.empty());

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

// The image id the app's container runs, as Docker says.
std::string RunningImage(const std::string& app) { return Inspect(app).value("Image", ""); }

std::string ImageId(const std::string& image) {
  return DockerApi("GET", "/images/" + image + "/json").json().value("Id", "");
}

// A local image `repo_tag` that differs from kTestImage only by a label: a new image id.
::testing::AssertionResult MakeVariantImage(const std::string& repo, const std::string& tag) {
  HttpResponse made = DockerApi("POST", "/containers/create",
                                json{{"Image", kTestImage}, {"Labels", {{"berth.test", repo}}}}.dump(),
                                {"Content-Type: application/json"});
  if (made.status != 201) return ::testing::AssertionFailure() << made.Describe();
  std::string id = made.json().value("Id", "");
  HttpResponse committed = DockerApi(
      "POST", "/commit?container=" + id + "&repo=" + repo + "&tag=" + tag +
                  "&changes=LABEL%20berth.variant%3D" + tag);
  DockerApi("DELETE", "/containers/" + id + "?force=1");
  if (committed.status != 201) return ::testing::AssertionFailure() << committed.Describe();
  return ::testing::AssertionSuccess();
}

TEST_F(ContainerTest, EveryImageIsADeploymentAndARollbackRunsThePreviousImageAgain) {
  ASSERT_TRUE(StartBerthd());
  registry_ = std::make_unique<PrivateRegistry>();
  ASSERT_TRUE(registry_->Start("bob", "rollback-pw"));
  ASSERT_TRUE(registry_->Push(kTestImage, "x/rb:1"));
  std::string image = registry_->Image("x/rb:1");
  std::string app = NewApp("rollback");
  ASSERT_TRUE(Create(ContainerApp(
      app, {{"image", image}, {"registry_auth", {{"username", "bob"}, {"password", "rollback-pw"}}}})));
  auto running = WaitRunning(app);
  ASSERT_TRUE(running) << berthd().LastSeen();

  // The first start pulled the image: deployment 1, its release, with the pull in its log.
  json first = Deployments(berthd(), app)[0];
  EXPECT_EQ("start", first.value("trigger", "")) << first.dump();
  EXPECT_EQ("succeeded", first.value("outcome", "")) << first.dump();
  std::string first_image = first.value("revision", "");
  EXPECT_EQ(ImageId(kTestImage), first_image);
  EXPECT_EQ(image, first.value("ref", ""));
  std::string first_release = first.value("release", "");
  EXPECT_EQ(std::to_string(first.value("id", 0)), first_release);
  std::string log = berthd()
                        .Get("/v1/apps/" + app + "/deployments/" + first_release + "?log=true")
                        .json()
                        .value("log", "");
  EXPECT_TRUE(Contains(log, "is not on this host: pulling it")) << log;
  EXPECT_TRUE(Contains(log, "Pulling from x/rb")) << log;
  EXPECT_FALSE(Contains(log, "rollback-pw")) << log;
  EXPECT_EQ(first_release, (*running)["status"].value("release", ""));
  EXPECT_EQ(first_image, (*running)["status"].value("image_id", ""));
  EXPECT_EQ(first_image, RunningImage(app));
  EXPECT_EQ(image, Inspect(app)["Config"].value("Image", "")) << "shown by its name";

  // A new image under the same name: a redeploy pulls it and recreates the container on it.
  std::string variant = "berth-test/rb-" + std::to_string(getpid());
  ASSERT_TRUE(MakeVariantImage(variant, "2"));
  ASSERT_TRUE(registry_->Push(variant + ":2", "x/rb:1"));
  std::string second_image = ImageId(variant + ":2");
  DockerApi("DELETE", "/images/" + variant + ":2");
  ASSERT_NE(first_image, second_image);
  std::string old_container = ContainerId(*running);
  ASSERT_EQ(202, berthd().Post("/v1/apps/" + app + "/control", json{{"command", "redeploy"}}).status);
  json second = WaitForDeployment(berthd(), app, NewestDeploymentId(berthd(), app));
  EXPECT_EQ("succeeded", second.value("outcome", "")) << second.dump();
  EXPECT_EQ(second_image, second.value("revision", ""));
  running = WaitForNewContainer(app, old_container);
  ASSERT_TRUE(running) << berthd().LastSeen();
  EXPECT_EQ(second_image, RunningImage(app));

  // Nothing new: skipped, the container stays.
  old_container = ContainerId(*running);
  ASSERT_EQ(202, berthd().Post("/v1/apps/" + app + "/control", json{{"command", "redeploy"}}).status);
  json same = WaitForDeployment(berthd(), app, NewestDeploymentId(berthd(), app));
  EXPECT_EQ("skipped", same.value("outcome", "")) << same.dump();

  // Rollback: the previous image id again, although its name now means the new one.
  HttpResponse rolled = berthd().Post("/v1/apps/" + app + "/control", json{{"command", "rollback"}});
  ASSERT_EQ(202, rolled.status) << rolled.Describe();
  json rollback = WaitForDeployment(berthd(), app, NewestDeploymentId(berthd(), app));
  EXPECT_EQ("succeeded", rollback.value("outcome", "")) << rollback.dump();
  EXPECT_EQ("rollback", rollback.value("trigger", ""));
  EXPECT_EQ(first_release, rollback.value("release", ""));
  running = WaitForNewContainer(app, old_container);
  ASSERT_TRUE(running) << berthd().LastSeen();
  EXPECT_EQ(first_image, RunningImage(app));
  EXPECT_EQ(first_release, (*running)["status"].value("release", ""));
  EXPECT_EQ(409, berthd().Post("/v1/apps/" + app + "/control", json{{"command", "rollback"}}).status)
      << "nothing is older than the first release";
  EXPECT_EQ(404, berthd()
                     .Post("/v1/apps/" + app + "/control",
                           json{{"command", "rollback"}, {"release", "9999"}})
                     .status);

  // berthd killed and started again adopts the rolled-back container.
  std::string adopted = ContainerId(*running);
  berthd().Kill9();
  ASSERT_TRUE(berthd().Restart());
  running = WaitRunning(app);
  ASSERT_TRUE(running) << berthd().LastSeen();
  EXPECT_EQ(adopted, ContainerId(*running));
  EXPECT_EQ(first_image, RunningImage(app));
}

TEST_F(ContainerTest, PullsUseTheNamedCredentialsOfTheImagesRegistryAsTheyAreAtEachPull) {
  ASSERT_TRUE(StartBerthd({.extra_args = {"--log-level", "debug"}}));
  std::string password = "pw-" + std::to_string(getpid()) + "-named";
  std::string image = PushToPrivateRegistry(password, "x/named:1");
  ASSERT_FALSE(image.empty());
  std::string name = NewApp("reg-named");

  // No registry_auth and no named credentials yet: the pull is anonymous, and refused.
  ASSERT_TRUE(Create(ContainerApp(name, {{"image", image}, {"max_retries", 1}})));
  auto refused = berthd().WaitForApp(name, [](const json& app) {
    return Contains(LastError(app), "cannot pull") && AppState(app) == "failed";
  }, kDockerTimeout);
  ASSERT_TRUE(refused) << berthd().LastSeen();
  EXPECT_TRUE(Contains(LastError(*refused), "no basic auth credentials")) << refused->dump();

  json credentials = {{"host", registry_->host()}, {"username", "alice"}, {"password", password}};
  ASSERT_EQ(201, berthd().Post("/v1/registries", credentials).status);
  ASSERT_EQ(202, Control(name, "start").status);
  ASSERT_TRUE(WaitRunning(name)) << berthd().LastSeen();
  EXPECT_EQ(image, Inspect(name)["Config"].value("Image", ""));

  // A wrong password named later is the one the next pull uses: the redeploy fails with the
  // registry's message, and the running container keeps serving.
  credentials["password"] = "not-" + password;
  ASSERT_EQ(200, berthd().Put("/v1/registries/" + registry_->host(), credentials).status);
  int64_t before = NewestDeploymentId(berthd(), name);
  HttpResponse redeploy = Control(name, "redeploy");
  ASSERT_EQ(202, redeploy.status) << redeploy.Describe();
  ASSERT_TRUE(WaitUntil([&] { return NewestDeploymentId(berthd(), name) != before; },
                        kDockerTimeout));
  json deployment = WaitForDeployment(berthd(), name, NewestDeploymentId(berthd(), name));
  EXPECT_EQ("failed", deployment.value("outcome", "")) << deployment.dump();
  EXPECT_TRUE(Contains(deployment.value("error", ""), "unauthorized")) << deployment.dump();
  EXPECT_EQ("running", AppState(berthd().Get("/v1/apps/" + name).json()));
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
