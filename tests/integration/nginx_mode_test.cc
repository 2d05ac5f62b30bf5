// nginx mode end to end: berthd with --proxy nginx in front of a private nginx (its own dir and
// port), routing to a small Python app that echoes what it received. Also what must never
// reach nginx: a configuration nginx refuses, a file edited by hand, a reload nginx rejects.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>

#include "tests/integration/berthd_harness.h"
#include "tests/integration/deploy_support.h"
#include "tests/integration/git_repo.h"
#include "tests/integration/nginx_support.h"
#include "tests/integration/request_load.h"

namespace berth::testing {
namespace {

namespace fs = std::filesystem;

// Answers every GET with JSON: the path and the headers it received; a request to upgrade
// to a WebSocket gets 101, then every byte back (a tunnel, not WebSocket frames).
const char kEchoApp[] = R"(import http.server, json, os
class Echo(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.headers.get("Upgrade", "").lower() == "websocket":
            self.send_response(101)
            self.send_header("Upgrade", "websocket")
            self.send_header("Connection", "Upgrade")
            self.end_headers()
            self.wfile.flush()
            while True:
                data = self.connection.recv(4096)
                if not data:
                    break
                self.connection.sendall(data)
            self.close_connection = True
            return
        body = json.dumps({"path": self.path,
                           "headers": {k.lower(): v for k, v in self.headers.items()}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Echo).serve_forever()
)";

// Opens a WebSocket upgrade through nginx (port argv[1], Host web.test), prints the status
// line, sends a message and prints what came back.
const char kUpgradeClient[] = R"(import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"GET /ws HTTP/1.1\r\nHost: web.test\r\nUpgrade: websocket\r\n"
          b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
          b"Sec-WebSocket-Version: 13\r\n\r\n")
head = b""
while b"\r\n\r\n" not in head:
    chunk = s.recv(4096)
    if not chunk:
        break
    head += chunk
print(head.split(b"\r\n")[0].decode())
message = b"ping through nginx"
s.sendall(message)
got = b""
while len(got) < len(message):
    chunk = s.recv(4096)
    if not chunk:
        break
    got += chunk
print(got.decode())
)";

// Stands in for `nginx -s reload`: reloads our nginx, unless <dir>/reject exists; then it runs
// nginx against a config whose pid file does not exist, and nginx refuses with its message.
const char kReloadScript[] = R"(#!/bin/sh
if [ -e @DIR@/reject ]; then
  exec /usr/sbin/nginx -p @DIR@/ -c @DIR@/reject.conf -s reload
fi
exec /usr/sbin/nginx -p @DIR@/ -c @DIR@/nginx.conf -s reload
)";

std::string Replaced(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = 0; (at = text.find(from, at)) != std::string::npos; at += to.size())
    text.replace(at, from.size(), to);
  return text;
}

std::string MakeTempDir() {
  char tmpl[] = "/tmp/berth-nginx-mode-XXXXXX";
  const char* made = mkdtemp(tmpl);
  return made ? made : "";
}

class NginxModeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!IsRoot()) GTEST_SKIP() << "nginx mode's tests run nginx's master as root";
    dir_ = MakeTempDir();
    ASSERT_FALSE(dir_.empty());
    chmod(dir_.c_str(), 0755);  // the app runs as its own user and reads echo.py
    nginx_ = std::make_unique<PrivateNginx>(dir_);
    ASSERT_TRUE(nginx_->Start("  include " + dir_ + "/berth/live/*.conf;\n", ""));
    fs::create_directories(dir_ + "/tls");
    WriteFile(dir_ + "/echo.py", kEchoApp);
    WriteFile(dir_ + "/reload.sh", Replaced(kReloadScript, "@DIR@", dir_));
    chmod((dir_ + "/reload.sh").c_str(), 0755);
    WriteFile(dir_ + "/reject.conf", "pid " + dir_ + "/no-such.pid;\nevents {}\n");
    app_port_ = FreeTcpPort();
    tls_port_ = FreeTcpPort();
    ASSERT_TRUE(StartBerthd());
  }

  void TearDown() override {
    if (HasFailure() && berthd_) std::cerr << Tail(berthd_->StderrContents(), 6000);
    if (HasFailure() && nginx_) std::cerr << "nginx error.log:\n" << Tail(nginx_->ErrorLog());
    berthd_.reset();
    nginx_.reset();
    std::error_code ignored;
    if (!dir_.empty()) fs::remove_all(dir_, ignored);
  }

  ::testing::AssertionResult StartBerthd() {
    BerthdProcess::Options options;
    options.extra_args = {"--proxy",
                          "nginx",
                          "--nginx-dir",
                          dir_ + "/berth",
                          "--nginx-conf",
                          nginx_->config_path(),
                          "--nginx",
                          "/usr/sbin/nginx",
                          "--nginx-reload",
                          dir_ + "/reload.sh",
                          "--nginx-listen",
                          "127.0.0.1:" + std::to_string(nginx_->port()),
                          "--nginx-listen-tls",
                          "127.0.0.1:" + std::to_string(tls_port_),
                          "--tls-dir",
                          dir_ + "/tls"};
    berthd_ = std::make_unique<BerthdProcess>(options);
    return berthd_->Start();
  }

  nlohmann::json EchoApp(const nlohmann::json& routes) {
    return ProcessApp("web", {"/usr/bin/python3", dir_ + "/echo.py"},
                      {{"port", app_port_}, {"routes", routes}});
  }

  // A GET through nginx with the Host header `host`.
  HttpResponse ThroughNginx(const std::string& host, const std::string& path) {
    return PerformRequest("GET", "http://127.0.0.1:" + std::to_string(nginx_->port()) + path, "",
                          {"Host: " + host});
  }

  // Waits until nginx passes GET `path` for `host` to the app, and until the workers of the
  // sets before are gone (nginx's master signals them 100 ms after the new worker started;
  // until then a new connection may reach one); returns what the app saw.
  std::optional<nlohmann::json> WaitForEcho(const std::string& host, const std::string& path) {
    std::optional<nlohmann::json> seen;
    WaitUntil([&] {
      HttpResponse response = ThroughNginx(host, path);
      if (response.status == 200 && response.json().contains("headers")) seen = response.json();
      return seen.has_value();
    });
    EXPECT_TRUE(WaitUntil([&] { return NginxWorkers() == 1; })) << NginxWorkers() << " workers";
    return seen;
  }

  // The worker processes of the private nginx's master, old ones included.
  int NginxWorkers() {
    std::string master = Trim(ReadFile(dir_ + "/nginx.pid"));
    int workers = 0;
    for (const auto& entry : fs::directory_iterator("/proc")) {
      std::string stat = ReadFile(entry.path().string() + "/stat");
      size_t end = stat.rfind(')');
      if (end == std::string::npos) continue;
      std::istringstream fields(stat.substr(end + 2));
      std::string state, ppid;
      fields >> state >> ppid;
      if (ppid == master && state != "Z") ++workers;
    }
    return workers;
  }

  std::string LiveTarget() {
    std::error_code error;
    return fs::read_symlink(dir_ + "/berth/live", error).string();
  }

  // Waits for a `proxy` event with `action` (and `app`, when given).
  std::optional<nlohmann::json> WaitForProxyEvent(SseClient* events, const std::string& action,
                                                  const std::string& app = "") {
    auto event = events->WaitForEvent([&](const SseEvent& e) {
      nlohmann::json data = e.json();
      return e.event == "proxy" && data.value("action", "") == action &&
             (app.empty() || (data["app"].is_string() && data["app"] == app));
    });
    if (!event) return std::nullopt;
    return event->json();
  }

  // A self-signed certificate for `host` in the TLS dir.
  ::testing::AssertionResult MakeCertificate(const std::string& host) {
    CommandResult made =
        RunCommand({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days",
                    "1", "-subj", "/CN=" + host, "-keyout", dir_ + "/tls/" + host + ".key", "-out",
                    dir_ + "/tls/" + host + ".pem"});
    if (made.exit_code == 0) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << made.Describe();
  }

  // curl's answer (status line and headers with -i) for `url`, reaching `host` at 127.0.0.1.
  std::string Curl(const std::string& host, int port, const std::string& url) {
    std::string resolve = host + ":" + std::to_string(port) + ":127.0.0.1";
    return RunCommand({"/usr/bin/curl", "-sk", "-i", "--max-time", "5", "--resolve", resolve, url})
        .out;
  }

  // Opens /v1/events, then defines the app with the route web.test/ and waits until nginx
  // passes requests to it; nullptr (with a failure) when that did not happen.
  std::unique_ptr<SseClient> ServeWebWatchingEvents() {
    auto events = berthd_->OpenSse("/v1/events");
    EXPECT_EQ(events->WaitForStatus(), 200);
    EXPECT_EQ(berthd_->Put("/v1/apps/web", EchoApp({{{"host", "web.test"}}})).status, 201);
    if (!WaitForEcho("web.test", "/")) {
      ADD_FAILURE() << "nginx never passed web.test/ to the app";
      return nullptr;
    }
    return events;
  }

  // Waits until GET https://<host>/<path> through nginx's TLS port reaches the app; returns
  // curl's last answer.
  std::string WaitForTlsEcho(const std::string& host, const std::string& path) {
    std::string url = "https://" + host + ":" + std::to_string(tls_port_) + path;
    std::string answer;
    EXPECT_TRUE(WaitUntil([&] {
      answer = Curl(host, tls_port_, url);
      return answer.find("\"path\": \"" + path + "\"") != std::string::npos;
    })) << answer;
    return answer;
  }

  // Gives the app a second route, web.test/v2.
  void AddRoute() {
    nlohmann::json routes = {{{"host", "web.test"}}, {{"host", "web.test"}, {"path", "/v2"}}};
    EXPECT_EQ(berthd_->Patch("/v1/apps/web", nlohmann::json{{"routes", routes}}).status, 200);
  }

  // AddRoute(), then the error of the `proxy` event that says it failed ("" when none came).
  std::string AddRouteAndWaitForFailure(SseClient* events) {
    AddRoute();
    auto failed = WaitForProxyEvent(events, "failed", "web");
    return failed ? failed->value("error", "") : "";
  }

  std::string dir_;
  int app_port_ = 0;
  int tls_port_ = 0;
  std::unique_ptr<PrivateNginx> nginx_;
  std::unique_ptr<BerthdProcess> berthd_;
};

TEST_F(NginxModeTest, RoutesReachTheAppThroughNginxWithForwardedHeaders) {
  ASSERT_EQ(berthd_->Put("/v1/apps/web", EchoApp({{{"host", "web.test"}}})).status, 201);
  auto echo = WaitForEcho("web.test", "/hello?x=1");
  ASSERT_TRUE(echo) << ThroughNginx("web.test", "/hello").Describe();
  EXPECT_EQ((*echo)["path"], "/hello?x=1");
  const nlohmann::json& headers = (*echo)["headers"];
  EXPECT_EQ(headers.value("host", ""), "web.test");
  EXPECT_EQ(headers.value("x-forwarded-for", ""), "127.0.0.1");
  EXPECT_EQ(headers.value("x-forwarded-proto", ""), "http");
  EXPECT_EQ(headers.value("x-forwarded-host", ""), "web.test");
  EXPECT_EQ(headers.value("forwarded", ""), "for=127.0.0.1;proto=http;host=web.test");
  // The file berth wrote for the host says who it is for.
  std::string conf = ReadFile(dir_ + "/berth/live/web.test.conf");
  EXPECT_EQ(conf.rfind("# Managed by berth: web.test for the app web.", 0), 0u) << conf;
  // Another host is not routed: nginx's own server answers.
  EXPECT_EQ(ThroughNginx("other.test", "/hello").status, 404);
  auto app = berthd_->Get("/v1/apps/web").json();
  EXPECT_TRUE(app["status"]["proxy_error"].is_null()) << app;
}

TEST_F(NginxModeTest, ARouteChangeIsRenderedAndReloaded) {
  ASSERT_EQ(berthd_->Put("/v1/apps/web", EchoApp({{{"host", "web.test"}}})).status, 201);
  ASSERT_TRUE(WaitForEcho("web.test", "/"));
  std::string before = LiveTarget();
  EXPECT_EQ(ThroughNginx("api.test", "/api/users").status, 404);  // not routed yet
  nlohmann::json routes = {{{"host", "api.test"}, {"path", "/api"}, {"strip_prefix", true}}};
  ASSERT_EQ(berthd_->Patch("/v1/apps/web", nlohmann::json{{"routes", routes}}).status, 200);
  auto echo = WaitForEcho("api.test", "/api/users?page=2");
  ASSERT_TRUE(echo) << ThroughNginx("api.test", "/api/users").Describe();
  EXPECT_EQ((*echo)["path"], "/users?page=2");
  EXPECT_NE(LiveTarget(), before);
  EXPECT_FALSE(fs::exists(dir_ + "/berth/live/web.test.conf"));
  // The old host is gone from nginx (once the workers of the old set have finished).
  EXPECT_TRUE(WaitUntil([&] { return ThroughNginx("web.test", "/").status == 404; }));
  EXPECT_EQ(ThroughNginx("api.test", "/apix").status, 404);  // prefixes end at a '/'
}

// A zero-downtime redeploy in nginx mode: the old instance stops only after nginx serves the
// new one, so clients (a new connection per request) see no failure.
TEST_F(NginxModeTest, AZeroDowntimeRedeployFailsNoRequestThroughNginx) {
  GitRepo repo(dir_);
  repo.Commit({{"VERSION", "1\n"}});
  nlohmann::json app = EchoApp({{{"host", "web.test"}}});
  app["source"] = {{"git", {{"url", repo.url()}, {"ref", "main"}}}};
  app["user"] = "root";
  app["start_seconds"] = 0.2;
  app["health"] = {{"http", "/"}, {"interval", 0.2}};
  ASSERT_EQ(berthd_->Put("/v1/apps/web", app).status, 201);
  ASSERT_TRUE(WaitForEcho("web.test", "/"));
  int old_pid = berthd_->Get("/v1/apps/web").json()["status"].value("pid", 0);

  RequestLoad load([&] { return ThroughNginx("web.test", "/"); }, 3);
  // nginx's worker of the set from before the app ran still answers 503 for a moment after the
  // new set serves (its master signals it 100 ms after the new worker started): count from
  // when 20 answers in a row are the app's.
  ASSERT_TRUE(WaitUntil([&] {
    load.Reset();
    return load.Progress(20);
  })) << load.Failures();
  repo.Commit({{"VERSION", "2\n"}});
  HttpResponse started = berthd_->Post("/v1/apps/web/control", nlohmann::json{{"command", "redeploy"}});
  ASSERT_EQ(202, started.status) << started.Describe();
  int64_t id = started.json()["status"].value("deploying", int64_t{0});
  EXPECT_EQ("succeeded", WaitForDeployment(*berthd_, "web", id).value("outcome", ""));
  ASSERT_TRUE(WaitUntil([&] { return kill(old_pid, 0) != 0; })) << "the old instance still runs";
  ASSERT_TRUE(load.Progress(20)) << load.Failures();
  load.Stop();
  EXPECT_EQ(0u, load.failed()) << load.Failures();
}

// A route nginx cannot be told about (its path has a character nginx reads as syntax) is left
// out of the set, and the app's status says so; its other routes are served.
TEST_F(NginxModeTest, ARouteNginxCannotSayIsLeftOutAndTheAppSaysWhy) {
  ASSERT_EQ(berthd_->Put("/v1/apps/web",
                         EchoApp({{{"host", "web.test"}}, {{"host", "web.test"}, {"path", "/a;b"}}}))
                .status,
            201);
  ASSERT_TRUE(WaitForEcho("web.test", "/"));
  auto app = berthd_->WaitForApp("web", [](const nlohmann::json& app) {
    return app["status"]["proxy_error"].is_string();
  });
  ASSERT_TRUE(app) << berthd_->LastSeen();
  EXPECT_EQ((*app)["status"].value("proxy_error", ""),
            "nginx mode leaves a route out: routes[1].path \"/a;b\" has a character nginx reads "
            "as syntax");
  EXPECT_EQ(std::string::npos, ReadFile(dir_ + "/berth/live/web.test.conf").find("a;b"));
}

TEST_F(NginxModeTest, AWebSocketUpgradeIsTunnelledToTheApp) {
  ASSERT_EQ(berthd_->Put("/v1/apps/web", EchoApp({{{"host", "web.test"}}})).status, 201);
  ASSERT_TRUE(WaitForEcho("web.test", "/"));
  WriteFile(dir_ + "/upgrade.py", kUpgradeClient);
  CommandResult tunnel =
      RunCommand({"/usr/bin/python3", dir_ + "/upgrade.py", std::to_string(nginx_->port())});
  ASSERT_EQ(tunnel.exit_code, 0) << tunnel.Describe();
  EXPECT_EQ(tunnel.out, "HTTP/1.1 101 Switching Protocols\nping through nginx\n")
      << tunnel.Describe();
}

TEST_F(NginxModeTest, AStoppedAppAnswers503NamingIt) {
  ASSERT_EQ(berthd_->Put("/v1/apps/web", EchoApp({{{"host", "web.test"}}})).status, 201);
  ASSERT_TRUE(WaitForEcho("web.test", "/"));
  ASSERT_EQ(berthd_->Post("/v1/apps/web/control", nlohmann::json{{"command", "stop"}}).status, 202);
  HttpResponse response;
  EXPECT_TRUE(WaitUntil([&] {
    response = ThroughNginx("web.test", "/");
    return response.status == 503;
  })) << response.Describe();
  EXPECT_EQ(response.body, "web is not running\n");
}

TEST_F(NginxModeTest, AConfigurationNginxRefusesNeverGoesLive) {
  auto events = ServeWebWatchingEvents();
  ASSERT_TRUE(events);
  std::string good = LiveTarget();
  // A certificate that is not one: `nginx -t` refuses the set that would use it.
  WriteFile(dir_ + "/tls/web.test.pem", "not a certificate\n");
  WriteFile(dir_ + "/tls/web.test.key", "not a key\n");
  std::string error = AddRouteAndWaitForFailure(events.get());
  ASSERT_FALSE(error.empty()) << events->RawBody();
  EXPECT_NE(error.find("nginx refused the new configuration"), std::string::npos) << error;
  EXPECT_NE(error.find("web.test.pem"), std::string::npos) << error;  // nginx's own words
  auto app = berthd_->Get("/v1/apps/web").json();
  EXPECT_EQ(app["status"]["proxy_error"], error) << app;
  EXPECT_EQ(app["status"]["last_error"], error) << app;
  // The last good set stays live, and nginx still serves it.
  EXPECT_EQ(LiveTarget(), good);
  // The candidate is gone (once an apply queued by the key's write is over too).
  EXPECT_TRUE(WaitUntil([&] {
    auto sets = fs::directory_iterator(dir_ + "/berth/sets");
    return std::distance(fs::begin(sets), fs::end(sets)) == 1;
  }));
  EXPECT_EQ(ReadFile(dir_ + "/berth/live/web.test.conf").find("ssl"), std::string::npos);
  EXPECT_TRUE(WaitForEcho("web.test", "/"));
  // Undone (the route, then the certificate: its removal applies at once), the error clears:
  // nginx serves that already.
  nlohmann::json undone = {{{"host", "web.test"}}};
  ASSERT_EQ(berthd_->Patch("/v1/apps/web", nlohmann::json{{"routes", undone}}).status, 200);
  fs::remove(dir_ + "/tls/web.test.pem");
  fs::remove(dir_ + "/tls/web.test.key");
  EXPECT_TRUE(berthd_->WaitForApp("web", [](const nlohmann::json& a) {
    return a["status"]["proxy_error"].is_null();
  })) << berthd_->LastSeen();
  EXPECT_EQ(LiveTarget(), good);  // without a new set or a reload
  // The next change goes live.
  AddRoute();
  EXPECT_TRUE(WaitUntil([&] {
    return ReadFile(dir_ + "/berth/live/web.test.conf").find("location = /v2") != std::string::npos;
  }));
}

TEST_F(NginxModeTest, AFileEditedByHandIsReportedAndReplacedNeverReloaded) {
  auto events = ServeWebWatchingEvents();
  ASSERT_TRUE(events);
  std::string live_file = dir_ + "/berth/live/web.test.conf";
  std::string written = ReadFile(live_file);
  ASSERT_TRUE(WriteFile(live_file, written + "this is not nginx {\n"));
  // The next change finds it: reported, and the set berth writes replaces it.
  AddRoute();
  auto tampered = WaitForProxyEvent(events.get(), "tampered");
  ASSERT_TRUE(tampered) << events->RawBody();
  EXPECT_EQ((*tampered)["file"], live_file);
  EXPECT_TRUE(WaitUntil([&] {
    return ReadFile(live_file).find("location = /v2") != std::string::npos;
  })) << ReadFile(live_file);
  EXPECT_EQ(ReadFile(live_file).find("this is not nginx"), std::string::npos);
  EXPECT_TRUE(WaitForEcho("web.test", "/v2/x"));
  // At start, too: berthd reports a broken live file and replaces it.
  ASSERT_TRUE(WriteFile(live_file, "garbage\n"));
  ASSERT_EQ(berthd_->Stop(), 0);
  ASSERT_TRUE(berthd_->Restart());
  EXPECT_TRUE(WaitUntil([&] { return ReadFile(live_file).find("garbage") == std::string::npos; }));
  EXPECT_NE(berthd_->StderrContents().find(live_file + " differs from what berth wrote"),
            std::string::npos);
  EXPECT_TRUE(WaitForEcho("web.test", "/v2/x"));
  EXPECT_EQ(nginx_->ErrorLog().find("garbage"), std::string::npos);  // nginx never read it
}

TEST_F(NginxModeTest, AReloadNginxRejectsRestoresTheLastGoodSet) {
  auto events = ServeWebWatchingEvents();
  ASSERT_TRUE(events);
  std::string good = ReadFile(dir_ + "/berth/live/web.test.conf");
  WriteFile(dir_ + "/reject", "");
  std::string error = AddRouteAndWaitForFailure(events.get());
  ASSERT_FALSE(error.empty()) << events->RawBody();
  EXPECT_NE(error.find("reloading nginx failed"), std::string::npos) << error;
  EXPECT_NE(error.find("no-such.pid"), std::string::npos) << error;  // nginx's own message
  EXPECT_NE(error.find("restoring the last good configuration failed too"), std::string::npos)
      << error;
  // The live set is the last good one again, and nginx serves it.
  EXPECT_EQ(ReadFile(dir_ + "/berth/live/web.test.conf"), good);
  EXPECT_EQ(berthd_->Get("/v1/apps/web").json()["status"]["proxy_error"], error);
  EXPECT_TRUE(WaitForEcho("web.test", "/"));
  // Once nginx takes reloads again, berth's next try (10 s later) applies the routes.
  fs::remove(dir_ + "/reject");
  EXPECT_TRUE(berthd_->WaitForApp(
      "web", [](const nlohmann::json& a) { return a["status"]["proxy_error"].is_null(); },
      milliseconds(20000)))
      << berthd_->LastSeen();
  EXPECT_NE(ReadFile(dir_ + "/berth/live/web.test.conf").find("location = /v2"), std::string::npos);
}

TEST_F(NginxModeTest, AHostWithACertificateIsServedOverTlsAndRedirects) {
  ASSERT_TRUE(MakeCertificate("web.test"));
  nlohmann::json routes = {{{"host", "web.test"}, {"https_redirect", true}}};
  ASSERT_EQ(berthd_->Put("/v1/apps/web", EchoApp(routes)).status, 201);
  std::string https = "https://web.test:" + std::to_string(tls_port_) + "/secure";
  std::string answer = WaitForTlsEcho("web.test", "/secure");
  EXPECT_NE(answer.find("\"x-forwarded-proto\": \"https\""), std::string::npos) << answer;
  std::string http = "http://web.test:" + std::to_string(nginx_->port()) + "/secure?a=1";
  answer = Curl("web.test", nginx_->port(), http);
  EXPECT_EQ(answer.rfind("HTTP/1.1 301", 0), 0u) << answer;
  EXPECT_NE(answer.find("Location: " + https + "?a=1"), std::string::npos) << answer;
  // certbot's webroot answers on plain HTTP, not redirected.
  fs::create_directories(berthd_->state_dir() + "/acme/.well-known/acme-challenge");
  WriteFile(berthd_->state_dir() + "/acme/.well-known/acme-challenge/token1", "proof\n");
  answer = Curl(
      "web.test", nginx_->port(),
      "http://web.test:" + std::to_string(nginx_->port()) + "/.well-known/acme-challenge/token1");
  EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
  EXPECT_NE(answer.find("\r\n\r\nproof\n"), std::string::npos) << answer;
}

// A certificate that arrives after the route, and one renewed under the same file names, reach
// nginx without any change of routes.
TEST_F(NginxModeTest, ANewOrRenewedCertificateIsReloadedIntoNginx) {
  ASSERT_EQ(berthd_->Put("/v1/apps/web", EchoApp({{{"host", "web.test"}}})).status, 201);
  ASSERT_TRUE(WaitForEcho("web.test", "/"));
  ASSERT_TRUE(MakeCertificate("web.test"));
  WaitForTlsEcho("web.test", "/first");
  CommandResult renewed = RunCommand(
      {"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
       "/CN=web.test/O=renewed", "-keyout", dir_ + "/tls/web.test.key", "-out",
       dir_ + "/tls/web.test.pem"});
  ASSERT_EQ(0, renewed.exit_code) << renewed.Describe();
  std::string served;
  EXPECT_TRUE(WaitUntil([&] {
    served = RunCommand({"/usr/bin/openssl", "s_client", "-connect",
                         "127.0.0.1:" + std::to_string(tls_port_), "-servername", "web.test"})
                 .out;
    return served.find("O = renewed") != std::string::npos;
  })) << served;
}

TEST_F(NginxModeTest, AWildcardHostTakesTheCertificateNamedForIt) {
  ASSERT_TRUE(MakeCertificate("*.wild.test"));  // <tls-dir>/*.wild.test.pem, literally
  ASSERT_EQ(berthd_->Put("/v1/apps/web", EchoApp({{{"host", "*.wild.test"}}})).status, 201);
  WaitForTlsEcho("a.wild.test", "/w");
  EXPECT_NE(
      ReadFile(dir_ + "/berth/live/_wildcard.wild.test.conf").find("server_name *.wild.test;"),
      std::string::npos);
}

TEST_F(NginxModeTest, ANewSetNginxDoesNotServeAfterReloadIsRolledBack) {
  auto events = ServeWebWatchingEvents();
  ASSERT_TRUE(events);
  std::string good = ReadFile(dir_ + "/berth/live/web.test.conf");
  // The TLS port is taken: `nginx -t` passes (it binds nothing), the reload is sent, and
  // nginx's master keeps its old configuration since it cannot listen there.
  Fd taken(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(tls_port_));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(taken.get(), reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(listen(taken.get(), 1), 0);
  ASSERT_TRUE(MakeCertificate("web.test"));
  std::string error = AddRouteAndWaitForFailure(events.get());
  ASSERT_FALSE(error.empty()) << events->RawBody();
  EXPECT_NE(error.find("nginx did not serve the new configuration"), std::string::npos) << error;
  EXPECT_NE(error.find("the last good configuration is live again"), std::string::npos) << error;
  EXPECT_NE(nginx_->ErrorLog().find("Address already in use"), std::string::npos);
  EXPECT_EQ(ReadFile(dir_ + "/berth/live/web.test.conf"), good);
  EXPECT_TRUE(WaitForEcho("web.test", "/"));
}

TEST(NginxModeOptionsTest, BadValuesAreRefusedNamingTheFlag) {
  BerthdProcess bad_mode(BerthdProcess::Options{.extra_env = {"BERTH_PROXY=apache"}});
  EXPECT_FALSE(bad_mode.Start());
  EXPECT_NE(bad_mode.StderrContents().find("--proxy (BERTH_PROXY) must be builtin, nginx or off"),
            std::string::npos)
      << bad_mode.StderrContents();
  BerthdProcess bad_dir(BerthdProcess::Options{
      .extra_args = {"--proxy", "nginx", "--nginx-dir", "/etc/nginx/my berth"}});
  EXPECT_FALSE(bad_dir.Start());
  EXPECT_NE(bad_dir.StderrContents().find("--nginx-dir must be an absolute path"),
            std::string::npos)
      << bad_dir.StderrContents();
}

}  // namespace
}  // namespace berth::testing
