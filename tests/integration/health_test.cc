// Health checks end to end: the real berthd checks process apps over HTTP, TCP and with a
// command, and a container app at its address on Docker's network; status.health, the
// `event: health` stream and berth_app_healthy show the verdict.
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <string>

#include "tests/integration/berthd_harness.h"
#include "tests/integration/docker_support.h"

namespace berth::testing {
namespace {

using nlohmann::json;

// An HTTP server on $PORT that answers GET with 200, or with 500 while a file "fail" is in its
// directory, or not at all while a file "hang" is.
constexpr char kFlippableServer[] = R"(
import http.server, os, time
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        while os.path.exists("hang"):
            time.sleep(0.05)
        code = 500 if os.path.exists("fail") else 200
        self.send_response(code)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
)";

// An `event: health` about `app` whose health.status is `status` (its health null for "").
std::function<bool(const SseEvent&)> HealthEvent(const std::string& app,
                                                 const std::string& status) {
  return [app, status](const SseEvent& event) {
    json data = event.json();
    if (event.event != "health" || !data.is_object() || data.value("app", "") != app) return false;
    if (status.empty()) return data["health"].is_null();
    return data["health"].is_object() && data["health"].value("status", "") == status;
  };
}

std::string HealthOf(const json& app) {
  const json& health = app["status"]["health"];
  return health.is_object() ? health.value("status", "") : "";
}

std::function<bool(const json&)> Health(const std::string& status) {
  return [status](const json& app) { return HealthOf(app) == status; };
}

// The berth_app_healthy sample of `app` in /metrics ("" when there is none).
std::string HealthyMetric(BerthdProcess& berthd, const std::string& app) {
  std::string page = berthd.Get("/metrics").body;
  std::string prefix = "berth_app_healthy{app=\"" + app + "\"} ";
  size_t at = page.find(prefix);
  return at == std::string::npos ? "" : page.substr(at + prefix.size(), 1);
}

using HealthTest = BerthdTest;

TEST_F(HealthTest, AnHttpCheckGoesHealthyThenUnhealthyOnA500OrNoAnswerWithoutARestart) {
  int port = FreeTcpPort();
  auto events = berthd().OpenSse("/v1/events");
  ASSERT_EQ(200, events->WaitForStatus());
  json app = ProcessApp(
      "hc-http", {"python3", "-c", kFlippableServer},
      {{"port", port},
       {"start_seconds", 0.3},
       {"health", {{"http", "/up"}, {"interval", 0.2}, {"timeout", 1}, {"retries", 2}}}});
  ASSERT_EQ(201, berthd().Post("/v1/apps", app).status);
  ASSERT_TRUE(events->WaitForEvent(HealthEvent("hc-http", "starting"))) << events->RawBody();
  auto healthy = events->WaitForEvent(HealthEvent("hc-http", "healthy"));
  ASSERT_TRUE(healthy) << events->RawBody();
  json data = healthy->json();
  EXPECT_TRUE(data["ts"].is_string());
  EXPECT_EQ(0, data["health"]["failures"]);
  EXPECT_TRUE(data["health"]["last_check"].is_string());
  auto shown = berthd().WaitForApp("hc-http", Health("healthy"));
  ASSERT_TRUE(shown) << berthd().LastSeen();
  EXPECT_EQ("running", AppState(*shown));
  EXPECT_TRUE((*shown)["status"]["health"]["last_error"].is_null());
  EXPECT_EQ("1", HealthyMetric(berthd(), "hc-http"));
  long pid = AppPid(*shown);

  ASSERT_TRUE(WriteFile(berthd().app_dir("hc-http") + "/fail", ""));
  ASSERT_TRUE(events->WaitForEvent(HealthEvent("hc-http", "unhealthy"))) << events->RawBody();
  auto failing = berthd().WaitForApp("hc-http", Health("unhealthy"));
  ASSERT_TRUE(failing) << berthd().LastSeen();
  std::string error = (*failing)["status"]["health"].value("last_error", "");
  EXPECT_NE(std::string::npos, error.find("answered 500")) << error;
  EXPECT_GE((*failing)["status"]["health"]["failures"].get<int>(), 2);
  EXPECT_EQ("0", HealthyMetric(berthd(), "hc-http"));
  EXPECT_EQ("running", AppState(*failing));
  EXPECT_EQ(pid, AppPid(*failing)) << "an unhealthy app is not restarted";

  unlink((berthd().app_dir("hc-http") + "/fail").c_str());
  ASSERT_TRUE(berthd().WaitForApp("hc-http", Health("healthy"))) << berthd().LastSeen();
  ASSERT_TRUE(WriteFile(berthd().app_dir("hc-http") + "/hang", ""));
  auto hanging = berthd().WaitForApp("hc-http", Health("unhealthy"));
  unlink((berthd().app_dir("hc-http") + "/hang").c_str());
  ASSERT_TRUE(hanging) << berthd().LastSeen();
  EXPECT_FALSE((*hanging)["status"]["health"]["last_error"].is_null());
}

TEST_F(HealthTest, NoCheckRunsWhileTheAppIsStopped) {
  int port = FreeTcpPort();
  json app = ProcessApp(
      "hc-stop", {"python3", "-m", "http.server", std::to_string(port), "--bind", "127.0.0.1"},
      {{"port", port}, {"start_seconds", 0.3}, {"health", {{"tcp", true}, {"interval", 0.2}}}});
  ASSERT_EQ(201, berthd().Post("/v1/apps", app).status);
  ASSERT_TRUE(berthd().WaitForApp("hc-stop", Health("healthy"))) << berthd().LastSeen();
  auto events = berthd().OpenSse("/v1/events");
  ASSERT_EQ(200, events->WaitForStatus());
  ASSERT_EQ(202, berthd().Post("/v1/apps/hc-stop/control", json{{"command", "stop"}}).status);
  auto stopped = berthd().WaitForState("hc-stop", "stopped");
  ASSERT_TRUE(stopped) << berthd().LastSeen();
  EXPECT_TRUE((*stopped)["status"]["health"].is_null());
  EXPECT_TRUE(events->WaitForEvent(HealthEvent("hc-stop", ""))) << events->RawBody();
  EXPECT_EQ("0", HealthyMetric(berthd(), "hc-stop"));
}

TEST_F(HealthTest, ATcpCheckFailsOnAPortNothingListensOn) {
  int port = FreeTcpPort();
  json app = ProcessApp("hc-tcp", Sh("exec sleep 1000"),
                        {{"port", port},
                         {"start_seconds", 0},
                         {"health", {{"tcp", true}, {"interval", 0.2}, {"retries", 1}}}});
  ASSERT_EQ(201, berthd().Post("/v1/apps", app).status);
  auto unhealthy = berthd().WaitForApp("hc-tcp", Health("unhealthy"));
  ASSERT_TRUE(unhealthy) << berthd().LastSeen();
  std::string error = (*unhealthy)["status"]["health"].value("last_error", "");
  EXPECT_NE(std::string::npos, error.find("Connection refused")) << error;
  EXPECT_NE(std::string::npos, error.find(std::to_string(port))) << error;
}

TEST_F(HealthTest, AnExecCheckRunsAsTheAppInItsDirectory) {
  // Passes while there is no file "fail" in the app's directory; says who and where it ran.
  json app = ProcessApp("hc-exec", Sh("exec sleep 1000"),
                        {{"start_seconds", 0},
                         {"health",
                          {{"exec", {"sh", "-c", "echo \"$(id -un) $PWD $MARK\"; test ! -e fail"}},
                           {"interval", 0.2},
                           {"retries", 1}}},
                         {"env", {{"MARK", "from-env"}}}});
  ASSERT_EQ(201, berthd().Post("/v1/apps", app).status);
  ASSERT_TRUE(berthd().WaitForApp("hc-exec", Health("healthy"))) << berthd().LastSeen();
  ASSERT_TRUE(WriteFile(berthd().app_dir("hc-exec") + "/fail", ""));
  auto unhealthy = berthd().WaitForApp("hc-exec", Health("unhealthy"));
  ASSERT_TRUE(unhealthy) << berthd().LastSeen();
  std::string error = (*unhealthy)["status"]["health"].value("last_error", "");
  EXPECT_EQ(0u, error.find("sh exited with code 1: ")) << error;
  EXPECT_NE(std::string::npos, error.find(" " + berthd().app_dir("hc-exec") + " from-env"))
      << error;
  if (IsRoot()) {
    EXPECT_EQ(0u, error.find("sh exited with code 1: svc_hc_exec ")) << error;
  }
}

TEST_F(HealthTest, AChangeOfTheCheckDoesNotRestartTheApp) {
  json app =
      ProcessApp("hc-change", Sh("exec sleep 1000"),
                 {{"start_seconds", 0}, {"health", {{"exec", {"true"}}, {"interval", 0.2}}}});
  ASSERT_EQ(201, berthd().Post("/v1/apps", app).status);
  auto healthy = berthd().WaitForApp("hc-change", Health("healthy"));
  ASSERT_TRUE(healthy) << berthd().LastSeen();
  long pid = AppPid(*healthy);
  ASSERT_EQ(200,
            berthd()
                .Patch("/v1/apps/hc-change",
                       json{{"health", {{"exec", {"false"}}, {"retries", 1}, {"interval", 0.2}}}})
                .status);
  auto unhealthy = berthd().WaitForApp("hc-change", Health("unhealthy"));
  ASSERT_TRUE(unhealthy) << berthd().LastSeen();
  EXPECT_EQ(pid, AppPid(*unhealthy));
  EXPECT_EQ(json({"false"}), (*unhealthy)["health"]["exec"]);
  ASSERT_EQ(200, berthd().Patch("/v1/apps/hc-change", json{{"health", nullptr}}).status);
  auto unchecked = berthd().Get("/v1/apps/hc-change").json();
  EXPECT_TRUE(unchecked["health"].is_null());
  EXPECT_TRUE(unchecked["status"]["health"].is_null());
  EXPECT_EQ(pid, AppPid(unchecked));
}

TEST_F(HealthTest, AMistakeInTheCheckIs422NamingItsField) {
  auto post = [&](const json& health, const json& extra = json::object()) {
    json app = ProcessApp("hc-bad", {"true"}, extra);
    app["health"] = health;
    return berthd().Post("/v1/apps", app);
  };
  EXPECT_TRUE(IsApiError(post({{"http", "/up"}}), 422, "invalid", "health.port"));
  EXPECT_TRUE(IsApiError(post({{"http", "/up"}, {"tcp", true}}, {{"port", FreeTcpPort()}}), 422,
                         "invalid", "health"));
  EXPECT_TRUE(
      IsApiError(post({{"exec", {"true"}}, {"interval", -1}}), 422, "invalid", "health.interval"));
  EXPECT_TRUE(
      IsApiError(post({{"exec", {"true"}}, {"service", "web"}}), 422, "invalid", "health.service"));
}

// A container app with no published port: the check reaches it at its address on Docker's
// bridge network, also once adopted by a new berthd; an exec check runs inside it through the
// Engine.
TEST(HealthContainerTest, AContainerIsCheckedAtItsAddressAndWithACommandInside) {
  ASSERT_TRUE(EnsureTestImage());
  std::string name = "hc-ct-" + std::to_string(getpid());
  ContainerCleanup cleanup("berth.app=" + name);
  auto berthd = std::make_unique<BerthdProcess>();
  ASSERT_TRUE(berthd->Start());
  json app = {
      {"name", name},
      {"kind", "container"},
      {"image", kTestImage},
      {"start_seconds", 0.5},
      {"command",
       {"sh", "-c", "mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8080 -h /www"}},
      {"health", {{"http", "/index.html"}, {"port", 8080}, {"interval", 0.2}}}};
  ASSERT_EQ(201, berthd->Post("/v1/apps", app).status);
  auto healthy = berthd->WaitForApp(name, Health("healthy"), milliseconds(60000));
  ASSERT_TRUE(healthy) << berthd->LastSeen();
  std::string container = ContainerId(*healthy);
  // A berthd that restarts adopts the running container and learns its address again.
  berthd->Kill9();
  ASSERT_TRUE(berthd->Restart());
  auto adopted = berthd->WaitForApp(name, Health("healthy"));
  ASSERT_TRUE(adopted) << berthd->LastSeen();
  EXPECT_EQ(container, ContainerId(*adopted));

  ASSERT_EQ(200, berthd
                     ->Patch("/v1/apps/" + name,
                             json{{"health",
                                   {{"http", nullptr},  // a merge patch: the probe is replaced
                                    {"port", nullptr},
                                    {"exec", {"sh", "-c", "echo gone from $HOSTNAME; exit 2"}},
                                    {"interval", 0.2},
                                    {"retries", 1}}}})
                     .status);
  auto unhealthy = berthd->WaitForApp(name, Health("unhealthy"));
  ASSERT_TRUE(unhealthy) << berthd->LastSeen();
  std::string error = (*unhealthy)["status"]["health"].value("last_error", "");
  EXPECT_EQ("sh exited with code 2: gone from " + container.substr(0, 12), error);
  EXPECT_EQ(container, ContainerId(*unhealthy)) << "not restarted";
  ASSERT_EQ(200, berthd
                     ->Patch("/v1/apps/" + name,
                             json{{"health", {{"exec", {"test", "-e", "/www/index.html"}}}}})
                     .status);
  ASSERT_TRUE(berthd->WaitForApp(name, Health("healthy"))) << berthd->LastSeen();
  berthd.reset();  // before the cleanup, so that it does not start the container again
}

}  // namespace
}  // namespace berth::testing
