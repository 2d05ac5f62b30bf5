// Compose apps with compose.target swarm end to end: berthd deploys a stack from a local git
// repository with `docker stack deploy` to a single-node swarm on a dockerd of the test's own
// (so that `docker swarm init` leaves the shared daemon alone), and the tests read back from
// that daemon's Engine what Swarm made of it. A daemon that is no swarm manager is refused.
#include <unistd.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/integration/deploy_support.h"
#include "tests/integration/docker_support.h"
#include "tests/integration/git_repo.h"
#include "tests/integration/private_dockerd.h"

namespace berth::testing {
namespace {

using nlohmann::json;

// Tasks on vfs start in a few seconds; an update replaces them one at a time.
constexpr milliseconds kSwarmTimeout{90000};

// A service of kTestImage that says `greeting` and stays up, stopping at once on SIGTERM.
std::string Service(const std::string& name, const std::string& greeting, int replicas) {
  return "  " + name + ":\n    image: berth-test/busybox:1\n    stop_grace_period: 1s\n" +
         "    command: [\"sh\", \"-c\", \"trap 'exit 0' TERM; echo " + greeting +
         "; while true; do sleep 1; done\"]\n    deploy:\n      replicas: " +
         std::to_string(replicas) + "\n";
}

std::string Stack(const std::string& web_greeting, int web_replicas) {
  return "version: \"3.8\"\nservices:\n" + Service("web", web_greeting, web_replicas) +
         Service("worker", "worker up", 1);
}

json SwarmApp(const std::string& url) {
  return {{"kind", "compose"},
          {"source", {{"git", {{"url", url}, {"ref", "main"}}}}},
          {"compose", {{"target", "swarm"}}},
          {"deploy", {{"timeout", 90}}}};
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The app's status.services entry named `name`, or null.
json ServiceIn(const json& app, const std::string& name) {
  for (const json& s : app["status"].value("services", json::array()))
    if (s.value("name", "") == name) return s;
  return nullptr;
}

// True when the app runs and each of `replicas` (service -> count) runs that many.
bool Runs(const json& app, const std::map<std::string, int>& replicas) {
  if (app["status"].value("state", "") != "running") return false;
  for (const auto& [name, count] : replicas) {
    json s = ServiceIn(app, name);
    if (!s.is_object() || s.value("desired", -1) != count || s.value("running", -1) != count)
      return false;
  }
  return true;
}

class SwarmTest : public ::testing::Test {
 protected:
  // berthd goes first: it stops its apps while the daemon is still there.
  void TearDown() override {
    berthd_.reset();
    if (docker_ && docker_->running())
      DockerCliAt(docker_->socket(), {"swarm", "leave", "--force"}, kSwarmTimeout);
    docker_.reset();
  }

  // A private dockerd made a single-node swarm, with the test image, and berthd driving it.
  ::testing::AssertionResult StartSwarm() {
    docker_ = std::make_unique<PrivateDockerd>(PrivateDockerd::Options{});
    if (auto started = docker_->Start(); !started) return started;
    if (auto image = docker_->ImportTestImage(); !image) return image;
    // In the daemon's own network namespace: only loopback, its port no one else's.
    CommandResult init = DockerCliAt(
        docker_->socket(),
        {"swarm", "init", "--advertise-addr", "127.0.0.1", "--listen-addr", "127.0.0.1:2377"},
        kSwarmTimeout);
    if (init.exit_code != 0) return ::testing::AssertionFailure() << init.Describe();
    return StartBerthd({"--docker-host", docker_->host()});
  }

  ::testing::AssertionResult StartBerthd(std::vector<std::string> args) {
    berthd_ = std::make_unique<BerthdProcess>(BerthdProcess::Options{.extra_args = args});
    if (auto started = berthd_->Start(); !started) return started;
    repo_ = std::make_unique<GitRepo>(berthd_->root_dir());
    return ::testing::AssertionSuccess();
  }

  BerthdProcess& berthd() { return *berthd_; }

  // Starts a deployment with `body` on /control and returns it once it ended.
  json Deploy(const std::string& app, const json& body) {
    int64_t before = NewestDeploymentId(berthd(), app);
    HttpResponse reply = berthd().Post("/v1/apps/" + app + "/control", body);
    EXPECT_EQ(202, reply.status) << reply.Describe();
    int64_t id = 0;
    EXPECT_TRUE(WaitUntil([&] { return (id = NewestDeploymentId(berthd(), app)) > before; }));
    WaitForDeployment(berthd(), app, id);
    return berthd()
        .Get("/v1/apps/" + app + "/deployments/" + std::to_string(id) + "?log=true")
        .json();
  }

  std::optional<json> WaitRuns(const std::string& app, const std::map<std::string, int>& replicas) {
    return berthd().WaitForApp(
        app, [&](const json& a) { return Runs(a, replicas); }, kSwarmTimeout);
  }

  // The command line of service `service` of `app`'s stack, as Swarm has it.
  std::string ArgsOf(const std::string& app, const std::string& service) {
    json s = docker_->Api("GET", "/services/berth-" + app + "_" + service).json();
    return s["Spec"]["TaskTemplate"]["ContainerSpec"]["Args"].dump();
  }

  // The services of `app`'s stack on the private daemon.
  json StackServices(const std::string& app) {
    return docker_
        ->Api("GET", "/services?" + LabelFilter({"com.docker.stack.namespace=berth-" + app}))
        .json();
  }

  std::unique_ptr<PrivateDockerd> docker_;
  std::unique_ptr<BerthdProcess> berthd_;
  std::unique_ptr<GitRepo> repo_;
};

TEST_F(SwarmTest, TheDefinitionRefusesWhatAStackCannotDo) {
  ASSERT_TRUE(StartBerthd({}));
  json app = SwarmApp(repo_->url());
  app["compose"]["target"] = "kubernetes";
  HttpResponse reply = berthd().Put("/v1/apps/sw-bad", app);
  EXPECT_EQ(422, reply.status) << reply.Describe();
  EXPECT_TRUE(Contains(reply.body, "compose.target")) << reply.body;

  app = SwarmApp(repo_->url());
  app["compose"]["profiles"] = {"debug"};
  reply = berthd().Put("/v1/apps/sw-bad", app);
  EXPECT_EQ(422, reply.status) << reply.Describe();
  EXPECT_TRUE(Contains(reply.body, "compose.profiles")) << reply.body;

  app = SwarmApp(repo_->url());
  app["routes"] = {{{"host", "web.example.com"}, {"service", "web"}, {"port", 80}}};
  reply = berthd().Put("/v1/apps/sw-bad", app);
  EXPECT_EQ(422, reply.status) << reply.Describe();
  EXPECT_TRUE(Contains(reply.body, "routes are not for compose.target swarm")) << reply.body;
}

// The shared dockerd is no swarm manager: the definition is refused saying what to do, and the
// shared daemon is left as it was.
TEST_F(SwarmTest, ADockerThatIsNoSwarmManagerIsRefused) {
  ASSERT_TRUE(EnsureTestImage());
  ASSERT_TRUE(StartBerthd({}));
  repo_->Commit({{"compose.yaml", Stack("web v1", 1)}});
  std::string app = "sw-refused-" + std::to_string(getpid());
  HttpResponse reply = berthd().Put("/v1/apps/" + app, SwarmApp(repo_->url()));
  EXPECT_EQ(422, reply.status) << reply.Describe();
  EXPECT_TRUE(Contains(reply.body,
                       "compose.target swarm needs the Docker that berthd talks to to be a swarm "
                       "manager (docker swarm init, or run berthd on a manager node); this one is "
                       "not in a swarm"))
      << reply.body;
  EXPECT_TRUE(Contains(reply.body, "\"field\":\"compose.target\"")) << reply.body;
  EXPECT_EQ(404, berthd().Get("/v1/apps/" + app).status);
}

TEST_F(SwarmTest, AStackIsDeployedScaledRolledBackAndRemoved) {
  ASSERT_TRUE(StartSwarm());
  std::string app = "sw-stack";
  repo_->Commit({{"compose.yaml", Stack("web v1", 2)}});
  ASSERT_EQ(201, berthd().Put("/v1/apps/" + app, SwarmApp(repo_->url())).status);
  std::optional<json> running = WaitRuns(app, {{"web", 2}, {"worker", 1}});
  ASSERT_TRUE(running) << berthd().LastSeen();
  json web = ServiceIn(*running, "web");
  EXPECT_EQ("replicated", web.value("mode", "")) << web;
  EXPECT_EQ(2u, web["tasks"].size()) << web;
  EXPECT_EQ("running", web["tasks"][0].value("state", "")) << web;
  ASSERT_EQ(1u, (*running)["status"]["nodes"].size()) << *running;
  EXPECT_EQ(3, (*running)["status"]["nodes"][0].value("running", 0)) << *running;
  std::string first = (*running)["status"].value("release", "");
  json deployment = berthd()
                        .Get("/v1/apps/" + app + "/deployments/" +
                             std::to_string(NewestDeploymentId(berthd(), app)) + "?log=true")
                        .json();
  EXPECT_TRUE(Contains(deployment.value("log", ""), "docker stack deploy")) << deployment;

  // The output of a service's tasks, under the service's name.
  std::optional<json> logs = berthd().WaitForLogLine(app, "worker up", kSwarmTimeout);
  ASSERT_TRUE(logs) << berthd().LastSeen();
  bool named = false;
  for (const json& entry : *logs)
    named = named || (Contains(entry.value("line", ""), "worker up") &&
                      entry.value("service", "") == "worker");
  EXPECT_TRUE(named) << *logs;

  HttpResponse paused = berthd().Post("/v1/apps/" + app + "/control", json{{"command", "pause"}});
  EXPECT_EQ(409, paused.status) << paused.Describe();
  EXPECT_TRUE(Contains(paused.body, "pause is not supported for swarm apps")) << paused.body;

  // A new commit that scales web and changes its command.
  repo_->Commit({{"compose.yaml", Stack("web v2", 3)}});
  deployment = Deploy(app, {{"command", "redeploy"}});
  EXPECT_EQ("succeeded", deployment.value("outcome", "")) << deployment;
  ASSERT_TRUE(WaitRuns(app, {{"web", 3}, {"worker", 1}})) << berthd().LastSeen();
  EXPECT_TRUE(Contains(ArgsOf(app, "web"), "web v2")) << ArgsOf(app, "web");

  // Back to the first release: its replicas and its command.
  deployment = Deploy(app, {{"command", "rollback"}, {"release", first}});
  EXPECT_EQ("succeeded", deployment.value("outcome", "")) << deployment;
  running = berthd().WaitForApp(
      app,
      [&](const json& a) {
        return a["status"].value("release", "") == first && Runs(a, {{"web", 2}, {"worker", 1}});
      },
      kSwarmTimeout);
  ASSERT_TRUE(running) << berthd().LastSeen();
  EXPECT_TRUE(Contains(ArgsOf(app, "web"), "web v1")) << ArgsOf(app, "web");

  // Deleting the app removes its stack.
  HttpResponse deleted = berthd().Delete("/v1/apps/" + app);
  EXPECT_TRUE(deleted.status == 200 || deleted.status == 204) << deleted.Describe();
  EXPECT_TRUE(WaitUntil([&] { return StackServices(app) == json::array(); }, kSwarmTimeout))
      << StackServices(app);
}


// berthd's own stop leaves a swarm stack running: the swarm keeps it on every node, and the
// next berthd adopts it without deploying again.
TEST_F(SwarmTest, BerthdsOwnStopLeavesTheStackToTheSwarm) {
  ASSERT_TRUE(StartSwarm());
  std::string app = "sw-kept";
  repo_->Commit({{"compose.yaml", Stack("kept", 1)}});
  ASSERT_EQ(201, berthd().Put("/v1/apps/" + app, SwarmApp(repo_->url())).status);
  ASSERT_TRUE(WaitRuns(app, {{"web", 1}, {"worker", 1}})) << berthd().LastSeen();
  int64_t deployments = NewestDeploymentId(berthd(), app);
  std::string service_id = StackServices(app)[0].value("ID", "");
  ASSERT_FALSE(service_id.empty());

  ASSERT_EQ(0, berthd().Stop());
  json services = StackServices(app);
  ASSERT_EQ(2u, services.size()) << services;

  ASSERT_TRUE(berthd().Restart());
  ASSERT_TRUE(WaitRuns(app, {{"web", 1}, {"worker", 1}})) << berthd().LastSeen();
  EXPECT_EQ(deployments, NewestDeploymentId(berthd(), app));
  bool same = false;
  for (const json& s : StackServices(app)) same = same || s.value("ID", "") == service_id;
  EXPECT_TRUE(same) << StackServices(app);
}

}  // namespace
}  // namespace berth::testing
