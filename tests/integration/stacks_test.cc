// The Supervisor-compatible /stacks API end to end, driven as Supervisor's Ruby client drives
// it (its headers, unwrapped bodies, the API key): real compose stacks from a local git
// repository on the shared dockerd, their jobs, log stream, webhooks, and berth's own tokens.
#include <unistd.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/integration/deploy_support.h"
#include "tests/integration/docker_support.h"
#include "tests/integration/git_repo.h"
#include "tests/integration/webhook_support.h"

namespace berth::testing {
namespace {

using nlohmann::json;

constexpr milliseconds kStackTimeout{90000};
constexpr char kApiKey[] = "supervisor-key-0123456789";

// web says ${GREETING} and has it in its environment.
std::string ComposeFile() {
  return "services:\n  web:\n    image: berth-test/busybox:1\n    stop_grace_period: 1s\n"
         "    environment:\n      GREETING: ${GREETING:-none}\n"
         "    command: [\"sh\", \"-c\", \"trap 'exit 0' TERM; echo $$GREETING; "
         "while true; do sleep 1; done\"]\n";
}

std::vector<std::string> Keys(const json& object) {
  std::vector<std::string> keys;
  for (const auto& item : object.items()) keys.push_back(item.key());
  return keys;
}

// Keys in the order the body has them (nlohmann::json sorts its own).
std::vector<std::string> KeysInOrder(const std::string& body) {
  std::vector<std::string> keys;
  nlohmann::ordered_json parsed = nlohmann::ordered_json::parse(body, nullptr, false);
  if (!parsed.is_object()) return keys;
  for (const auto& item : parsed.items()) keys.push_back(item.key());
  return keys;
}

class StacksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(EnsureTestImage());
    BerthdProcess::Options options;
    options.extra_env = {std::string("SUPERVISOR_API_KEY=") + kApiKey};
    berthd_ = std::make_unique<BerthdProcess>(options);
    ASSERT_TRUE(berthd_->Start());
    repo_ = std::make_unique<GitRepo>(berthd_->root_dir());
    repo_->Commit({{"compose.yaml", ComposeFile()}});
  }

  void TearDown() override {
    if (berthd_) berthd_->Stop();
    berthd_.reset();
    cleanups_.clear();
  }

  BerthdProcess& berthd() { return *berthd_; }

  // "st-<what>-<pid>", its compose project removed after the test.
  std::string NewStackName(const std::string& what) {
    std::string name = "st-" + what + "-" + std::to_string(getpid());
    cleanups_.push_back(
        std::make_unique<ContainerCleanup>("com.docker.compose.project=berth-" + name));
    return name;
  }

  // As Supervisor's client sends it.
  HeaderLines ClientHeaders(const std::string& key = kApiKey) {
    return {"Accept: application/json", "Content-Type: application/json",
            "User-Agent: Supervisor/0.6.0", "Authorization: Bearer " + key};
  }
  HttpResponse Call(const std::string& method, const std::string& path,
                    const json& body = nullptr) {
    return berthd().Request(method, path, body.is_null() ? "" : body.dump(), ClientHeaders());
  }

  json PollingStack(const std::string& name) {
    return {{"name", name},
            {"git_repository", repo_->url()},
            {"git_reference", "refs/heads/main"},
            {"compose_file", "compose.yaml"},
            {"compose_variables", {{"GREETING", "v1"}}},
            {"strategy", "polling"},
            {"polling_interval", 3600}};
  }

  // Creates the stack and returns its uuid.
  std::string Create(const json& stack) {
    HttpResponse created = Call("POST", "/stacks", stack);
    EXPECT_EQ(201, created.status) << created.Describe();
    return created.json().value("uuid", "");
  }

  std::optional<json> WaitForRunning(const std::string& name) {
    return berthd().WaitForApp(
        name,
        [](const json& app) {
          return app["status"].value("state", "") == "running" &&
                 !app["status"].value("services", json::array()).empty();
        },
        kStackTimeout);
  }

  std::string WebEnv(const std::string& name) {
    json list = ContainersWithLabels(
        {"com.docker.compose.project=berth-" + name, "com.docker.compose.service=web"}, false);
    if (!list.is_array() || list.size() != 1) return "";
    json inspect = DockerApi("GET", "/containers/" + list[0].value("Id", "") + "/json").json();
    return inspect["Config"]["Env"].dump();
  }

  // Waits for the newest log entry to be `action`; returns the log.
  json WaitForJob(const std::string& uuid, const std::string& action) {
    json log;
    WaitUntil(
        [&] {
          log = Call("GET", "/stacks/" + uuid + "/log?entries=1").json();
          return log.is_array() && log.size() == 1 && log[0]["action"] == action;
        },
        kStackTimeout);
    return log;
  }

  std::string UserToken(const std::string& user, const json& grants) {
    EXPECT_EQ(201, berthd().Post("/v1/users", json{{"name", user}, {"grants", grants}}).status);
    HttpResponse token = berthd().Post("/v1/users/" + user + "/tokens", json{{"name", "t"}});
    EXPECT_EQ(201, token.status) << token.Describe();
    return token.json().value("token", "");
  }

  std::unique_ptr<BerthdProcess> berthd_;
  std::unique_ptr<GitRepo> repo_;
  std::vector<std::unique_ptr<ContainerCleanup>> cleanups_;
};

TEST_F(StacksTest, TheClientsWholeJourneyOverARealComposeStack) {
  std::string name = NewStackName("journey");
  HttpResponse created = Call("POST", "/stacks", PollingStack(name));
  ASSERT_EQ(201, created.status) << created.Describe();
  std::string uuid = created.json().value("uuid", "");
  EXPECT_EQ("/stacks/" + uuid, created.header("Location"));
  EXPECT_EQ(KeysInOrder(created.body), (std::vector<std::string>{"id",
                                                                 "name",
                                                                 "uuid",
                                                                 "git_repository",
                                                                 "git_reference",
                                                                 "git_username",
                                                                 "git_token",
                                                                 "compose_file",
                                                                 "compose_variables",
                                                                 "compose_includes",
                                                                 "strategy",
                                                                 "polling_interval",
                                                                 "signature_header",
                                                                 "signature_secret",
                                                                 "processed",
                                                                 "failed",
                                                                 "last_run",
                                                                 "created_at",
                                                                 "updated_at",
                                                                 "healthy",
                                                                 "last_action"}));
  EXPECT_TRUE(created.json()["git_token"].is_null());
  ASSERT_TRUE(WaitForRunning(name)) << berthd().LastSeen();
  EXPECT_NE(std::string::npos, WebEnv(name).find("GREETING=v1")) << WebEnv(name);

  json list = Call("GET", "/stacks").json();
  ASSERT_EQ(1u, list.size()) << list;
  EXPECT_EQ(json({{"name", name}, {"uuid", uuid}}), list[0]);
  HttpResponse shown = Call("GET", "/stacks/" + uuid);
  EXPECT_EQ(
      KeysInOrder(shown.body),
      (std::vector<std::string>{
          "id", "name", "uuid", "git_repository", "git_reference", "git_username", "git_token",
          "compose_file", "compose_variables", "compose_includes", "strategy", "polling_interval",
          "signature_header", "signature_secret", "created_at", "updated_at", "healthy"}));
  EXPECT_TRUE(shown.json()["healthy"].get<bool>()) << shown.Describe();
  EXPECT_EQ("compose", berthd().Get("/v1/apps/" + name).json().value("kind", ""));
  json stats = Call("GET", "/stacks/" + uuid + "/stats").json();
  EXPECT_EQ(1, stats.value("processed", 0)) << stats;
  EXPECT_EQ("deploy", stats.value("last_action", "")) << stats;
  EXPECT_EQ(uuid, stats.value("uuid", ""));

  // A variable change redeploys.
  int64_t before = NewestDeploymentId(berthd(), name);
  HttpResponse updated =
      Call("PATCH", "/stacks/" + uuid, {{"compose_variables", {{"GREETING", "v2"}}}});
  ASSERT_EQ(200, updated.status) << updated.Describe();
  EXPECT_EQ(json({{"GREETING", "v2"}}), updated.json()["compose_variables"]);
  int64_t id = 0;
  ASSERT_TRUE(WaitUntil([&] { return (id = NewestDeploymentId(berthd(), name)) > before; }));
  EXPECT_EQ("succeeded", WaitForDeployment(berthd(), name, id).value("outcome", ""));
  ASSERT_TRUE(WaitUntil([&] { return WebEnv(name).find("GREETING=v2") != std::string::npos; },
                        kStackTimeout))
      << WebEnv(name);

  // Jobs that finish after the stream opened arrive on it.
  HeaderLines stream_headers = ClientHeaders();
  auto stream = berthd().OpenSse("/stacks/" + uuid + "/log?follow=true", stream_headers);
  ASSERT_EQ(200, stream->WaitForStatus());
  EXPECT_EQ("text/event-stream", stream->header("Content-Type"));
  EXPECT_EQ(204, Call("POST", "/stacks/" + uuid + "/control", {{"command", "redeploy"}}).status);
  auto redeployed = stream->WaitForEvent(
      [](const SseEvent& e) { return e.event == "message" && e.json()["action"] == "deploy"; },
      kStackTimeout);
  ASSERT_TRUE(redeployed) << stream->RawBody();
  EXPECT_EQ("succeeded", redeployed->json().value("status", "")) << redeployed->data;
  EXPECT_NE(std::string::npos, stream->RawBody().find("retry: 100\nevent: message\ndata: {"));

  for (const auto& [command, state] :
       std::vector<std::pair<std::string, std::string>>{{"stop", "stopped"},
                                                        {"start", "running"},
                                                        {"restart", "running"},
                                                        {"pause", "paused"},
                                                        {"unpause", "running"}}) {
    SCOPED_TRACE(command);
    HttpResponse reply = Call("POST", "/stacks/" + uuid + "/control", {{"command", command}});
    EXPECT_EQ(204, reply.status) << reply.Describe();
    EXPECT_TRUE(reply.body.empty());
    json job = WaitForJob(uuid, command);
    ASSERT_EQ(1u, job.size()) << job;
    EXPECT_EQ("succeeded", job[0].value("status", "")) << job;
    EXPECT_EQ(state, AppState(berthd().Get("/v1/apps/" + name).json()));
    EXPECT_TRUE(stream->WaitForEvent(
        [&](const SseEvent& e) { return e.event == "message" && e.json()["action"] == command; }));
  }
  json log = Call("GET", "/stacks/" + uuid + "/log?entries=5").json();
  ASSERT_EQ(5u, log.size()) << log;
  EXPECT_EQ(Keys(log[0]), (std::vector<std::string>{"action", "message", "run_at", "status"}));
  std::vector<std::string> actions;
  for (const json& entry : log) actions.push_back(entry.value("action", ""));
  EXPECT_EQ(actions, (std::vector<std::string>{"stop", "start", "restart", "pause", "unpause"}));
  EXPECT_EQ(0u, Call("GET", "/stacks/" + uuid + "/log?entries=0").json().size());
  // As Ruby's to_i: leading digits, else 0.
  EXPECT_EQ(0u, Call("GET", "/stacks/" + uuid + "/log?entries=x").json().size());
  EXPECT_EQ(3u, Call("GET", "/stacks/" + uuid + "/log?entries=3x").json().size());
  EXPECT_LE(Call("GET", "/stacks/" + uuid + "/log?entries=500").json().size(), 100u);
  EXPECT_EQ(400, Call("GET", "/stacks/" + uuid + "/log?entries=-1").status);
  stats = Call("GET", "/stacks/" + uuid + "/stats").json();
  EXPECT_GE(stats.value("processed", 0), 8) << stats;
  EXPECT_EQ(0, stats.value("failed", -1)) << stats;
  EXPECT_EQ("unpause", stats.value("last_action", "")) << stats;

  HttpResponse deleted = Call("DELETE", "/stacks/" + uuid);
  EXPECT_EQ(204, deleted.status) << deleted.Describe();
  EXPECT_TRUE(deleted.body.empty());
  auto closed = stream->WaitForEvent([](const SseEvent& e) { return e.event == "close"; });
  ASSERT_TRUE(closed) << stream->RawBody();
  EXPECT_EQ("Log file removed", closed->json().value("message", ""));
  EXPECT_TRUE(WaitUntil([&] { return stream->Finished(); }));
  EXPECT_TRUE(ContainersWithLabels({"com.docker.compose.project=berth-" + name}, true).empty());
  HttpResponse gone = Call("GET", "/stacks/" + uuid);
  EXPECT_EQ(404, gone.status);
  EXPECT_EQ(json({{"error", "Stack not found"}}), gone.json());
  EXPECT_EQ(404, berthd().Get("/v1/apps/" + name).status);
}

TEST_F(StacksTest, AReferenceMayBeARefsPathABranchATagOrACommit) {
  std::string name = NewStackName("refs");
  std::string commit = repo_->Commit({{"README", "tagged\n"}});
  repo_->Git({"-C", repo_->work(), "tag", "v1"});
  repo_->Git({"-C", repo_->work(), "push", "-q", repo_->url(), "v1"});
  json stack = PollingStack(name);
  stack["git_reference"] = commit;
  std::string uuid = Create(stack);
  ASSERT_FALSE(uuid.empty());
  int64_t id = 0;
  ASSERT_TRUE(WaitUntil([&] { return (id = NewestDeploymentId(berthd(), name)) > 0; }));
  EXPECT_EQ("succeeded", WaitForDeployment(berthd(), name, id).value("outcome", ""));
  for (std::string ref : {"refs/tags/v1", "v1", "main", "refs/heads/main"}) {
    SCOPED_TRACE(ref);
    int64_t before = id;
    HttpResponse updated = Call("PATCH", "/stacks/" + uuid, {{"git_reference", ref}});
    ASSERT_EQ(200, updated.status) << updated.Describe();
    EXPECT_EQ(ref, updated.json().value("git_reference", ""));
    ASSERT_TRUE(WaitUntil([&] { return (id = NewestDeploymentId(berthd(), name)) > before; }));
    // Each names the commit that serves: nothing new to serve, but resolved.
    json deployment = WaitForDeployment(berthd(), name, id);
    EXPECT_EQ("skipped", deployment.value("outcome", "")) << deployment;
    EXPECT_EQ(commit, deployment.value("revision", "")) << deployment;
  }
}

TEST_F(StacksTest, KeysBodiesAndErrorsAsUpstreamsRequestSpecsDescribe) {
  std::string name = NewStackName("specs");
  EXPECT_EQ(401, berthd().Request("GET", "/stacks", "", ClientHeaders("4711")).status);
  HttpResponse bare =
      berthd().Request("GET", "/stacks", "", {std::string("Authorization: ") + kApiKey});
  EXPECT_EQ(401, bare.status);
  EXPECT_EQ(json({{"error", "Unauthorized"}}), bare.json());
  // 401 before 404: a wrong key learns nothing of which uuids exist.
  EXPECT_EQ(401, berthd().Request("GET", "/stacks/nope", "", ClientHeaders("4711")).status);
  // The key is for /stacks only.
  EXPECT_EQ(401, berthd().Request("GET", "/v1/apps", "", ClientHeaders()).status);

  HttpResponse invalid = Call("POST", "/stacks",
                              {{"name", nullptr},
                               {"git_repository", nullptr},
                               {"git_reference", nullptr},
                               {"compose_file", nullptr}});
  EXPECT_EQ(422, invalid.status);
  EXPECT_EQ(invalid.body,
            R"({"error":{"name":["can't be blank"],"git_repository":["can't be blank"],)"
            R"("git_reference":["can't be blank"],"compose_file":["can't be blank"],)"
            R"("strategy":["is not included in the list","can't be blank"]}})"
            "\n");
  json slow = PollingStack(name);
  slow["polling_interval"] = 5;
  EXPECT_EQ(Call("POST", "/stacks", slow).body,
            R"({"error":{"polling_interval":["must be greater than or equal to 10"]}})"
            "\n");
  json bad_name = PollingStack("Not_A_Name");
  EXPECT_EQ(Call("POST", "/stacks", bad_name).body, R"({"error":{"name":["is invalid"]}})"
                                                    "\n");
  for (const std::string& body :
       {std::string(""), std::string("{}"), std::string("{\"x\":1}"), std::string("{nope")}) {
    HttpResponse reply = berthd().Request("POST", "/stacks", body, ClientHeaders());
    EXPECT_EQ(400, reply.status) << body;
    EXPECT_EQ(json({{"status", 400}, {"error", "Bad Request"}}), reply.json()) << body;
  }

  // Wrapped, as the request specs send it.
  std::string uuid = Create({{"stack", PollingStack(name)}});
  ASSERT_FALSE(uuid.empty());
  EXPECT_EQ(Call("POST", "/stacks", PollingStack(name)).body,
            R"({"error":{"name":["has already been taken"]}})"
            "\n");
  EXPECT_EQ(Call("PATCH", "/stacks/" + uuid, {{"name", "other"}}).body,
            R"({"error":{"name":["cannot be changed"]}})"
            "\n");
  EXPECT_EQ(200, Call("PUT", "/stacks/" + uuid, {{"stack", {{"name", name}}}}).status);
  HttpResponse control = Call("POST", "/stacks/" + uuid + "/control", {{"command", "explode"}});
  EXPECT_EQ(400, control.status);
  EXPECT_EQ(json({{"error", "Invalid control command"}}), control.json());
  EXPECT_EQ(404, Call("GET", "/stacks/00000000-0000-4000-8000-000000000000").status);

  json up = berthd().Get("/up", {"Authorization:"}).json();
  EXPECT_EQ(200, up.value("code", 0)) << up;
  EXPECT_EQ(json::array(), up["errors"]);
  EXPECT_EQ("ok", up.value("status", ""));
}

TEST_F(StacksTest, WebhooksNeedTheirSignatureAndDeployOnlyWebhookStacks) {
  std::string name = NewStackName("hook");
  json stack = PollingStack(name);
  stack["strategy"] = "webhook";
  stack.erase("polling_interval");
  stack["signature_header"] = "x_hub_signature_256";
  stack["signature_secret"] = "hook-secret";
  HttpResponse created = Call("POST", "/stacks", stack);
  ASSERT_EQ(201, created.status) << created.Describe();
  EXPECT_EQ("X-Hub-Signature-256", created.json().value("signature_header", ""));
  EXPECT_EQ("***", created.json().value("signature_secret", ""));
  std::string uuid = created.json().value("uuid", "");
  ASSERT_TRUE(WaitForRunning(name)) << berthd().LastSeen();

  std::string body = R"({"ref":"refs/heads/main"})";
  std::string path = "/stacks/" + uuid + "/webhook";
  std::string header = "X-Hub-Signature-256";
  auto post = [&](const std::string& signature) {
    HeaderLines headers = {"Authorization:", "Content-Type: application/json"};
    if (!signature.empty()) headers.push_back(header + ": " + signature);
    return berthd().Request("POST", path, body, headers);
  };
  HttpResponse unsigned_reply = post("");
  EXPECT_EQ(400, unsigned_reply.status);
  EXPECT_EQ(json({{"error", "Payload signature is invalid"}}), unsigned_reply.json());
  EXPECT_EQ(400, post("sha256=" + Hmac(EVP_sha256(), "wrong", body)).status);
  for (const auto& [algorithm, md] : std::vector<std::pair<std::string, const EVP_MD*>>{
           {"sha256", EVP_sha256()}, {"sha1", EVP_sha1()}, {"sha512", EVP_sha512()}}) {
    SCOPED_TRACE(algorithm);
    int64_t before = NewestDeploymentId(berthd(), name);
    HttpResponse accepted = post(algorithm + "=" + Hmac(md, "hook-secret", body));
    EXPECT_EQ(202, accepted.status) << accepted.Describe();
    EXPECT_EQ(json({{"message", "Webhook received"}}), accepted.json());
    int64_t id = 0;
    ASSERT_TRUE(WaitUntil([&] { return (id = NewestDeploymentId(berthd(), name)) > before; }));
    json deployment = WaitForDeployment(berthd(), name, id);
    EXPECT_EQ("webhook", deployment.value("trigger", "")) << deployment;
  }
  EXPECT_EQ("webhook", WaitForJob(uuid, "webhook")[0].value("action", ""));
  EXPECT_EQ(404, berthd().Request("POST", "/stacks/nope/webhook", body, {"Authorization:"}).status);

  // Any header a sender names, as upstream, normalised; the SHA family of HMACs.
  HttpResponse custom = Call("PATCH", "/stacks/" + uuid, {{"signature_header", "x_my_signature"}});
  ASSERT_EQ(200, custom.status) << custom.Describe();
  EXPECT_EQ("X-My-Signature", custom.json().value("signature_header", ""));
  header = "X-My-Signature";
  EXPECT_EQ(202, post("sha384=" + Hmac(EVP_sha384(), "hook-secret", body)).status);
  header = "X-Hub-Signature-256";
  EXPECT_EQ(400, post("sha384=" + Hmac(EVP_sha384(), "hook-secret", body)).status);
  header = "X-My-Signature";

  // A polling stack may carry a signature too, and then refuses webhooks.
  HttpResponse polling =
      Call("PATCH", "/stacks/" + uuid, {{"strategy", "polling"}, {"polling_interval", 600}});
  ASSERT_EQ(200, polling.status) << polling.Describe();
  HttpResponse refused = post("sha256=" + Hmac(EVP_sha256(), "hook-secret", body));
  EXPECT_EQ(409, refused.status);
  EXPECT_EQ(json({{"error", "Stack strategy is not webhook"}}), refused.json());
}

TEST_F(StacksTest, BerthTokensSeeOnlyTheirStacksAndUuidsSurviveARestart) {
  std::string name = NewStackName("tokens");
  std::string uuid = Create(PollingStack(name));
  ASSERT_FALSE(uuid.empty());
  std::string outsider =
      UserToken("outsider", json::array({{{"scope", "app:other"}, {"actions", {"manage"}}}}));
  std::string viewer =
      UserToken("viewer", json::array({{{"scope", "app:" + name}, {"actions", {"view"}}}}));
  HttpResponse hidden = berthd().Request("GET", "/stacks/" + uuid, "", ClientHeaders(outsider));
  EXPECT_EQ(404, hidden.status);
  EXPECT_EQ(json({{"error", "Stack not found"}}), hidden.json());
  EXPECT_EQ(json::array(), berthd().Request("GET", "/stacks", "", ClientHeaders(outsider)).json());
  EXPECT_EQ(200, berthd().Request("GET", "/stacks/" + uuid, "", ClientHeaders(viewer)).status);
  HttpResponse forbidden =
      berthd().Request("POST", "/stacks/" + uuid + "/control", json{{"command", "stop"}}.dump(),
                       ClientHeaders(viewer));
  EXPECT_EQ(403, forbidden.status);
  EXPECT_NE(std::string::npos, forbidden.json().value("error", "").find("you need control"))
      << forbidden.Describe();
  // A compose app from git defined through /v1 is a stack too, with a uuid of its own.
  std::string other = NewStackName("v1");
  json app = {{"kind", "compose"},
              {"autostart", false},
              {"source", {{"git", {{"url", repo_->url()}, {"ref", "main"}}}}}};
  ASSERT_EQ(201, berthd().Put("/v1/apps/" + other, app).status);
  json before = Call("GET", "/stacks").json();
  ASSERT_EQ(2u, before.size()) << before;
  json audit = berthd().Get("/v1/audit").json();
  EXPECT_NE(std::string::npos, audit.dump().find("supervisor-api-key")) << audit;

  ASSERT_EQ(0, berthd().Stop());
  ASSERT_TRUE(berthd().Restart());
  EXPECT_EQ(before, Call("GET", "/stacks").json());
  EXPECT_EQ(200, Call("GET", "/stacks/" + uuid).status);
}

// The uuid of an apps.d app whose file was removed while berthd was down is forgotten: a new
// app of that name is a new stack. A file that is only broken keeps its app's uuid.
TEST_F(StacksTest, AFileRemovedWhileBerthdIsDownTakesItsUuidAlong) {
  std::string removed = NewStackName("gone");
  std::string broken = NewStackName("broken");
  json app = {{"kind", "compose"},
              {"autostart", false},
              {"source", {{"git", {{"url", repo_->url()}, {"ref", "main"}}}}}};
  auto file = [&](const std::string& name) {
    return berthd().config_dir() + "/apps.d/" + name + ".json";
  };
  WriteFile(file(removed), app.dump());
  WriteFile(file(broken), app.dump());
  auto uuids = [&] {
    std::map<std::string, std::string> by_name;
    json list = Call("GET", "/stacks").json();
    for (const json& stack : list) by_name[stack.value("name", "")] = stack.value("uuid", "");
    return by_name;
  };
  std::map<std::string, std::string> before;
  ASSERT_TRUE(WaitUntil([&] {
    before = uuids();
    return before.count(removed) && before.count(broken);
  })) << Call("GET", "/stacks").body;

  ASSERT_EQ(0, berthd().Stop());
  ASSERT_EQ(0, unlink(file(removed).c_str()));
  WriteFile(file(broken), "{ not json");
  ASSERT_TRUE(berthd().Restart());
  EXPECT_NE(std::string::npos,
            berthd().StderrContents().find("its /stacks uuid " + before[removed] + " is forgotten"))
      << berthd().StderrContents();
  EXPECT_EQ(404, Call("GET", "/stacks/" + before[removed]).status);
  ASSERT_EQ(201, berthd().Put("/v1/apps/" + removed, app).status);
  std::map<std::string, std::string> after = uuids();
  ASSERT_TRUE(after.count(removed)) << Call("GET", "/stacks").body;
  EXPECT_NE(before[removed], after[removed]) << "a new app is a new stack";

  WriteFile(file(broken), app.dump());
  ASSERT_TRUE(WaitUntil([&] { return uuids().count(broken) == 1; }))
      << Call("GET", "/stacks").body;
  EXPECT_EQ(before[broken], uuids()[broken]) << "a broken file is no removed app";
}

}  // namespace
}  // namespace berth::testing
