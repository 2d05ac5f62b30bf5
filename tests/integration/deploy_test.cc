// Black-box tests of apps deployed from source: git repositories made with the git command line
// (file:// URLs), tarballs, installs (a Python venv; npm ci against the npm registry), redeploy,
// rollback, failures that leave the serving release alone, and tokens that never show.
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "tests/integration/berthd_harness.h"
#include "tests/integration/deploy_support.h"
#include "tests/integration/git_repo.h"
#include "tests/integration/nginx_support.h"

namespace berth::testing {
namespace {

namespace fs = std::filesystem;

std::string Script(const std::string& version) {
  return "echo \"version " + version + "\"\nexec sleep 1000\n";
}

class DeployTest : public BerthdTest {
 protected:
  void SetUp() override {
    BerthdTest::SetUp();
    repo_ = std::make_unique<GitRepo>(berthd().root_dir());
  }

  nlohmann::json GitApp(const nlohmann::json& extra = {}) {
    nlohmann::json app = {{"source", {{"git", {{"url", repo_->url()}, {"ref", "main"}}}}},
                          {"command", "exec sh run.sh"},
                          {"start_seconds", 0}};
    if (extra.is_object()) app.update(extra);
    return app;
  }

  std::optional<nlohmann::json> WaitForLog(const std::string& app, const std::string& line) {
    return berthd().WaitForLogLine(app, line, kDeployTimeout);
  }

  // Sends a control command and returns the id of the deployment it began.
  int64_t Control(const std::string& app, const nlohmann::json& body) {
    int64_t before = NewestDeploymentId(berthd(), app);
    HttpResponse reply = berthd().Post("/v1/apps/" + app + "/control", body);
    EXPECT_EQ(202, reply.status) << reply.Describe();
    int64_t id = 0;
    WaitUntil([&] { return (id = NewestDeploymentId(berthd(), app)) > before; });
    return id;
  }

  std::unique_ptr<GitRepo> repo_;
};

TEST_F(DeployTest, AGitAppRunsFromTheReleaseItWasDeployedTo) {
  std::string sha = repo_->Commit({{"run.sh", Script("1")}});
  ASSERT_EQ(201, berthd().Put("/v1/apps/dep-git", GitApp()).status);
  ASSERT_TRUE(WaitForLog("dep-git", "version 1")) << berthd().LastSeen();
  auto running = berthd().WaitForState("dep-git", "running");
  ASSERT_TRUE(running) << berthd().LastSeen();
  std::string release = (*running)["status"].value("release", "");
  EXPECT_FALSE(release.empty()) << running->dump();
  EXPECT_EQ("exec sh run.sh", (*running)["status"].value("command", ""));
  EXPECT_EQ(berthd().app_dir("dep-git") + "/releases/" + release,
            ProcessCwd(static_cast<pid_t>(AppPid(*running))));

  nlohmann::json list = Deployments(berthd(), "dep-git");
  ASSERT_EQ(1u, list.size()) << list.dump();
  EXPECT_EQ("succeeded", list[0].value("outcome", ""));
  EXPECT_EQ(sha, list[0].value("revision", ""));
  EXPECT_EQ("main", list[0].value("ref", ""));
  EXPECT_EQ(release, list[0].value("release", ""));
  nlohmann::json one = berthd()
                           .Get("/v1/apps/dep-git/deployments/" +
                                std::to_string(list[0].value("id", 0)) + "?log=true")
                           .json();
  EXPECT_NE(std::string::npos, one.value("log", "").find("serving release " + release)) << one;
  EXPECT_EQ(404, berthd().Get("/v1/apps/dep-git/deployments/999").status);

  nlohmann::json stats = berthd().Get("/v1/apps/dep-git/stats").json();
  EXPECT_EQ(1, stats["deploys"].value("processed", 0)) << stats;
  EXPECT_EQ(0, stats["deploys"].value("failed", 1)) << stats;
}

TEST_F(DeployTest, RedeployDoesNothingForTheSameCommitAndDeploysANewOne) {
  std::string sha1 = repo_->Commit({{"run.sh", Script("1")}});
  ASSERT_EQ(201, berthd().Put("/v1/apps/dep-re", GitApp()).status);
  auto first = berthd().WaitForState("dep-re", "running", kDeployTimeout);
  ASSERT_TRUE(first) << berthd().LastSeen();

  int64_t same = Control("dep-re", {{"command", "redeploy"}});
  nlohmann::json skipped = WaitForDeployment(berthd(), "dep-re", same);
  EXPECT_EQ("skipped", skipped.value("outcome", "")) << skipped;
  EXPECT_EQ(sha1, skipped.value("revision", "")) << "a skipped deployment names what it found";
  EXPECT_EQ("main", skipped.value("ref", "")) << skipped;
  EXPECT_EQ(AppPid(*first), AppPid(berthd().Get("/v1/apps/dep-re").json()));

  int64_t forced = Control("dep-re", {{"command", "redeploy"}, {"force", true}});
  EXPECT_EQ("succeeded", WaitForDeployment(berthd(), "dep-re", forced).value("outcome", ""));

  std::string sha2 = repo_->Commit({{"run.sh", Script("2")}});
  int64_t id = Control("dep-re", {{"command", "redeploy"}});
  nlohmann::json done = WaitForDeployment(berthd(), "dep-re", id);
  EXPECT_EQ("succeeded", done.value("outcome", "")) << done;
  EXPECT_EQ(sha2, done.value("revision", ""));
  EXPECT_TRUE(WaitForLog("dep-re", "version 2")) << berthd().LastSeen();
}

TEST_F(DeployTest, ABadRefOrAFailingInstallLeavesTheServingReleaseAlone) {
  repo_->Commit({{"run.sh", Script("1")}});
  repo_->Commit({{"run.sh", Script("dev")}}, "dev");
  ASSERT_EQ(201, berthd().Put("/v1/apps/dep-bad", GitApp()).status);
  auto running = berthd().WaitForState("dep-bad", "running", kDeployTimeout);
  ASSERT_TRUE(running) << berthd().LastSeen();
  std::string release = (*running)["status"].value("release", "");

  nlohmann::json bad_ref = {{"source", {{"git", {{"ref", "nope"}}}}}};
  ASSERT_EQ(200, berthd().Patch("/v1/apps/dep-bad", bad_ref).status);
  nlohmann::json failed =
      WaitForDeployment(berthd(), "dep-bad", NewestDeploymentId(berthd(), "dep-bad"));
  EXPECT_EQ("failed", failed.value("outcome", "")) << failed;
  EXPECT_NE(std::string::npos, failed.value("error", "").find("branches are dev, main")) << failed;

  ASSERT_EQ(200, berthd()
                     .Patch("/v1/apps/dep-bad",
                            {{"source", {{"git", {{"ref", "main"}}}}}, {"install", "exit 3"}})
                     .status);
  failed = WaitForDeployment(berthd(), "dep-bad", NewestDeploymentId(berthd(), "dep-bad"));
  EXPECT_EQ("failed", failed.value("outcome", "")) << failed;
  EXPECT_NE(std::string::npos, failed.value("error", "").find("install command failed")) << failed;

  nlohmann::json now = berthd().Get("/v1/apps/dep-bad").json();
  EXPECT_EQ("running", AppState(now));
  EXPECT_EQ(AppPid(*running), AppPid(now));
  EXPECT_EQ(release, now["status"].value("release", ""));
  EXPECT_NE(std::string::npos, now["status"].value("last_error", "").find("deploy failed"));
  nlohmann::json stats = berthd().Get("/v1/apps/dep-bad/stats").json();
  EXPECT_EQ(2, stats["deploys"].value("failed", 0)) << stats;
  // The failed releases were removed; the serving one stays.
  EXPECT_TRUE(WaitUntil([&] {
    return fs::exists(berthd().app_dir("dep-bad") + "/releases/" + release) &&
           std::distance(fs::directory_iterator(berthd().app_dir("dep-bad") + "/releases"),
                         fs::directory_iterator()) == 1;
  }));
}

TEST_F(DeployTest, ARefMovedAwayAndBackKeepsTheServingReleaseAndRollbackFindsOlderCode) {
  repo_->Commit({{"run.sh", Script("1")}});
  ASSERT_EQ(201, berthd().Put("/v1/apps/dep-ref", GitApp()).status);
  auto first = berthd().WaitForState("dep-ref", "running", kDeployTimeout);
  ASSERT_TRUE(first) << berthd().LastSeen();
  std::string release1 = (*first)["status"].value("release", "");
  std::string sha2 = repo_->Commit({{"run.sh", Script("2")}});
  int64_t id = Control("dep-ref", {{"command", "redeploy"}});
  ASSERT_EQ("succeeded", WaitForDeployment(berthd(), "dep-ref", id).value("outcome", ""));
  auto second = berthd().WaitForApp("dep-ref", [&](const nlohmann::json& app) {
    return AppState(app) == "running" && app["status"].value("release", "") != release1;
  });
  ASSERT_TRUE(second) << berthd().LastSeen();
  std::string release2 = (*second)["status"].value("release", "");

  // The ref moves to the commit already serving, with an env change: the deployment keeps the
  // serving release, and the app still restarts for the env.
  int64_t before = NewestDeploymentId(berthd(), "dep-ref");
  nlohmann::json away = {{"source", {{"git", {{"url", repo_->url()}, {"ref", sha2}}}}},
                         {"env", {{"MODE", "away"}}}};
  ASSERT_EQ(200, berthd().Patch("/v1/apps/dep-ref", away).status);
  ASSERT_TRUE(WaitUntil([&] { return NewestDeploymentId(berthd(), "dep-ref") > before; }));
  nlohmann::json kept = WaitForDeployment(berthd(), "dep-ref", NewestDeploymentId(berthd(), "dep-ref"));
  EXPECT_EQ("change", kept.value("trigger", "")) << kept;
  EXPECT_EQ("skipped", kept.value("outcome", "")) << kept;
  auto restarted = berthd().WaitForApp("dep-ref", [&](const nlohmann::json& app) {
    return AppState(app) == "running" && AppPid(app) != AppPid(*second);
  });
  ASSERT_TRUE(restarted) << berthd().LastSeen();
  EXPECT_EQ(release2, (*restarted)["status"].value("release", ""));
  EXPECT_EQ("away", ProcessEnv(static_cast<pid_t>(AppPid(*restarted)))["MODE"]);

  // And back: still the same release.
  before = NewestDeploymentId(berthd(), "dep-ref");
  nlohmann::json back = {{"source", {{"git", {{"url", repo_->url()}, {"ref", "main"}}}}}};
  ASSERT_EQ(200, berthd().Patch("/v1/apps/dep-ref", back).status);
  ASSERT_TRUE(WaitUntil([&] { return NewestDeploymentId(berthd(), "dep-ref") > before; }));
  EXPECT_EQ("skipped", WaitForDeployment(berthd(), "dep-ref", NewestDeploymentId(berthd(), "dep-ref"))
                           .value("outcome", ""));

  // A rollback goes to the older code, not to another release of the code serving.
  int64_t rollback = Control("dep-ref", {{"command", "rollback"}});
  nlohmann::json rolled = WaitForDeployment(berthd(), "dep-ref", rollback);
  EXPECT_EQ("succeeded", rolled.value("outcome", "")) << rolled;
  EXPECT_EQ(release1, rolled.value("release", ""));
  std::string log = berthd()
                        .Get("/v1/apps/dep-ref/deployments/" + std::to_string(rollback) + "?log=true")
                        .json()
                        .value("log", "");
  EXPECT_NE(std::string::npos, log.find("==> rolling back to release " + release1 + " (revision "))
      << log;
  EXPECT_TRUE(WaitForLog("dep-ref", "version 1")) << berthd().LastSeen();
}

TEST_F(DeployTest, RollbackServesThePreviousRelease) {
  repo_->Commit({{"run.sh", Script("1")}});
  ASSERT_EQ(201, berthd().Put("/v1/apps/dep-back", GitApp()).status);
  auto first = berthd().WaitForState("dep-back", "running", kDeployTimeout);
  ASSERT_TRUE(first) << berthd().LastSeen();
  std::string release1 = (*first)["status"].value("release", "");
  repo_->Commit({{"run.sh", Script("2")}});
  int64_t id = Control("dep-back", {{"command", "redeploy"}});
  ASSERT_EQ("succeeded", WaitForDeployment(berthd(), "dep-back", id).value("outcome", ""));
  ASSERT_TRUE(WaitForLog("dep-back", "version 2"));

  int64_t back = Control("dep-back", {{"command", "rollback"}});
  nlohmann::json rolled = WaitForDeployment(berthd(), "dep-back", back);
  EXPECT_EQ("succeeded", rolled.value("outcome", "")) << rolled;
  EXPECT_EQ("rollback", rolled.value("trigger", ""));
  EXPECT_EQ(release1, rolled.value("release", ""));
  auto serving = berthd().WaitForApp("dep-back", [&](const nlohmann::json& app) {
    return AppState(app) == "running" && app["status"].value("release", "") == release1;
  });
  ASSERT_TRUE(serving) << berthd().LastSeen();
  EXPECT_EQ(berthd().app_dir("dep-back") + "/releases/" + release1,
            ProcessCwd(static_cast<pid_t>(AppPid(*serving))));

  EXPECT_TRUE(IsApiError(berthd().Post("/v1/apps/dep-back/control",
                                       nlohmann::json{{"command", "rollback"}, {"release", "999"}}),
                         404, "not_found"));
  ASSERT_EQ(201, berthd().Post("/v1/apps", ProcessApp("dep-plain", Sh("exec sleep 1000"))).status);
  EXPECT_TRUE(IsApiError(
      berthd().Post("/v1/apps/dep-plain/control", nlohmann::json{{"command", "redeploy"}}), 409,
      "conflict"));
}

TEST_F(DeployTest, DeletingAnAppEndsItsDeploymentOnRecord) {
  repo_->Commit({{"run.sh", Script("1")}});
  ASSERT_EQ(201, berthd().Put("/v1/apps/dep-del", GitApp({{"install", "exec sleep 1000"}})).status);
  ASSERT_TRUE(berthd().WaitForApp("dep-del", [](const nlohmann::json& app) {
    return app["status"].value("deploying", nlohmann::json()).is_number();
  })) << berthd().LastSeen();
  ASSERT_EQ(204, berthd().Delete("/v1/apps/dep-del").status);

  // The record outlives the app (until a purge): a new app of that name sees it.
  ASSERT_EQ(201, berthd().Put("/v1/apps/dep-del", GitApp({{"autostart", false}})).status);
  nlohmann::json list = Deployments(berthd(), "dep-del");
  ASSERT_EQ(1u, list.size()) << list.dump();
  EXPECT_EQ("failed", list[0].value("outcome", ""));
  EXPECT_EQ("the app was deleted", list[0].value("error", ""));
}

TEST_F(DeployTest, BerthctlRedeploysRollsBackAndListsDeployments) {
  auto ctl = [&](const std::vector<std::string>& args) {
    std::vector<std::string> argv = {BERTHCTL_PATH, "--url", berthd().base_url(), "--token",
                                     berthd().token()};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv, {"BERTH_URL", "BERTH_TOKEN"});
  };
  repo_->Commit({{"run.sh", Script("1")}});
  ASSERT_EQ(201, berthd().Put("/v1/apps/dep-ctl", GitApp()).status);
  ASSERT_TRUE(berthd().WaitForState("dep-ctl", "running", kDeployTimeout));
  repo_->Commit({{"run.sh", Script("2")}});

  CommandResult redeploy = ctl({"redeploy", "dep-ctl"});
  EXPECT_EQ(0, redeploy.exit_code) << redeploy.Describe();
  EXPECT_NE(std::string::npos, redeploy.out.find("dep-ctl: deployment 2 started")) << redeploy.out;
  EXPECT_EQ("succeeded", WaitForDeployment(berthd(), "dep-ctl", 2).value("outcome", ""));
  CommandResult rollback = ctl({"rollback", "dep-ctl", "1"});
  EXPECT_EQ(0, rollback.exit_code) << rollback.Describe();
  EXPECT_EQ("succeeded", WaitForDeployment(berthd(), "dep-ctl", 3).value("outcome", ""));

  // After the rollback main is ahead again: --wait follows that deployment to its end.
  CommandResult waited = ctl({"redeploy", "dep-ctl", "--wait"});
  EXPECT_EQ(0, waited.exit_code) << waited.Describe();
  EXPECT_NE(std::string::npos, waited.out.find("==> serving release 4\n")) << waited.out;
  EXPECT_NE(std::string::npos, waited.out.find("dep-ctl: deployment 4 succeeded\n")) << waited.out;

  CommandResult list = ctl({"deployments", "dep-ctl"});
  EXPECT_EQ(0, list.exit_code) << list.Describe();
  EXPECT_NE(std::string::npos, list.out.find("rollback")) << list.out;
  EXPECT_NE(std::string::npos, list.out.find("redeploy")) << list.out;
  CommandResult one = ctl({"deployments", "dep-ctl", "2"});
  EXPECT_NE(std::string::npos, one.out.find("==> serving release 2")) << one.out;

  CommandResult missing = ctl({"rollback", "dep-ctl", "99"});
  EXPECT_NE(0, missing.exit_code);
  EXPECT_NE(std::string::npos, missing.err.find("release 99 does not exist")) << missing.err;
}

TEST_F(DeployTest, ATokenNeverShowsInResponsesLogsOrFiles) {
  const std::string token = "tok-0f9e8d7c6b5a-never-shown";
  repo_->Commit({{"run.sh", Script("1")}});
  auto events = berthd().OpenSse("/v1/events");
  ASSERT_EQ(200, events->WaitForStatus());
  nlohmann::json spec = GitApp();
  spec["source"]["git"]["username"] = "deployer";
  spec["source"]["git"]["token"] = token;
  HttpResponse created = berthd().Put("/v1/apps/dep-tok", spec);
  ASSERT_EQ(201, created.status) << created.Describe();
  EXPECT_EQ("***", created.json()["source"]["git"].value("token", ""));
  ASSERT_TRUE(berthd().WaitForState("dep-tok", "running", kDeployTimeout)) << berthd().LastSeen();

  // A GET body sent back keeps the token it cannot see.
  nlohmann::json shown = berthd().Get("/v1/apps/dep-tok").json();
  ASSERT_EQ(200, berthd().Put("/v1/apps/dep-tok", shown).status);
  int64_t id = Control("dep-tok", {{"command", "redeploy"}, {"force", true}});
  nlohmann::json done = WaitForDeployment(berthd(), "dep-tok", id);
  EXPECT_EQ("succeeded", done.value("outcome", "")) << done;

  std::string everything =
      berthd().Get("/v1/apps").body + berthd().Get("/v1/apps/dep-tok").body +
      berthd().Get("/v1/apps/dep-tok/deployments").body +
      berthd().Get("/v1/apps/dep-tok/logs").body +
      berthd().Get("/v1/apps/dep-tok/deployments/" + std::to_string(id) + "?log=true").body +
      events->RawBody() + berthd().StderrContents();
  EXPECT_EQ(std::string::npos, everything.find(token));
  for (const auto& entry : fs::recursive_directory_iterator(berthd().state_dir())) {
    if (!entry.is_regular_file()) continue;
    EXPECT_EQ(std::string::npos, ReadFile(entry.path()).find(token)) << entry.path();
  }

  nlohmann::json in_url = GitApp();
  in_url["source"]["git"]["url"] = "https://deployer:" + token + "@git.example.com/x.git";
  EXPECT_TRUE(
      IsApiError(berthd().Put("/v1/apps/dep-url", in_url), 422, "invalid", "source.git.url"));
}

TEST_F(DeployTest, ATarballIsCheckedAgainstItsDigest) {
  std::string dir = berthd().root_dir() + "/tarball";
  fs::create_directories(dir + "/app");
  WriteFile(dir + "/app/run.sh", Script("tar"));
  CommandResult tar = RunCommand({"/bin/tar", "-C", dir, "-czf", dir + "/app.tgz", "app"});
  ASSERT_EQ(0, tar.exit_code) << tar.Describe();
  CommandResult sum = RunCommand({"/usr/bin/sha256sum", dir + "/app.tgz"});
  std::string sha = sum.out.substr(0, 64);

  nlohmann::json bad = {{"source",
                         {{"tarball",
                           {{"url", "file://" + dir + "/app.tgz"},
                            {"sha256", std::string(64, 'a')},
                            {"subdir", "app"}}}}},
                        {"command", "exec sh run.sh"}};
  ASSERT_EQ(201, berthd().Put("/v1/apps/dep-tar", bad).status);
  auto failed = berthd().WaitForState("dep-tar", "failed", kDeployTimeout);
  ASSERT_TRUE(failed) << berthd().LastSeen();
  EXPECT_NE(std::string::npos, (*failed)["status"].value("last_error", "").find("sha256 mismatch"));

  nlohmann::json good = bad;
  good["source"]["tarball"]["sha256"] = sha;
  ASSERT_EQ(200, berthd().Put("/v1/apps/dep-tar", good).status);
  ASSERT_EQ(202,
            berthd().Post("/v1/apps/dep-tar/control", nlohmann::json{{"command", "start"}}).status);
  EXPECT_TRUE(WaitForLog("dep-tar", "version tar")) << berthd().LastSeen();
  nlohmann::json list = Deployments(berthd(), "dep-tar");
  EXPECT_EQ(sha, list[0].value("revision", "")) << list;
}

TEST_F(DeployTest, APythonProjectGetsAVenvOnItsPath) {
  repo_->Commit(
      {{"requirements.txt", "# nothing to install\n"},
       {"run.sh", "python3 -c 'import sys; print(\"prefix\", sys.prefix)'\nexec sleep 1000\n"}});
  ASSERT_EQ(201, berthd().Put("/v1/apps/dep-py", GitApp()).status);
  auto lines = WaitForLog("dep-py", "prefix");
  ASSERT_TRUE(lines) << berthd().LastSeen();
  bool in_venv = false;
  for (const std::string& line : LogLines(*lines))
    in_venv |= line.find("prefix " + berthd().app_dir("dep-py") + "/releases/") == 0 &&
               line.find("/.venv") != std::string::npos;
  EXPECT_TRUE(in_venv) << lines->dump();
  nlohmann::json one =
      berthd()
          .Get("/v1/apps/dep-py/deployments/" +
               std::to_string(NewestDeploymentId(berthd(), "dep-py")) + "?log=true")
          .json();
  EXPECT_NE(std::string::npos, one.value("log", "").find("python3 -m venv .venv")) << one;
}

TEST_F(DeployTest, ANodeProjectIsInstalledWithNpmCiAndStartedByItsServerJs) {
  // package-lock.json as a project would commit it, made by npm from the registry.
  WriteFile(repo_->work() + "/package.json",
            R"({"name": "dep-node", "version": "1.0.0", "dependencies": {"is-number": "7.0.0"}})");
  CommandResult lock = RunCommand({"/usr/bin/npm", "install", "--package-lock-only", "--no-audit",
                                   "--no-fund", "--prefix", repo_->work()},
                                  {}, milliseconds(120000));
  ASSERT_EQ(0, lock.exit_code) << lock.Describe();
  repo_->Commit({{"server.js",
                  "const isNumber = require('is-number');\n"
                  "console.log('is-number says ' + isNumber(42));\n"
                  "setInterval(() => {}, 1 << 30);\n"}});
  nlohmann::json spec = GitApp();
  spec.erase("command");
  ASSERT_EQ(201, berthd().Put("/v1/apps/dep-node", spec).status);
  ASSERT_TRUE(WaitForLog("dep-node", "is-number says true")) << berthd().LastSeen();
  nlohmann::json app = berthd().Get("/v1/apps/dep-node").json();
  EXPECT_EQ("node server.js", app["status"].value("command", ""));
  nlohmann::json one =
      berthd()
          .Get("/v1/apps/dep-node/deployments/" +
               std::to_string(NewestDeploymentId(berthd(), "dep-node")) + "?log=true")
          .json();
  EXPECT_NE(std::string::npos, one.value("log", "").find("npm ci (package-lock.json)")) << one;
}

// A port the kernel picks as free on 127.0.0.2, let go again for the app to take.
int UnusedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(0x7f000002);
  socklen_t length = sizeof address;
  bool ok = bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
            getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  close(fd);
  return ok ? ntohs(address.sin_port) : 0;
}

// --app-host reaches apps as $HOST, and the detected static server binds it and nothing else:
// what makes an app in a container reachable through its published port.
TEST(DeployHostTest, TheDetectedServerBindsTheAppHost) {
  BerthdProcess berthd(BerthdProcess::Options{{}, {"--app-host", "127.0.0.2"}});
  ASSERT_TRUE(berthd.Start());
  GitRepo repo(berthd.root_dir());
  repo.Commit({{"index.html", "hello from the static site\n"}});
  int port = UnusedPort();
  ASSERT_NE(0, port);
  nlohmann::json spec = {{"source", {{"git", {{"url", repo.url()}}}}}, {"port", port}};
  ASSERT_EQ(201, berthd.Put("/v1/apps/dep-static", spec).status);
  ASSERT_TRUE(berthd.WaitForState("dep-static", "running", kDeployTimeout)) << berthd.LastSeen();
  EXPECT_EQ("python3 -m http.server $PORT --bind $HOST",
            berthd.Get("/v1/apps/dep-static").json()["status"].value("command", ""));
  std::string body, url = ":" + std::to_string(port) + "/index.html";
  EXPECT_TRUE(
      WaitUntil([&] { return GitHttpServer::Get("http://127.0.0.2" + url, "", "", &body) == 200; },
                kDeployTimeout))
      << body;
  EXPECT_EQ("hello from the static site\n", body);
  EXPECT_EQ(0, GitHttpServer::Get("http://127.0.0.1" + url)) << "bound to 127.0.0.2 only";
}

TEST(DeployHostTest, AnAppHostThatIsNotAnAddressStopsBerthd) {
  BerthdProcess scratch;
  CommandResult result =
      RunCommand({BERTHD_PATH, "--state-dir", scratch.state_dir(), "--config-dir",
                  scratch.config_dir(), "--listen", "127.0.0.1:0"},
                 {"BERTH_ADMIN_TOKEN=t", "BERTH_APP_HOST=localhost"}, seconds(10));
  EXPECT_EQ(1, result.exit_code) << result.Describe();
  EXPECT_NE(std::string::npos, result.err.find("BERTH_APP_HOST) must be an IP address"))
      << result.Describe();
  EXPECT_NE(std::string::npos, result.err.find("\"localhost\"")) << result.Describe();
}

}  // namespace
}  // namespace berth::testing
