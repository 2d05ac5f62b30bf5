// Zero-downtime deploys through the built-in proxy: a redeploy of a routed app with a health
// check starts the new release beside the old (a process on a fresh PORT, a container under a
// name of its own), switches the routes once it is healthy, drains the old and only then stops
// it. Clients keep sending requests the whole time and none may fail; a WebSocket opened
// before the switch stays open through it; a release that never gets healthy fails the
// deployment while the old instance serves on.
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <string>

#include "tests/integration/deploy_support.h"
#include "tests/integration/docker_support.h"
#include "tests/integration/git_repo.h"
#include "tests/integration/proxy_support.h"
#include "tests/integration/raw_connection.h"
#include "tests/integration/request_load.h"

namespace berth::testing {
namespace {

using nlohmann::json;

// A masked text frame, as a WebSocket client sends it.
std::string TextFrame(const std::string& text) {
  std::string frame = {static_cast<char>(0x81), static_cast<char>(0x80 | text.size())};
  frame += std::string("\x01\x02\x03\x04", 4);
  for (size_t i = 0; i < text.size(); ++i) frame += static_cast<char>(text[i] ^ (1 + i % 4));
  return frame;
}

// "hello from <app> <port>": which instance answered.
std::string Instance(const HttpResponse& answer) { return answer.body; }

class ZeroDowntimeTest : public ProxyFixture {
 protected:
  void SetUp() override {
    ASSERT_FALSE(scratch_.path().empty());
    repo_ = std::make_unique<GitRepo>(scratch_.path());
    repo_->Commit({{"VERSION", "1\n"}, {"healthy", ""}});
  }

  // A process app deployed from the repo, running proxy_backend.py, routed from zd.test.
  ::testing::AssertionResult DefineApp(json extra = json::object()) {
    json spec = {{"source", {{"git", {{"url", repo_->url()}, {"ref", "main"}}}}},
                 {"command", {"python3", PROXY_BACKEND_SCRIPT}},
                 {"port", FreeTcpPort()},
                 {"user", "root"},
                 {"start_seconds", 0.2},
                 {"routes", {{{"host", "zd.test"}}}},
                 {"health", {{"http", "/headers"}, {"interval", 0.2}}}};
    spec.update(extra);
    HttpResponse put = berthd_->Put("/v1/apps/zd", spec);
    if (put.status != 201) return ::testing::AssertionFailure() << put.Describe();
    if (!WaitUntil([&] { return ViaProxy("GET", "/", "zd.test").status == 200; }, kDeployTimeout))
      return ::testing::AssertionFailure() << "never served: " << berthd_->Get("/v1/apps/zd").body;
    return ::testing::AssertionSuccess();
  }

  // Starts a redeploy; the deployment's id.
  int64_t Redeploy() {
    HttpResponse started =
        berthd_->Post("/v1/apps/zd/control", json{{"command", "redeploy"}, {"force", true}});
    EXPECT_EQ(202, started.status) << started.Describe();
    return started.json()["status"].value("deploying", int64_t{0});
  }

  std::string Log(int64_t id) {
    json deployment = berthd_->Get("/v1/apps/zd/deployments/" + std::to_string(id) + "?log=true").json();
    return deployment.is_object() ? deployment.value("log", "") : "";
  }

  ScratchDir scratch_{"berth-zd"};
  std::unique_ptr<GitRepo> repo_;
};

TEST_F(ZeroDowntimeTest, ARedeployUnderLoadFailsNoRequestAndStopsTheOldInstanceAfter) {
  ASSERT_TRUE(StartBerthd());
  ASSERT_TRUE(DefineApp());
  std::string before = Instance(ViaProxy("GET", "/", "zd.test"));
  json app = berthd_->Get("/v1/apps/zd").json();
  int old_pid = app["status"].value("pid", 0);
  ASSERT_GT(old_pid, 0);

  RequestLoad load([&] { return ViaProxy("GET", "/", "zd.test"); }, 3);
  ASSERT_TRUE(load.Progress(20)) << load.Failures();
  repo_->Commit({{"VERSION", "2\n"}});
  int64_t id = Redeploy();
  json deployment = WaitForDeployment(*berthd_, "zd", id);
  EXPECT_EQ("succeeded", deployment.value("outcome", "")) << Log(id);
  // The routes switched before the deployment ended: the next answer is the new instance's.
  std::string after = Instance(ViaProxy("GET", "/", "zd.test"));
  EXPECT_NE(before, after);
  ASSERT_TRUE(load.Progress(50)) << load.Failures();
  load.Stop();
  EXPECT_EQ(0u, load.failed()) << load.Failures();

  std::string log = Log(id);
  EXPECT_NE(log.find("beside the serving instance (PORT="), std::string::npos) << log;
  EXPECT_NE(log.find("is healthy after"), std::string::npos) << log;
  app = berthd_->Get("/v1/apps/zd").json();
  EXPECT_NE(old_pid, app["status"].value("pid", 0));
  EXPECT_EQ("running", app["status"].value("state", ""));
  EXPECT_EQ("healthy", app["status"]["health"].value("status", ""));
  EXPECT_EQ(std::to_string(id), app["status"].value("release", ""));
  // status.port is the fresh PORT the new instance got, not the app's own port.
  EXPECT_EQ(std::stoi(log.substr(log.find("PORT=") + 5)), app["status"].value("port", 0)) << app;
  EXPECT_NE(app.value("port", 0), app["status"].value("port", 0));
  // Nothing was in flight to it: the old instance stops at once, not restarted by anyone.
  EXPECT_TRUE(WaitUntil([&] { return kill(old_pid, 0) != 0; })) << "pid " << old_pid;
  EXPECT_EQ(0, app["status"].value("restarts", -1));
}

TEST_F(ZeroDowntimeTest, AReleaseThatNeverGetsHealthyFailsTheDeployWhileTheOldServesOn) {
  ASSERT_TRUE(StartBerthd());
  ASSERT_TRUE(DefineApp({{"health", {{"exec", {"test", "-e", "healthy"}}, {"interval", 0.2}}},
                         {"deploy", {{"timeout", 3}}}}));
  std::string before = Instance(ViaProxy("GET", "/", "zd.test"));
  RequestLoad load([&] { return ViaProxy("GET", "/", "zd.test"); }, 2);
  repo_->Git({"-C", repo_->work(), "rm", "-q", "healthy"});
  repo_->Commit({{"VERSION", "3\n"}});
  int64_t id = Redeploy();
  json deployment = WaitForDeployment(*berthd_, "zd", id);
  EXPECT_EQ("failed", deployment.value("outcome", "")) << Log(id);
  EXPECT_NE(deployment.value("error", "").find("not healthy within deploy.timeout (3 s)"),
            std::string::npos)
      << deployment.dump();
  ASSERT_TRUE(load.Progress(20)) << load.Failures();
  load.Stop();
  EXPECT_EQ(0u, load.failed()) << load.Failures();
  EXPECT_EQ(before, Instance(ViaProxy("GET", "/", "zd.test")));
  // The new instance is stopped: nothing listens on the port it was given.
  std::string log = Log(id);
  size_t at = log.find("PORT=");
  ASSERT_NE(at, std::string::npos) << log;
  int port = std::stoi(log.substr(at + 5));
  EXPECT_TRUE(WaitUntil([&] { return RawConnection(port).connected() == false; })) << port;
  json app = berthd_->Get("/v1/apps/zd").json();
  EXPECT_EQ("healthy", app["status"]["health"].value("status", ""));
  EXPECT_NE(std::to_string(id), app["status"].value("release", ""));
}

TEST_F(ZeroDowntimeTest, AStopDuringTheHandoverStopsBothInstancesAndFailsTheDeploy) {
  ASSERT_TRUE(StartBerthd());
  ASSERT_TRUE(DefineApp({{"health", {{"exec", {"test", "-e", "healthy"}}, {"interval", 0.2}}},
                         {"deploy", {{"timeout", 120}}}}));
  int old_pid = berthd_->Get("/v1/apps/zd").json()["status"].value("pid", 0);
  repo_->Git({"-C", repo_->work(), "rm", "-q", "healthy"});
  repo_->Commit({{"VERSION", "3\n"}});
  int64_t id = Redeploy();
  std::string log;
  ASSERT_TRUE(WaitUntil([&] {
    log = Log(id);
    return log.find("waiting until it is healthy") != std::string::npos;
  }, kDeployTimeout)) << log;
  int port = std::stoi(log.substr(log.find("PORT=") + 5));
  ASSERT_EQ(202, berthd_->Post("/v1/apps/zd/control", json{{"command", "stop"}}).status);
  ASSERT_TRUE(berthd_->WaitForState("zd", "stopped")) << berthd_->LastSeen();
  json deployment = WaitForDeployment(*berthd_, "zd", id);
  EXPECT_EQ("failed", deployment.value("outcome", ""));
  EXPECT_NE(deployment.value("error", "").find("the app was stopped"), std::string::npos)
      << deployment.dump();
  EXPECT_NE(0, kill(old_pid, 0));
  EXPECT_FALSE(RawConnection(port).connected()) << "the new instance still listens on " << port;
}

TEST_F(ZeroDowntimeTest, AWebSocketStaysOpenAcrossTheSwitchUntilTheDrainEnds) {
  ASSERT_TRUE(StartBerthd());
  ASSERT_TRUE(DefineApp({{"deploy", {{"drain_seconds", 2}}}}));
  int old_pid = berthd_->Get("/v1/apps/zd").json()["status"].value("pid", 0);
  RawConnection socket(proxy_port_);
  ASSERT_TRUE(socket.Send("GET /ws HTTP/1.1\r\nHost: zd.test\r\nConnection: Upgrade\r\n"
                          "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"));
  ASSERT_TRUE(socket.ReceiveUntil("\r\n\r\n", milliseconds(5000)));
  ASSERT_TRUE(socket.Send(TextFrame("before the switch")));
  ASSERT_TRUE(socket.ReceiveUntil("before the switch", milliseconds(5000)));

  repo_->Commit({{"VERSION", "2\n"}});
  int64_t id = Redeploy();
  ASSERT_EQ("succeeded", WaitForDeployment(*berthd_, "zd", id).value("outcome", "")) << Log(id);
  // New requests go to the new instance; the tunnel still reaches the old one.
  EXPECT_EQ(200, ViaProxy("GET", "/", "zd.test").status);
  ASSERT_TRUE(socket.Send(TextFrame("after the switch")));
  EXPECT_TRUE(socket.ReceiveUntil("after the switch", milliseconds(5000))) << socket.received();
  EXPECT_EQ(0, kill(old_pid, 0)) << "the old instance stopped while a WebSocket was open";
  // drain_seconds later the proxy closes the tunnel, and the old instance stops.
  EXPECT_TRUE(socket.ClosedWithin(milliseconds(10000)));
  EXPECT_TRUE(WaitUntil([&] { return kill(old_pid, 0) != 0; })) << "pid " << old_pid;
}

TEST_F(ZeroDowntimeTest, WithZeroDowntimeOffARedeployRestartsAndSaysWhy) {
  ASSERT_TRUE(StartBerthd());
  ASSERT_TRUE(DefineApp({{"deploy", {{"zero_downtime", false}}}}));
  int old_pid = berthd_->Get("/v1/apps/zd").json()["status"].value("pid", 0);
  int64_t id = Redeploy();
  ASSERT_EQ("succeeded", WaitForDeployment(*berthd_, "zd", id).value("outcome", "")) << Log(id);
  EXPECT_NE(Log(id).find("restarts on the new release (zero-downtime is off)"), std::string::npos)
      << Log(id);
  EXPECT_EQ(std::string::npos, Log(id).find("beside the serving instance")) << Log(id);
  EXPECT_TRUE(WaitUntil([&] { return kill(old_pid, 0) != 0; }));
}

TEST_F(ZeroDowntimeTest, ZeroDowntimeWhereItCannotHoldIs422NamingWhy) {
  ASSERT_TRUE(StartBerthd());
  auto refused = [&](json spec) {
    return berthd_->Put("/v1/apps/bad", spec);
  };
  json base = {{"command", {"python3", PROXY_BACKEND_SCRIPT}},
               {"port", 8081},
               {"routes", {{{"host", "bad.test"}}}},
               {"health", {{"tcp", true}}},
               {"deploy", {{"zero_downtime", true}}}};
  HttpResponse no_source = refused(base);
  EXPECT_EQ(422, no_source.status);
  EXPECT_EQ("deploy.zero_downtime", no_source.json()["error"].value("field", ""));
  EXPECT_NE(no_source.body.find("no source to deploy"), std::string::npos) << no_source.body;

  json published = {{"kind", "container"},
                    {"image", "example/web:1"},
                    {"ports", {{{"host", 8081}, {"container", 80}}}},
                    {"routes", {{{"host", "bad.test"}}}},
                    {"health", {{"http", "/"}}},
                    {"deploy", {{"zero_downtime", true}}}};
  HttpResponse port = refused(published);
  EXPECT_EQ(422, port.status);
  EXPECT_NE(port.body.find("host port 8081 is published"), std::string::npos) << port.body;

  json drain = {{"command", {"true"}}, {"deploy", {{"drain_seconds", -1}}}};
  HttpResponse negative = refused(drain);
  EXPECT_EQ(422, negative.status);
  EXPECT_EQ("deploy.drain_seconds", negative.json()["error"].value("field", ""));
  HttpResponse kind = refused({{"command", {"true"}}, {"deploy", {{"zero_downtime", "yes"}}}});
  EXPECT_EQ(422, kind.status);
  EXPECT_EQ("deploy.zero_downtime", kind.json()["error"].value("field", ""));
}

// A container app: the new container starts under a name of its own beside berth-<app>, takes
// the traffic once healthy, and is renamed berth-<app> once the old one is gone.
using ZeroDowntimeContainerTest = ProxyFixture;

TEST_F(ZeroDowntimeContainerTest, ARedeployUnderLoadFailsNoRequestAndLeavesOneContainer) {
  ASSERT_TRUE(EnsureTestImage());
  std::string name = "zd-ct-" + std::to_string(getpid());
  ContainerCleanup cleanup("berth.app=" + name);
  ASSERT_TRUE(StartBerthd());
  json spec = {{"kind", "container"},
               {"image", kTestImage},
               {"start_seconds", 0.2},
               {"stop_timeout", 1},  // httpd as PID 1 ignores SIGTERM
               {"command",
                {"sh", "-c",
                 "mkdir -p /www && echo $HOSTNAME > /www/index.html && "
                 "exec httpd -f -p 8080 -h /www"}},
               {"routes", {{{"host", "ct.test"}, {"port", 8080}}}},
               {"health", {{"http", "/index.html"}, {"port", 8080}, {"interval", 0.2}}}};
  ASSERT_EQ(201, berthd_->Put("/v1/apps/" + name, spec).status);
  ASSERT_TRUE(WaitUntil([&] { return ViaProxy("GET", "/index.html", "ct.test").status == 200; },
                        milliseconds(60000)))
      << berthd_->Get("/v1/apps/" + name).body;
  std::string before = ViaProxy("GET", "/index.html", "ct.test").body;
  std::string old_id = ContainerId(berthd_->Get("/v1/apps/" + name).json());

  RequestLoad load([&] { return ViaProxy("GET", "/index.html", "ct.test"); }, 2);
  ASSERT_TRUE(load.Progress(20)) << load.Failures();
  // A new image (the same one under another tag: no registry is needed) deploys the change.
  std::string tag = "berth-test/busybox:" + name;
  ASSERT_EQ(0, DockerCli({"tag", kTestImage, tag}).exit_code);
  HttpResponse changed = berthd_->Patch("/v1/apps/" + name, json{{"image", tag}});
  ASSERT_EQ(200, changed.status) << changed.Describe();
  int64_t id = changed.json()["status"].value("deploying", int64_t{0});
  ASSERT_GT(id, 0) << changed.Describe();
  json deployment = WaitForDeployment(*berthd_, name, id);
  std::string log = berthd_->Get("/v1/apps/" + name + "/deployments/" + std::to_string(id) +
                                 "?log=true")
                        .json()
                        .value("log", "");
  EXPECT_EQ("succeeded", deployment.value("outcome", "")) << log;
  EXPECT_NE(log.find("beside the serving instance (container berth-" + name + "."),
            std::string::npos)
      << log;
  EXPECT_NE(before, ViaProxy("GET", "/index.html", "ct.test").body);
  ASSERT_TRUE(load.Progress(30)) << load.Failures();
  load.Stop();
  EXPECT_EQ(0u, load.failed()) << load.Failures();

  std::string new_id = ContainerId(berthd_->Get("/v1/apps/" + name).json());
  EXPECT_NE(old_id, new_id);
  // The old container goes, and the new one takes the app's container name.
  EXPECT_TRUE(WaitUntil([&] {
    HttpResponse named = DockerApi("GET", "/containers/berth-" + name + "/json");
    return named.status == 200 && named.json().value("Id", "") == new_id &&
           ContainersWithLabels({"berth.app=" + name}, true).size() == 1;
  }, milliseconds(30000))) << ContainersWithLabels({"berth.app=" + name}, true).dump();
  berthd_.reset();  // before the cleanup, so that it does not start the container again
  DockerCli({"rmi", tag});
}

}  // namespace
}  // namespace berth::testing
