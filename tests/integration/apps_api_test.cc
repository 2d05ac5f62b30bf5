// Black-box tests of the /v1/apps resource: create, list, read, replace, patch, delete and the
// status codes of routes and methods.
#include <algorithm>

#include "tests/integration/berthd_harness.h"

namespace berth::testing {
namespace {

using AppsApiTest = BerthdTest;

const char* const kStates[] = {"stopped",  "starting", "running", "backoff",
                               "stopping", "exited",   "failed"};

nlohmann::json IdleApp(const std::string& name) {
  return ProcessApp(name, Sh("exec sleep 1000"), {{"autostart", false}});
}

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

TEST_F(AppsApiTest, PostCreatesWith201AndLocation) {
  nlohmann::json spec = IdleApp("api-create");
  spec["env"] = {{"GREETING", "hi"}};
  HttpResponse created = berthd().Post("/v1/apps", spec);
  ASSERT_EQ(201, created.status) << created.Describe();
  EXPECT_TRUE(EndsWith(created.header("location"), "/v1/apps/api-create"))
      << "Location: " << created.header("location");
  nlohmann::json app = created.json();
  ASSERT_TRUE(app.is_object()) << created.body;
  EXPECT_EQ("api-create", app.value("name", ""));
  EXPECT_EQ("process", app.value("kind", ""));
  EXPECT_EQ("api", app.value("source", ""));
  EXPECT_EQ(spec["command"], app["command"]);
  EXPECT_EQ("hi", app["env"].value("GREETING", ""));
  EXPECT_EQ("on-failure", app.value("restart", "")) << "the default restart policy";
  ASSERT_TRUE(app.contains("status") && app["status"].is_object()) << created.body;
  std::string state = AppState(app);
  EXPECT_NE(std::end(kStates), std::find(std::begin(kStates), std::end(kStates), state)) << state;
  EXPECT_TRUE(app["status"].contains("restarts")) << created.body;

  HttpResponse fetched = berthd().Get("/v1/apps/api-create");
  ASSERT_EQ(200, fetched.status) << fetched.Describe();
  EXPECT_EQ("api-create", fetched.json().value("name", ""));
  EXPECT_EQ(spec["command"], fetched.json()["command"]);
}

TEST_F(AppsApiTest, ListIsSortedByName) {
  for (const char* name : {"api-list-c", "api-list-a", "api-list-b"}) {
    HttpResponse created = berthd().Post("/v1/apps", IdleApp(name));
    ASSERT_EQ(201, created.status) << created.Describe();
  }
  HttpResponse list = berthd().Get("/v1/apps");
  ASSERT_EQ(200, list.status) << list.Describe();
  nlohmann::json apps = list.json();
  ASSERT_TRUE(apps.is_array()) << list.body;
  std::vector<std::string> names;
  for (const nlohmann::json& app : apps) names.push_back(app.value("name", ""));
  EXPECT_EQ((std::vector<std::string>{"api-list-a", "api-list-b", "api-list-c"}), names);
  ASSERT_FALSE(apps.empty());
  EXPECT_TRUE(apps[0].contains("status")) << "list entries are full apps";
}

TEST_F(AppsApiTest, PutCreatesWith201ThenReplacesWith200) {
  nlohmann::json spec = IdleApp("api-put");
  spec["env"] = {{"V", "1"}};
  HttpResponse created = berthd().Put("/v1/apps/api-put", spec);
  ASSERT_EQ(201, created.status) << created.Describe();

  spec["env"] = {{"V", "2"}};
  HttpResponse replaced = berthd().Put("/v1/apps/api-put", spec);
  ASSERT_EQ(200, replaced.status) << replaced.Describe();
  EXPECT_EQ("2", replaced.json()["env"].value("V", ""));
  HttpResponse fetched = berthd().Get("/v1/apps/api-put");
  EXPECT_EQ("2", fetched.json()["env"].value("V", "")) << fetched.Describe();
}

TEST_F(AppsApiTest, PutWithoutNameTakesItFromThePath) {
  nlohmann::json spec = IdleApp("api-put-noname");
  spec.erase("name");
  HttpResponse created = berthd().Put("/v1/apps/api-put-noname", spec);
  ASSERT_EQ(201, created.status) << created.Describe();
  EXPECT_EQ("api-put-noname", created.json().value("name", ""));
}

TEST_F(AppsApiTest, PutWithOtherNameInBodyIs422) {
  HttpResponse response = berthd().Put("/v1/apps/api-put-a", IdleApp("api-put-b"));
  EXPECT_TRUE(IsApiError(response, 422, "invalid", "name"));
  EXPECT_EQ(404, berthd().Get("/v1/apps/api-put-a").status);
  EXPECT_EQ(404, berthd().Get("/v1/apps/api-put-b").status);
}

TEST_F(AppsApiTest, PatchMergesEnvAndRestartsRunningApp) {
  nlohmann::json spec = ProcessApp("api-patch", Sh("exec sleep 1000"),
                                   {{"env", {{"KEEP", "k"}, {"CHANGE", "old"}, {"DROP", "d"}}}});
  ASSERT_EQ(201, berthd().Post("/v1/apps", spec).status);
  auto running = berthd().WaitForState("api-patch", "running");
  ASSERT_TRUE(running) << berthd().LastSeen();
  long old_pid = AppPid(*running);
  ASSERT_GT(old_pid, 0);

  HttpResponse patched =
      berthd().Patch("/v1/apps/api-patch", {{"env", {{"CHANGE", "new"}, {"DROP", nullptr}}}});
  ASSERT_EQ(200, patched.status) << patched.Describe();
  nlohmann::json expected_env = {{"KEEP", "k"}, {"CHANGE", "new"}};
  EXPECT_EQ(expected_env, patched.json()["env"]);
  EXPECT_EQ(spec["command"], patched.json()["command"]) << "untouched fields stay";

  auto restarted = berthd().WaitForNewPid("api-patch", old_pid);
  ASSERT_TRUE(restarted) << berthd().LastSeen();
  pid_t new_pid = static_cast<pid_t>(AppPid(*restarted));
  std::map<std::string, std::string> env = ProcessEnv(new_pid);
  EXPECT_EQ("new", env["CHANGE"]);
  EXPECT_EQ("k", env["KEEP"]);
  EXPECT_EQ(0u, env.count("DROP"));
  EXPECT_TRUE(WaitUntil([&] { return !ProcessAlive(static_cast<pid_t>(old_pid)); }))
      << "old pid " << old_pid << " still alive";
}

TEST_F(AppsApiTest, PatchWithInvalidValueIs422AndKeepsTheApp) {
  ASSERT_EQ(201, berthd().Post("/v1/apps", IdleApp("api-patch-bad")).status);
  HttpResponse response = berthd().Patch("/v1/apps/api-patch-bad", {{"restart", "sometimes"}});
  EXPECT_TRUE(IsApiError(response, 422, "invalid", "restart"));
  HttpResponse fetched = berthd().Get("/v1/apps/api-patch-bad");
  EXPECT_EQ("on-failure", fetched.json().value("restart", "")) << fetched.Describe();
}

TEST_F(AppsApiTest, PatchCannotRename) {
  ASSERT_EQ(201, berthd().Post("/v1/apps", IdleApp("api-rename")).status);
  HttpResponse response = berthd().Patch("/v1/apps/api-rename", {{"name", "api-renamed"}});
  EXPECT_TRUE(IsApiError(response, 422, "invalid", "name"));
  EXPECT_EQ(200, berthd().Get("/v1/apps/api-rename").status);
  EXPECT_EQ(404, berthd().Get("/v1/apps/api-renamed").status);
}

TEST_F(AppsApiTest, DeleteStopsAppAnswers204ThenAppIsGone) {
  ASSERT_EQ(201, berthd().Post("/v1/apps", ProcessApp("api-delete", Sh("exec sleep 1000"))).status);
  auto running = berthd().WaitForState("api-delete", "running");
  ASSERT_TRUE(running) << berthd().LastSeen();
  pid_t pid = static_cast<pid_t>(AppPid(*running));

  HttpResponse deleted = berthd().Delete("/v1/apps/api-delete");
  ASSERT_EQ(204, deleted.status) << deleted.Describe();
  EXPECT_TRUE(deleted.body.empty()) << deleted.body;
  EXPECT_FALSE(ProcessAlive(pid)) << "204 comes after the app stopped";

  EXPECT_TRUE(IsApiError(berthd().Get("/v1/apps/api-delete"), 404, "not_found"));
  EXPECT_TRUE(IsApiError(berthd().Delete("/v1/apps/api-delete"), 404, "not_found"));
  EXPECT_EQ(nlohmann::json::array(), berthd().Get("/v1/apps").json());
}

TEST_F(AppsApiTest, DuplicatePostIs409) {
  ASSERT_EQ(201, berthd().Post("/v1/apps", IdleApp("api-dup")).status);
  EXPECT_TRUE(IsApiError(berthd().Post("/v1/apps", IdleApp("api-dup")), 409, "conflict"));
}

TEST_F(AppsApiTest, UnknownAppIs404Everywhere) {
  EXPECT_TRUE(IsApiError(berthd().Get("/v1/apps/api-ghost"), 404, "not_found"));
  EXPECT_TRUE(
      IsApiError(berthd().Patch("/v1/apps/api-ghost", {{"env", {{"A", "b"}}}}), 404, "not_found"));
  EXPECT_TRUE(IsApiError(berthd().Delete("/v1/apps/api-ghost"), 404, "not_found"));
  EXPECT_TRUE(
      IsApiError(berthd().Post("/v1/apps/api-ghost/control", nlohmann::json{{"command", "start"}}),
                 404, "not_found"));
  EXPECT_TRUE(IsApiError(berthd().Get("/v1/apps/api-ghost/logs"), 404, "not_found"));
  EXPECT_TRUE(IsApiError(berthd().Get("/v1/apps/api-ghost/stats"), 404, "not_found"));
}

TEST_F(AppsApiTest, UnknownRouteIs404) {
  EXPECT_TRUE(IsApiError(berthd().Get("/v1/nothing-here"), 404, "not_found"));
  EXPECT_TRUE(IsApiError(berthd().Get("/nothing-here"), 404, "not_found"));
  ASSERT_EQ(201, berthd().Post("/v1/apps", IdleApp("api-route")).status);
  EXPECT_TRUE(IsApiError(berthd().Get("/v1/apps/api-route/nothing"), 404, "not_found"));
}

TEST_F(AppsApiTest, WrongMethodIs405WithAllow) {
  ASSERT_EQ(201, berthd().Post("/v1/apps", IdleApp("api-method")).status);
  struct Case {
    std::string method, path;
    std::vector<std::string> allowed;
  };
  for (const Case& c : std::vector<Case>{
           {"DELETE", "/v1/apps", {"GET", "POST"}},
           {"POST", "/v1/apps/api-method", {"GET", "PUT", "PATCH", "DELETE"}},
           {"GET", "/v1/apps/api-method/control", {"POST"}},
           {"POST", "/up", {"GET"}},
       }) {
    SCOPED_TRACE(c.method + " " + c.path);
    std::string body = c.method == "GET" || c.method == "DELETE" ? "" : "{}";
    HttpResponse response = berthd().Request(c.method, c.path, body);
    EXPECT_TRUE(IsApiError(response, 405, "method_not_allowed"));
    std::string allow = response.header("allow");
    for (const std::string& method : c.allowed) {
      EXPECT_NE(std::string::npos, allow.find(method)) << "Allow: " << allow;
    }
  }
}

TEST_F(AppsApiTest, JsonContentTypeWithCharsetIsAccepted) {
  HttpResponse response = berthd().Request("POST", "/v1/apps", IdleApp("api-charset").dump(),
                                           {"Content-Type: application/json; charset=utf-8"});
  EXPECT_EQ(201, response.status) << response.Describe();
}

TEST_F(AppsApiTest, LongestValidNameIsAccepted) {
  std::string name = "a" + std::string(30, 'b') + "9";  // 32 characters
  HttpResponse response = berthd().Post("/v1/apps", IdleApp(name));
  EXPECT_EQ(201, response.status) << response.Describe();
  EXPECT_EQ(200, berthd().Get("/v1/apps/" + name).status);
}

TEST_F(AppsApiTest, InvalidNameInPathIs422) {
  nlohmann::json spec = IdleApp("x");
  spec.erase("name");
  EXPECT_TRUE(IsApiError(berthd().Put("/v1/apps/Web", spec), 422, "invalid", "name"));
  EXPECT_TRUE(IsApiError(berthd().Put("/v1/apps/a_b", spec), 422, "invalid", "name"));
  EXPECT_EQ(nlohmann::json::array(), berthd().Get("/v1/apps").json());
}

TEST_F(AppsApiTest, EmptyPatchDoesNotRestart) {
  ASSERT_EQ(201, berthd().Post("/v1/apps", ProcessApp("api-noop", Sh("exec sleep 1000"))).status);
  auto running = berthd().WaitForState("api-noop", "running");
  ASSERT_TRUE(running) << berthd().LastSeen();
  HttpResponse patched = berthd().Patch("/v1/apps/api-noop", nlohmann::json::object());
  ASSERT_EQ(200, patched.status) << patched.Describe();
  HttpResponse after = berthd().Get("/v1/apps/api-noop");
  EXPECT_EQ(AppPid(*running), AppPid(after.json())) << after.Describe();
  EXPECT_EQ("running", AppState(after.json()));
  EXPECT_EQ(0, after.json()["status"].value("restarts", -1));
}

TEST_F(AppsApiTest, PutReplacingRunningAppRestartsItWithTheNewCommand) {
  ASSERT_EQ(201,
            berthd().Post("/v1/apps", ProcessApp("api-replace", Sh("exec sleep 1000"))).status);
  auto running = berthd().WaitForState("api-replace", "running");
  ASSERT_TRUE(running) << berthd().LastSeen();
  HttpResponse replaced =
      berthd().Put("/v1/apps/api-replace", ProcessApp("api-replace", Sh("exec sleep 1001")));
  ASSERT_EQ(200, replaced.status) << replaced.Describe();
  auto restarted = berthd().WaitForNewPid("api-replace", AppPid(*running));
  ASSERT_TRUE(restarted) << berthd().LastSeen();
  std::string cmdline = ReadFile("/proc/" + std::to_string(AppPid(*restarted)) + "/cmdline");
  EXPECT_NE(std::string::npos, cmdline.find("1001")) << cmdline;
}

TEST_F(AppsApiTest, DeleteOfAnAppIgnoringTermWaitsForTheKill) {
  nlohmann::json spec = ProcessApp(
      "api-del-stubborn", Sh("trap '' TERM; sleep 1000 & echo ready; wait"), {{"stop_timeout", 1}});
  ASSERT_EQ(201, berthd().Post("/v1/apps", spec).status);
  auto running = berthd().WaitForState("api-del-stubborn", "running");
  ASSERT_TRUE(running) << berthd().LastSeen();
  ASSERT_TRUE(berthd().WaitForLogLine("api-del-stubborn", "ready")) << berthd().LastSeen();
  pid_t pid = static_cast<pid_t>(AppPid(*running));

  auto start = Clock::now();
  HttpResponse deleted = berthd().Delete("/v1/apps/api-del-stubborn");
  ASSERT_EQ(204, deleted.status) << deleted.Describe();
  EXPECT_GE(Clock::now() - start, milliseconds(900)) << "answered before the app stopped";
  EXPECT_FALSE(ProcessAlive(pid));
  EXPECT_TRUE(WaitUntil([&] { return LiveProcessesInGroup(pid).empty(); }, seconds(5)));
  EXPECT_EQ(404, berthd().Get("/v1/apps/api-del-stubborn").status);
  // The daemon kept serving while the delete waited.
  EXPECT_EQ(200, berthd().Get("/up").status);
}

TEST_F(AppsApiTest, OtherRequestsAreServedWhileADeleteWaits) {
  nlohmann::json spec =
      ProcessApp("api-del-slow", Sh("trap '' TERM; echo ready; while :; do sleep 1; done"),
                 {{"stop_timeout", 3}});
  ASSERT_EQ(201, berthd().Post("/v1/apps", spec).status);
  ASSERT_TRUE(berthd().WaitForState("api-del-slow", "running")) << berthd().LastSeen();
  ASSERT_TRUE(berthd().WaitForLogLine("api-del-slow", "ready")) << berthd().LastSeen();

  HttpResponse deleted;
  std::thread deleter([&] { deleted = berthd().Delete("/v1/apps/api-del-slow"); });
  // While the delete waits for the stop timeout, the app reports stopping and /up answers.
  auto stopping = berthd().WaitForState("api-del-slow", "stopping", seconds(2));
  EXPECT_TRUE(stopping) << berthd().LastSeen();
  auto start = Clock::now();
  EXPECT_EQ(200, berthd().Get("/up").status);
  EXPECT_LT(Clock::now() - start, seconds(1));
  deleter.join();
  EXPECT_EQ(204, deleted.status) << deleted.Describe();
}

TEST_F(AppsApiTest, PatchWithNullRemovesAnOptionalField) {
  nlohmann::json spec = IdleApp("api-unset");
  spec["port"] = 18777;
  ASSERT_EQ(201, berthd().Post("/v1/apps", spec).status);
  HttpResponse patched = berthd().Patch("/v1/apps/api-unset", {{"port", nullptr}});
  ASSERT_EQ(200, patched.status) << patched.Describe();
  nlohmann::json port = patched.json().value("port", nlohmann::json());
  EXPECT_TRUE(port.is_null()) << patched.body;
  // The port is free again.
  nlohmann::json other = IdleApp("api-unset-2");
  other["port"] = 18777;
  EXPECT_EQ(201, berthd().Post("/v1/apps", other).status);
}

}  // namespace
}  // namespace berth::testing
