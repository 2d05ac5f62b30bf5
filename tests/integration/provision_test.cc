// Black-box tests of apps provisioned from the environment at every start (berth as a
// multi-project container): SERVICES, SERVICES_COUNT with SVC_<i>_*, the SERVICE_A_/B_ slots,
// bad entries reported and skipped, and a restart that changes nothing.
#include "tests/integration/berthd_harness.h"
#include "tests/integration/deploy_support.h"
#include "tests/integration/git_repo.h"

namespace berth::testing {
namespace {

std::string Script(const std::string& what) {
  return "echo \"" + what + " on port $PORT\"\nexec sleep 1000\n";
}

TEST(ProvisionTest, EveryFormDefinesItsAppsAndBadEntriesAreSkipped) {
  BerthdProcess probe;
  GitRepo repo(probe.root_dir());
  repo.Commit({{"run.sh", Script("hello")}});
  std::string url = repo.url();
  BerthdProcess berthd(BerthdProcess::Options{
      {"SERVICES=" + url + "|18101|main|from-services|root|exec sh run.sh; notaurl|1",
       "SERVICES_COUNT=2", "SVC_1_REPO=" + url, "SVC_1_NAME=from-svc", "SVC_1_PORT=18102",
       "SVC_1_CMD=exec sh run.sh", "SVC_1_USER=root", "SVC_2_PORT=18103",  // no repo: refused
       "SERVICE_A_REPO=" + url, "SERVICE_A_CMD=exec sh run.sh", "DEFAULT_SERVICES_MODE=auto"},
      {}});
  ASSERT_TRUE(berthd.Start());
  for (const auto& [name, port] : std::vector<std::pair<std::string, int>>{
           {"from-services", 18101}, {"from-svc", 18102}, {"service-a", 8080}}) {
    auto lines =
        berthd.WaitForLogLine(name, "hello on port " + std::to_string(port), kDeployTimeout);
    EXPECT_TRUE(lines) << name << ": " << berthd.LastSeen();
  }
  nlohmann::json apps = berthd.Get("/v1/apps").json();
  EXPECT_EQ(3u, apps.size()) << apps.dump();
  std::string log = berthd.StderrContents();
  EXPECT_NE(std::string::npos, log.find("SERVICES entry 2 ('notaurl|1')")) << log;
  EXPECT_NE(std::string::npos, log.find("SVC_2")) << log;

  // Another start with the same environment keeps the apps as they are: no new deployment.
  ASSERT_EQ(0, berthd.Stop());
  ASSERT_TRUE(berthd.Restart());
  EXPECT_TRUE(berthd.WaitForState("from-services", "running", kDeployTimeout)) << berthd.LastSeen();
  nlohmann::json deployments = berthd.Get("/v1/apps/from-services/deployments").json();
  EXPECT_EQ(1u, deployments.size()) << deployments.dump();
}

TEST(ProvisionTest, SlotPortsMustDifferAndNeverTurnsSlotsOff) {
  BerthdProcess probe;
  GitRepo repo(probe.root_dir());
  repo.Commit({{"run.sh", Script("slot")}});
  BerthdProcess clash(BerthdProcess::Options{
      {"SERVICE_A_REPO=" + repo.url(), "SERVICE_B_REPO=" + repo.url(), "SERVICE_B_PORT=8080"}, {}});
  ASSERT_TRUE(clash.Start());
  EXPECT_TRUE(WaitUntil([&] {
    return clash.StderrContents().find("SERVICE_B: port 8080 is also SERVICE_A's port") !=
           std::string::npos;
  })) << clash.StderrContents();
  nlohmann::json apps = clash.Get("/v1/apps").json();
  ASSERT_EQ(1u, apps.size()) << apps.dump();
  EXPECT_EQ("service-a", apps[0].value("name", ""));

  BerthdProcess never(
      BerthdProcess::Options{{"SERVICE_A_REPO=" + repo.url(), "DEFAULT_SERVICES_MODE=never"}, {}});
  ASSERT_TRUE(never.Start());
  EXPECT_EQ("[]", never.Get("/v1/apps").body.substr(0, 2));
}

}  // namespace
}  // namespace berth::testing
