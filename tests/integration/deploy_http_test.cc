// Black-box tests of apps deployed over HTTP from real servers: a private git repository served by
// nginx + fcgiwrap + git-http-backend behind basic auth, and a tarball served by the same nginx.
#include <filesystem>
#include <random>
#include <sstream>

#include "tests/integration/berthd_harness.h"
#include "tests/integration/deploy_support.h"
#include "tests/integration/nginx_support.h"

namespace berth::testing {
namespace {

namespace fs = std::filesystem;

const char kUser[] = "deployer";
const char kRepo[] = "private";

// A token unlike anything else in the logs and files the tests search.
std::string RandomToken() {
  std::random_device random;
  std::string token = "tok-";
  static const char kDigits[] = "0123456789abcdef";
  for (int i = 0; i < 32; ++i) token.push_back(kDigits[random() % 16]);
  return token;
}

std::string Script(const std::string& version) {
  return "echo \"version " + version + "\"\nexec sleep 1000\n";
}

// True when a line of nginx's access log (combined format) has `user` as its remote user,
// `request` in its request line and `status` as its status.
bool AccessLogHas(const std::string& log, const std::string& user, const std::string& request,
                  int status) {
  std::istringstream lines(log);
  std::string line;
  std::string who = " - " + user + " [";
  std::string answer = "\" " + std::to_string(status) + " ";
  while (std::getline(lines, line)) {
    if (line.find(who) != std::string::npos && line.find(request) != std::string::npos &&
        line.find(answer) != std::string::npos) {
      return true;
    }
  }
  return false;
}

class DeployHttpTest : public BerthdTest {
 protected:
  void SetUp() override {
    // Missing servers fail the test: skipping would hide that these paths went untested.
    std::string missing = GitHttpServer::MissingPrograms();
    if (!missing.empty()) FAIL() << missing;
    token_ = RandomToken();
    server_ = std::make_unique<GitHttpServer>();
    ASSERT_TRUE(server_->Start(kUser, token_));
    ASSERT_TRUE(server_->CreateRepo(kRepo));
    BerthdTest::SetUp();
  }

  nlohmann::json GitApp(const std::string& token) {
    nlohmann::json git = {
        {"url", server_->RepoUrl(kRepo)}, {"ref", "main"}, {"username", kUser}, {"token", token}};
    return {{"source", {{"git", git}}}, {"command", "exec sh run.sh"}, {"start_seconds", 0}};
  }

  // Creates `app` from the private repository with the right token and waits until it runs.
  std::optional<nlohmann::json> DeployRunning(const std::string& app) {
    HttpResponse created = berthd().Put("/v1/apps/" + app, GitApp(token_));
    EXPECT_EQ(201, created.status) << created.Describe();
    return berthd().WaitForState(app, "running", kDeployTimeout);
  }

  // Waits until no deployment of `app` runs.
  bool WaitUntilIdle(const std::string& app) {
    return berthd()
        .WaitForApp(
            app,
            [](const nlohmann::json& a) {
              nlohmann::json status = a.value("status", nlohmann::json::object());
              return status.value("deploying", nlohmann::json()).is_null();
            },
            kDeployTimeout)
        .has_value();
  }

  // Sends a redeploy and returns the id of the deployment it began.
  int64_t Redeploy(const std::string& app, bool force) {
    int64_t before = NewestDeploymentId(berthd(), app);
    HttpResponse reply = berthd().Post("/v1/apps/" + app + "/control",
                                       nlohmann::json{{"command", "redeploy"}, {"force", force}});
    EXPECT_EQ(202, reply.status) << reply.Describe();
    int64_t id = 0;
    WaitUntil([&] { return (id = NewestDeploymentId(berthd(), app)) > before; });
    return id;
  }

  std::string DeploymentLog(const std::string& app, int64_t id) {
    return berthd()
        .Get("/v1/apps/" + app + "/deployments/" + std::to_string(id) + "?log=true")
        .json()
        .value("log", "");
  }

  std::string token_;
  std::unique_ptr<GitHttpServer> server_;
};

TEST_F(DeployHttpTest, APrivateRepositoryDeploysWithTheRightToken) {
  std::string sha = server_->Commit(kRepo, {{"run.sh", Script("http 1")}});
  ASSERT_FALSE(sha.empty());
  // The repository really is private.
  std::string refs = server_->RepoUrl(kRepo) + "/info/refs?service=git-upload-pack";
  ASSERT_EQ(401, GitHttpServer::Get(refs));
  ASSERT_EQ(401, GitHttpServer::Get(refs, kUser, "not-" + token_));
  ASSERT_EQ(200, GitHttpServer::Get(refs, kUser, token_));

  auto running = DeployRunning("http-git");
  ASSERT_TRUE(running) << berthd().LastSeen();
  ASSERT_TRUE(berthd().WaitForLogLine("http-git", "version http 1", kDeployTimeout))
      << berthd().LastSeen();
  std::string release = (*running)["status"].value("release", "");
  EXPECT_EQ(berthd().app_dir("http-git") + "/releases/" + release,
            ProcessCwd(static_cast<pid_t>(AppPid(*running))));

  nlohmann::json list = Deployments(berthd(), "http-git");
  ASSERT_EQ(1u, list.size()) << list.dump();
  EXPECT_EQ("succeeded", list[0].value("outcome", "")) << list;
  EXPECT_EQ(sha, list[0].value("revision", "")) << list;
  EXPECT_EQ("main", list[0].value("ref", "")) << list;
  EXPECT_EQ(release, list[0].value("release", "")) << list;
  EXPECT_TRUE(AccessLogHas(server_->AccessLog(), kUser,
                           "POST /git/" + std::string(kRepo) + ".git/git-upload-pack", 200))
      << server_->AccessLog();
}

TEST_F(DeployHttpTest, AWrongTokenFailsTheDeploymentAndChangesNothing) {
  server_->Commit(kRepo, {{"run.sh", Script("http 1")}});
  auto running = DeployRunning("http-bad");
  ASSERT_TRUE(running) << berthd().LastSeen();
  std::string release = (*running)["status"].value("release", "");
  std::string current = berthd().app_dir("http-bad") + "/current";
  fs::path serving = fs::read_symlink(current);
  int64_t good_id = NewestDeploymentId(berthd(), "http-bad");
  server_->Commit(kRepo, {{"run.sh", Script("http 2")}});

  // The change of token deploys again; a forced redeploy tries once more.
  const std::string wrong = RandomToken();
  nlohmann::json patch = {{"source", {{"git", {{"token", wrong}}}}}};
  HttpResponse patched = berthd().Patch("/v1/apps/http-bad", patch);
  ASSERT_EQ(200, patched.status) << patched.Describe();
  ASSERT_TRUE(WaitUntilIdle("http-bad")) << berthd().LastSeen();
  int64_t id = Redeploy("http-bad", /*force=*/true);
  nlohmann::json failed = WaitForDeployment(berthd(), "http-bad", id);
  EXPECT_EQ("failed", failed.value("outcome", "")) << failed;
  EXPECT_NE(std::string::npos, failed.value("error", "").find("authentication failed")) << failed;

  nlohmann::json list = Deployments(berthd(), "http-bad");
  for (const nlohmann::json& deployment : list) {
    if (deployment.value("id", int64_t{0}) <= good_id) continue;
    EXPECT_EQ("failed", deployment.value("outcome", "")) << deployment;
    EXPECT_NE(std::string::npos, deployment.value("error", "").find("authentication failed"))
        << deployment;
  }
  // nginx saw the username with a password it refused.
  EXPECT_TRUE(AccessLogHas(server_->AccessLog(), kUser, "/info/refs", 401)) << server_->AccessLog();

  nlohmann::json now = berthd().Get("/v1/apps/http-bad").json();
  EXPECT_EQ("running", AppState(now)) << now;
  EXPECT_EQ(AppPid(*running), AppPid(now)) << now;
  EXPECT_EQ(release, now["status"].value("release", "")) << now;
  EXPECT_NE(std::string::npos, now["status"].value("last_error", "").find("authentication failed"))
      << now;
  EXPECT_EQ(serving, fs::read_symlink(current));
  EXPECT_TRUE(WaitUntil([&] {
    return std::distance(fs::directory_iterator(berthd().app_dir("http-bad") + "/releases"),
                         fs::directory_iterator()) == 1;
  }));
  auto lines = berthd().WaitForLogLine("http-bad", "version http 1");
  ASSERT_TRUE(lines);
  for (const std::string& line : LogLines(*lines))
    EXPECT_EQ(std::string::npos, line.find("version http 2")) << line;

  // The refused token is as secret as a good one.
  std::string everything = berthd().Get("/v1/apps/http-bad").body +
                           berthd().Get("/v1/apps/http-bad/deployments").body +
                           DeploymentLog("http-bad", id) + berthd().StderrContents();
  EXPECT_EQ(std::string::npos, everything.find(wrong));
}

TEST_F(DeployHttpTest, TheTokenTravelsOnlyInTheAuthorizationHeader) {
  server_->Commit(kRepo, {{"run.sh", Script("http 1")}});
  auto running = DeployRunning("http-tok");
  ASSERT_TRUE(running) << berthd().LastSeen();
  int64_t first = NewestDeploymentId(berthd(), "http-tok");
  // A second fetch goes through the existing cache (fetch, not clone).
  server_->Commit(kRepo, {{"run.sh", Script("http 2")}});
  int64_t second = Redeploy("http-tok", /*force=*/false);
  EXPECT_EQ("succeeded", WaitForDeployment(berthd(), "http-tok", second).value("outcome", ""));
  ASSERT_TRUE(berthd().WaitForLogLine("http-tok", "version http 2", kDeployTimeout))
      << berthd().LastSeen();

  HttpResponse app = berthd().Get("/v1/apps/http-tok");
  EXPECT_EQ("***", app.json()["source"]["git"].value("token", "")) << app.body;
  std::string everything = berthd().Get("/v1/apps").body + app.body +
                           berthd().Get("/v1/apps/http-tok/deployments").body +
                           berthd().Get("/v1/apps/http-tok/logs?entries=1000").body +
                           DeploymentLog("http-tok", first) + DeploymentLog("http-tok", second) +
                           berthd().StderrContents();
  EXPECT_EQ(std::string::npos, everything.find(token_));
  size_t files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(berthd().state_dir())) {
    if (!entry.is_regular_file()) continue;
    ++files;
    EXPECT_EQ(std::string::npos, ReadFile(entry.path()).find(token_)) << entry.path();
  }
  EXPECT_GT(files, 0u);

  // The git cache remembers the plain URL: no username, no token.
  std::string config = ReadFile(berthd().app_dir("http-tok") + "/repo.git/config");
  EXPECT_NE(std::string::npos, config.find("url = " + server_->RepoUrl(kRepo))) << config;
  EXPECT_EQ(std::string::npos, config.find('@')) << config;
  EXPECT_EQ(std::string::npos, config.find(token_)) << config;

  // nginx got the credentials from the Authorization header ($remote_user), never in a URL.
  std::string access = server_->AccessLog();
  EXPECT_TRUE(AccessLogHas(access, kUser, "/git/" + std::string(kRepo) + ".git/info/refs", 200))
      << access;
  EXPECT_EQ(std::string::npos, access.find(token_)) << access;
  EXPECT_EQ(std::string::npos, access.find("@127.0.0.1")) << access;
  EXPECT_EQ(std::string::npos, server_->ErrorLog().find(token_));
}

TEST_F(DeployHttpTest, ATarballOverHttpDeploysWhenItsDigestMatches) {
  std::string dir = berthd().root_dir() + "/tarball";
  fs::create_directories(dir + "/app");
  ASSERT_TRUE(WriteFile(dir + "/app/run.sh", Script("tar over http")));
  CommandResult tar =
      RunCommand({"/bin/tar", "-C", dir, "-czf", server_->FilePath("app.tgz"), "app"});
  ASSERT_EQ(0, tar.exit_code) << tar.Describe();
  CommandResult sum = RunCommand({"/usr/bin/sha256sum", server_->FilePath("app.tgz")});
  ASSERT_EQ(0, sum.exit_code) << sum.Describe();
  std::string sha = sum.out.substr(0, 64);

  nlohmann::json tarball = {
      {"url", server_->FileUrl("app.tgz")}, {"sha256", sha}, {"subdir", "app"}};
  nlohmann::json spec = {
      {"source", {{"tarball", tarball}}}, {"command", "exec sh run.sh"}, {"start_seconds", 0}};
  HttpResponse created = berthd().Put("/v1/apps/http-tar", spec);
  ASSERT_EQ(201, created.status) << created.Describe();
  ASSERT_TRUE(berthd().WaitForLogLine("http-tar", "version tar over http", kDeployTimeout))
      << berthd().LastSeen();

  nlohmann::json list = Deployments(berthd(), "http-tar");
  ASSERT_EQ(1u, list.size()) << list.dump();
  EXPECT_EQ("succeeded", list[0].value("outcome", "")) << list;
  EXPECT_EQ(sha, list[0].value("revision", "")) << list;
  EXPECT_TRUE(AccessLogHas(server_->AccessLog(), "-", "GET /files/app.tgz HTTP/1.1", 200))
      << server_->AccessLog();
}

}  // namespace
}  // namespace berth::testing
