// Black-box tests of GitOps triggers: polling a git remote (a new commit is deployed, a poll
// that finds nothing writes nothing, a failing remote shows in last_error) and signed webhooks
// from each Git host's format, with every refusal, redeliveries and bursts.
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <map>

#include "tests/integration/berthd_harness.h"
#include "tests/integration/deploy_support.h"
#include "tests/integration/git_repo.h"
#include "tests/integration/webhook_support.h"

namespace berth::testing {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr char kSecret[] = "webhook-secret-7f3a9c21";
constexpr int kInterval = 10;

std::string Script(const std::string& version) {
  return "echo \"version " + version + "\"\nexec sleep 1000\n";
}

// Every file and directory under `root` with its size and modification time.
std::map<std::string, std::string> Snapshot(const std::string& root) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    struct stat st {};
    if (lstat(entry.path().c_str(), &st) != 0) continue;
    files[entry.path().string()] = std::to_string(st.st_size) + "@" +
                                   std::to_string(st.st_mtim.tv_sec) + "." +
                                   std::to_string(st.st_mtim.tv_nsec);
  }
  return files;
}

class GitOpsTest : public BerthdTest {
 protected:
  void SetUp() override {
    BerthdTest::SetUp();
    repo_ = std::make_unique<GitRepo>(berthd().root_dir());
  }

  nlohmann::json GitApp(const nlohmann::json& deploy, const nlohmann::json& extra = {}) {
    nlohmann::json app = {{"source", {{"git", {{"url", repo_->url()}, {"ref", "main"}}}}},
                          {"command", "exec sh run.sh"},
                          {"start_seconds", 0},
                          {"deploy", deploy}};
    if (extra.is_object()) app.update(extra);
    return app;
  }

  // Creates the app from a first commit and waits until it runs it.
  void CreateRunning(const std::string& name, const nlohmann::json& deploy,
                     const nlohmann::json& extra = {}) {
    repo_->Commit({{"run.sh", Script("1")}, {"created-for", name}});
    ASSERT_EQ(201, berthd().Put("/v1/apps/" + name, GitApp(deploy, extra)).status);
    ASSERT_TRUE(berthd().WaitForLogLine(name, "version 1", kDeployTimeout)) << berthd().LastSeen();
  }

  // A webhook delivery, without the admin token.
  HttpResponse Deliver(const std::string& app, const std::string& body, HeaderLines headers,
                       const std::string& type = "application/json") {
    headers.push_back("Content-Type: " + type);
    return PerformRequest("POST", berthd().base_url() + "/v1/apps/" + app + "/webhook", body,
                          headers);
  }

  // A GitHub push delivery of `ref`, signed with `secret`.
  HttpResponse GitHubPush(const std::string& app, const std::string& ref,
                          const std::string& delivery, const std::string& secret = kSecret) {
    std::string body = nlohmann::json{{"ref", ref}, {"after", "0"}}.dump();
    return Deliver(app, body,
                   {"X-GitHub-Event: push", "X-GitHub-Delivery: " + delivery,
                    "X-Hub-Signature-256: sha256=" + Hmac(EVP_sha256(), secret, body)});
  }

  // Follows a 202's Location to the deployment's end.
  nlohmann::json FollowToEnd(const HttpResponse& accepted, const std::string& app) {
    std::string location = accepted.header("Location");
    std::string prefix = "/v1/apps/" + app + "/deployments/";
    EXPECT_EQ(0u, location.rfind(prefix, 0)) << accepted.Describe();
    EXPECT_EQ(accepted.json().value("deployment", int64_t{0}),
              std::stoll(location.substr(prefix.size())));
    nlohmann::json found;
    WaitUntil(
        [&] {
          found = berthd().Get(location).json();
          return found.is_object() && found.value("outcome", "running") != "running";
        },
        kDeployTimeout, milliseconds(20));
    return found;
  }

  std::unique_ptr<GitRepo> repo_;
};

TEST_F(GitOpsTest, PollingDeploysANewCommitAndANoOpPollWritesNothing) {
  CreateRunning("poll-app", {{"strategy", "polling"}, {"interval", kInterval}});
  ASSERT_TRUE(berthd().WaitForState("poll-app", "running"));
  nlohmann::json before_rows = Deployments(berthd(), "poll-app");
  ASSERT_EQ(1u, before_rows.size()) << before_rows.dump();
  auto before_files = Snapshot(berthd().app_dir("poll-app"));
  ASSERT_TRUE(before_files.count(berthd().app_dir("poll-app") + "/repo.git/HEAD"));

  auto polled = berthd().WaitForApp(
      "poll-app",
      [](const nlohmann::json& app) {
        return app["status"]["poll"].value("result", nlohmann::json()).is_string();
      },
      milliseconds((kInterval * 11 / 10 + 5) * 1000));
  ASSERT_TRUE(polled) << berthd().LastSeen();
  EXPECT_EQ("unchanged", (*polled)["status"]["poll"].value("result", "")) << polled->dump();
  EXPECT_TRUE((*polled)["status"]["poll"]["next"].is_string()) << polled->dump();
  EXPECT_EQ(before_rows, Deployments(berthd(), "poll-app"));
  EXPECT_EQ(before_files, Snapshot(berthd().app_dir("poll-app")));

  std::string sha = repo_->Commit({{"run.sh", Script("2")}});
  Clock::time_point pushed = Clock::now();
  int64_t first = before_rows[0].value("id", int64_t{0});
  int64_t id = 0;
  ASSERT_TRUE(WaitUntil([&] { return (id = NewestDeploymentId(berthd(), "poll-app")) > first; },
                        milliseconds((kInterval * 11 / 10 + 2) * 1000), milliseconds(50)))
      << "no deployment within interval + 10 % + 2 s of the push";
  EXPECT_LE(Clock::now() - pushed, std::chrono::seconds(kInterval * 11 / 10 + 2));
  nlohmann::json deployment = WaitForDeployment(berthd(), "poll-app", id);
  EXPECT_EQ("poll", deployment.value("trigger", ""));
  EXPECT_EQ("succeeded", deployment.value("outcome", "")) << deployment.dump();
  EXPECT_EQ(sha, deployment.value("revision", ""));
  EXPECT_TRUE(berthd().WaitForLogLine("poll-app", "version 2", kDeployTimeout));

  std::string metrics = berthd().Get("/metrics").body;
  EXPECT_NE(std::string::npos,
            metrics.find("berth_polls_total{app=\"poll-app\",result=\"unchanged\"} "))
      << metrics;
  EXPECT_NE(std::string::npos,
            metrics.find("berth_polls_total{app=\"poll-app\",result=\"changed\"} 1"))
      << metrics;
}

TEST_F(GitOpsTest, AFailingRemoteShowsInLastErrorUntilAPollSucceeds) {
  CreateRunning("poll-fail", {{"strategy", "polling"}, {"interval", kInterval}});
  std::string origin = berthd().root_dir() + "/origin.git";
  fs::rename(origin, origin + ".away");
  auto failing = berthd().WaitForApp(
      "poll-fail",
      [](const nlohmann::json& app) {
        return app["status"]["last_error"].is_string() &&
               app["status"]["last_error"].get<std::string>().find("poll failed") == 0;
      },
      milliseconds((kInterval * 11 / 10 + 5) * 1000));
  ASSERT_TRUE(failing) << berthd().LastSeen();
  EXPECT_EQ("failed", (*failing)["status"]["poll"].value("result", ""));
  EXPECT_EQ(1u, Deployments(berthd(), "poll-fail").size());

  fs::rename(origin + ".away", origin);
  // After one failure the next poll waits twice the interval (±10 %).
  auto cleared = berthd().WaitForApp(
      "poll-fail",
      [](const nlohmann::json& app) {
        return app["status"]["last_error"].is_null() &&
               app["status"]["poll"].value("result", "") == "unchanged";
      },
      milliseconds((2 * kInterval * 11 / 10 + 5) * 1000));
  EXPECT_TRUE(cleared) << berthd().LastSeen();
  EXPECT_EQ(1u, Deployments(berthd(), "poll-fail").size());
}

TEST_F(GitOpsTest, ASignedWebhookOfEachHostDeploys) {
  CreateRunning("hook", {{"strategy", "webhook"}, {"secret", kSecret}});
  struct Host {
    std::string name;
    std::function<HeaderLines(const std::string& body)> headers;
    bool bitbucket = false;
  };
  std::vector<Host> hosts = {
      {"github-sha256",
       [](const std::string& body) {
         return HeaderLines{"X-GitHub-Event: push", "X-GitHub-Delivery: gh-1",
                            "X-Hub-Signature-256: sha256=" + Hmac(EVP_sha256(), kSecret, body)};
       }},
      {"github-sha1",
       [](const std::string& body) {
         return HeaderLines{"X-GitHub-Event: push", "X-GitHub-Delivery: gh-2",
                            "X-Hub-Signature: sha1=" + Hmac(EVP_sha1(), kSecret, body)};
       }},
      {"gitea",
       [](const std::string& body) {
         return HeaderLines{"X-Gitea-Event: push", "X-Gitea-Delivery: gitea-1",
                            "X-Gitea-Signature: " + Hmac(EVP_sha256(), kSecret, body)};
       }},
      {"forgejo",
       [](const std::string& body) {
         return HeaderLines{"X-Forgejo-Event: push", "X-Forgejo-Delivery: forgejo-1",
                            "X-Forgejo-Signature: " + Hmac(EVP_sha256(), kSecret, body)};
       }},
      {"bitbucket-server",
       [](const std::string& body) {
         return HeaderLines{"X-Event-Key: repo:refs_changed", "X-Request-Id: bb-1",
                            "X-Hub-Signature: sha256=" + Hmac(EVP_sha256(), kSecret, body)};
       },
       true},
      {"gitlab",
       [](const std::string&) {
         return HeaderLines{"X-Gitlab-Event: Push Hook", "X-Gitlab-Event-UUID: gl-1",
                            std::string("X-Gitlab-Token: ") + kSecret};
       }},
  };
  int version = 1;
  for (const Host& host : hosts) {
    SCOPED_TRACE(host.name);
    std::string sha = repo_->Commit({{"run.sh", Script(std::to_string(++version))}});
    nlohmann::json payload = {{"ref", "refs/heads/main"}, {"after", sha}};
    if (host.bitbucket) payload = {{"changes", {{{"ref", {{"id", "refs/heads/main"}}}}}}};
    std::string body = payload.dump();
    HttpResponse reply = Deliver("hook", body, host.headers(body));
    ASSERT_EQ(202, reply.status) << reply.Describe();
    nlohmann::json deployment = FollowToEnd(reply, "hook");
    EXPECT_EQ("webhook", deployment.value("trigger", ""));
    EXPECT_EQ("succeeded", deployment.value("outcome", "")) << deployment.dump();
    EXPECT_EQ(sha, deployment.value("revision", ""));
  }
  EXPECT_TRUE(berthd().WaitForLogLine("hook", "version " + std::to_string(version), kDeployTimeout));
}

TEST_F(GitOpsTest, AFormEncodedGitHubPayloadDeploys) {
  CreateRunning("hook-form", {{"strategy", "webhook"}, {"secret", kSecret}});
  repo_->Commit({{"run.sh", Script("2")}});
  std::string body = "payload=%7B%22ref%22%3A%22refs%2Fheads%2Fmain%22%7D";
  HttpResponse reply = Deliver("hook-form", body,
                               {"X-GitHub-Event: push", "X-GitHub-Delivery: form-1",
                                "X-Hub-Signature-256: sha256=" + Hmac(EVP_sha256(), kSecret, body)},
                               "application/x-www-form-urlencoded");
  ASSERT_EQ(202, reply.status) << reply.Describe();
  EXPECT_EQ("succeeded", FollowToEnd(reply, "hook-form").value("outcome", ""));
}

TEST_F(GitOpsTest, EveryRefusalDeploysNothing) {
  CreateRunning("hook-no", {{"strategy", "webhook"}, {"secret", kSecret}});
  size_t rows = Deployments(berthd(), "hook-no").size();
  std::string body = R"({"ref":"refs/heads/main"})";

  HttpResponse unsigned_push = Deliver("hook-no", body, {"X-GitHub-Event: push"});
  EXPECT_TRUE(IsApiError(unsigned_push, 401, "unauthorized"));
  EXPECT_EQ("", unsigned_push.header("WWW-Authenticate"));
  HttpResponse wrong_signature =
      Deliver("hook-no", body, {"X-Hub-Signature-256: sha256=" + std::string(64, '0')});
  EXPECT_TRUE(IsApiError(wrong_signature, 401, "unauthorized"));
  EXPECT_TRUE(IsApiError(GitHubPush("hook-no", "refs/heads/main", "w-1", "another-secret"), 401,
                         "unauthorized"));
  EXPECT_TRUE(IsApiError(Deliver("hook-no", body, {"X-Gitlab-Token: nope"}), 401, "unauthorized"));
  // The admin token is no signature.
  EXPECT_TRUE(IsApiError(Deliver("hook-no", body, {"Authorization: Bearer " + berthd().token()}),
                         401, "unauthorized"));
  EXPECT_TRUE(IsApiError(GitHubPush("nosuch", "refs/heads/main", "n-1"), 404, "not_found"));

  std::string ping_body = R"({"zen":"Keep it logically awesome.","hook_id":1})";
  HttpResponse ping = Deliver("hook-no", ping_body,
                              {"X-GitHub-Event: ping", "X-GitHub-Delivery: ping-1",
                               "X-Hub-Signature-256: sha256=" +
                                   Hmac(EVP_sha256(), kSecret, ping_body)});
  EXPECT_EQ(200, ping.status) << ping.Describe();
  EXPECT_EQ(true, ping.json().value("ping", false));

  HttpResponse other = GitHubPush("hook-no", "refs/heads/x", "other-1");
  EXPECT_EQ(202, other.status) << other.Describe();
  EXPECT_EQ("push to refs/heads/x, the app deploys main", other.json().value("skipped", ""));

  HttpResponse html = Deliver("hook-no", body,
                              {"X-Hub-Signature-256: sha256=" + Hmac(EVP_sha256(), kSecret, body)},
                              "text/plain");
  EXPECT_TRUE(IsApiError(html, 415, "unsupported_media_type"));
  EXPECT_EQ(rows, Deployments(berthd(), "hook-no").size());

  HttpResponse first = GitHubPush("hook-no", "refs/heads/main", "dup-1");
  ASSERT_EQ(202, first.status) << first.Describe();
  FollowToEnd(first, "hook-no");
  size_t after_first = Deployments(berthd(), "hook-no").size();
  EXPECT_EQ(rows + 1, after_first);
  HttpResponse again = GitHubPush("hook-no", "refs/heads/main", "dup-1");
  EXPECT_EQ(200, again.status) << again.Describe();
  EXPECT_EQ("dup-1", again.json().value("duplicate", ""));
  EXPECT_EQ(after_first, Deployments(berthd(), "hook-no").size());

  // The same secret on an app that deploys by hand: authenticated, then refused.
  CreateRunning("hook-manual", {{"strategy", "manual"}, {"secret", kSecret}});
  EXPECT_TRUE(IsApiError(GitHubPush("hook-manual", "refs/heads/main", "m-1"), 409, "conflict"));
  EXPECT_TRUE(IsApiError(GitHubPush("hook-manual", "refs/heads/main", "m-2", "bad"), 401,
                         "unauthorized"));
  EXPECT_EQ(1u, Deployments(berthd(), "hook-manual").size());

  std::string metrics = berthd().Get("/metrics").body;
  for (const char* line : {"berth_webhooks_total{app=\"hook-no\",result=\"unauthorized\"} 5",
                           "berth_webhooks_total{app=\"hook-no\",result=\"ping\"} 1",
                           "berth_webhooks_total{app=\"hook-no\",result=\"skipped\"} 1",
                           "berth_webhooks_total{app=\"hook-no\",result=\"accepted\"} 1",
                           "berth_webhooks_total{app=\"hook-no\",result=\"duplicate\"} 1",
                           "berth_webhooks_total{app=\"hook-manual\",result=\"conflict\"} 1"})
    EXPECT_NE(std::string::npos, metrics.find(line)) << line << "\n" << metrics;
}

TEST_F(GitOpsTest, ABurstOfPushesRunsOneDeploymentAndQueuesOne) {
  // A slow install keeps the first deployment running while the burst arrives.
  CreateRunning("hook-burst", {{"strategy", "webhook"}, {"secret", kSecret}},
                {{"install", "sleep 3"}});
  int64_t before = NewestDeploymentId(berthd(), "hook-burst");
  repo_->Commit({{"run.sh", Script("2")}});
  std::vector<HttpResponse> replies;
  for (int i = 0; i < 5; ++i)
    replies.push_back(GitHubPush("hook-burst", "refs/heads/main", "burst-" + std::to_string(i)));
  ASSERT_EQ(202, replies[0].status) << replies[0].Describe();
  int64_t running = replies[0].json().value("deployment", int64_t{0});
  EXPECT_GT(running, before);
  for (int i = 1; i < 5; ++i) {
    EXPECT_EQ(202, replies[i].status) << replies[i].Describe();
    EXPECT_EQ(running, replies[i].json().value("deployment", int64_t{0})) << replies[i].body;
    EXPECT_EQ(true, replies[i].json().value("queued", false)) << replies[i].body;
  }
  EXPECT_EQ("succeeded", FollowToEnd(replies[0], "hook-burst").value("outcome", ""));
  // The queued follow-up starts once the first ends, and ends too.
  int64_t follow_up = 0;
  ASSERT_TRUE(WaitUntil(
      [&] { return (follow_up = NewestDeploymentId(berthd(), "hook-burst")) > running; }));
  nlohmann::json last = WaitForDeployment(berthd(), "hook-burst", follow_up);
  EXPECT_EQ("webhook", last.value("trigger", ""));
  EXPECT_NE("failed", last.value("outcome", "")) << last.dump();
  nlohmann::json rows = Deployments(berthd(), "hook-burst");
  size_t added = 0;
  for (const auto& row : rows) added += row.value("id", int64_t{0}) > before;
  EXPECT_EQ(2u, added) << rows.dump();
}

TEST_F(GitOpsTest, TheWebhookSecretIsNeverShownLoggedOrStoredInClear) {
  CreateRunning("hook-secret", {{"strategy", "webhook"}, {"secret", kSecret}});
  repo_->Commit({{"run.sh", Script("2")}});
  HttpResponse reply = GitHubPush("hook-secret", "refs/heads/main", "s-1");
  ASSERT_EQ(202, reply.status) << reply.Describe();
  FollowToEnd(reply, "hook-secret");
  GitHubPush("hook-secret", "refs/heads/main", "s-2", "wrong");
  nlohmann::json app = berthd().Get("/v1/apps/hook-secret").json();
  EXPECT_EQ("***", app["deploy"].value("secret", "")) << app.dump();
  EXPECT_EQ(std::string::npos, app.dump().find(kSecret));
  for (const auto& row : Deployments(berthd(), "hook-secret")) {
    std::string log = berthd()
                          .Get("/v1/apps/hook-secret/deployments/" +
                               std::to_string(row.value("id", 0)) + "?log=true")
                          .body;
    EXPECT_EQ(std::string::npos, log.find(kSecret));
  }
  EXPECT_EQ(std::string::npos, berthd().StderrContents().find(kSecret));
  for (const auto& entry : fs::directory_iterator(berthd().state_dir())) {
    if (entry.path().filename().string().rfind("berth.db", 0) != 0) continue;
    EXPECT_EQ(std::string::npos, ReadFile(entry.path()).find(kSecret)) << entry.path();
  }
}

}  // namespace
}  // namespace berth::testing
