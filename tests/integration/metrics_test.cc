// Black-box tests of GET /metrics (Prometheus text format, as promtool checks it): the apps,
// the HTTP requests and the deployments of an app deployed from git, before and after berthd
// restarts.
#include <sstream>

#include "tests/integration/berthd_harness.h"
#include "tests/integration/deploy_support.h"
#include "tests/integration/git_repo.h"

namespace berth::testing {
namespace {

using MetricsTest = BerthdTest;

// Sample lines ("name{labels} value") of a metrics page whose name is `name` and whose labels
// contain every one of `labels` (each like `app="x"`).
std::vector<std::string> Samples(const std::string& page, const std::string& name,
                                 const std::vector<std::string>& labels = {}) {
  std::vector<std::string> out;
  std::istringstream lines(page);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (line.rfind(name, 0) != 0) continue;
    char next = line.size() > name.size() ? line[name.size()] : '\0';
    if (next != '{' && next != ' ') continue;
    bool all = true;
    for (const std::string& label : labels) all = all && line.find(label) != std::string::npos;
    if (all) out.push_back(line);
  }
  return out;
}

double Value(const std::string& sample) { return std::stod(sample.substr(sample.rfind(' ') + 1)); }

// The value of the one sample of `name` with `labels`, or -1 when there is not exactly one.
double ValueOf(const std::string& page, const std::string& name,
               const std::vector<std::string>& labels = {}) {
  std::vector<std::string> samples = Samples(page, name, labels);
  return samples.size() == 1 ? Value(samples[0]) : -1;
}

// `promtool check metrics` on a page: its exit code 0, or what it said.
::testing::AssertionResult PromtoolAccepts(const std::string& dir, const std::string& page) {
  std::string file = dir + "/metrics.txt";
  if (!WriteFile(file, page)) return ::testing::AssertionFailure() << "cannot write " << file;
  CommandResult check = RunCommand({"/bin/sh", "-c", "exec promtool check metrics < \"$0\"", file});
  if (check.exit_code == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "promtool (Debian's prometheus package) refused it: " << check.Describe() << "\n"
         << page;
}

TEST_F(MetricsTest, ExposesAppsRequestsAndLatency) {
  ASSERT_EQ(201, berthd().Post("/v1/apps", ProcessApp("met-up", Sh("exec sleep 1000"))).status);
  ASSERT_EQ(201, berthd()
                     .Post("/v1/apps",
                           ProcessApp("met-down", Sh("exec sleep 1000"), {{"autostart", false}}))
                     .status);
  ASSERT_TRUE(berthd().WaitForState("met-up", "running")) << berthd().LastSeen();
  EXPECT_EQ(404, berthd().Get("/v1/apps/met-ghost").status);

  HttpResponse response = berthd().Get("/metrics");
  ASSERT_EQ(200, response.status) << response.Describe();
  EXPECT_EQ(0u, response.header("content-type").rfind("text/plain", 0))
      << response.header("content-type");
  const std::string& page = response.body;

  auto apps = Samples(page, "berth_apps");
  ASSERT_EQ(1u, apps.size()) << page;
  EXPECT_EQ(2.0, Value(apps[0]));

  auto up = Samples(page, "berth_app_up", {"app=\"met-up\"", "kind=\"process\""});
  ASSERT_EQ(1u, up.size()) << page;
  EXPECT_EQ(1.0, Value(up[0]));
  auto down = Samples(page, "berth_app_up", {"app=\"met-down\"", "kind=\"process\""});
  ASSERT_EQ(1u, down.size()) << page;
  EXPECT_EQ(0.0, Value(down[0]));
  EXPECT_EQ(1u, Samples(page, "berth_app_restarts_total", {"app=\"met-up\""}).size()) << page;

  auto ok = Samples(page, "berth_http_requests_total", {"code=\"200\""});
  ASSERT_EQ(1u, ok.size()) << page;
  EXPECT_GE(Value(ok[0]), 2.0);
  auto not_found = Samples(page, "berth_http_requests_total", {"code=\"404\""});
  ASSERT_EQ(1u, not_found.size()) << page;
  EXPECT_GE(Value(not_found[0]), 1.0);

  EXPECT_FALSE(Samples(page, "berth_http_request_duration_seconds_bucket").empty()) << page;
  auto inf = Samples(page, "berth_http_request_duration_seconds_bucket", {"le=\"+Inf\""});
  ASSERT_FALSE(inf.empty()) << page;
  auto count = Samples(page, "berth_http_request_duration_seconds_count");
  ASSERT_EQ(1u, count.size()) << page;
  EXPECT_EQ(Value(inf[0]), Value(count[0])) << "+Inf bucket equals _count";
  EXPECT_EQ(1u, Samples(page, "berth_http_request_duration_seconds_sum").size()) << page;
  EXPECT_NE(std::string::npos, page.find("# TYPE berth_http_request_duration_seconds histogram"))
      << page;
  EXPECT_TRUE(PromtoolAccepts(berthd().root_dir(), page));
}

// The deployment counters of app "met-git" and the totals, as one line to compare pages by.
std::string DeploymentCounts(const std::string& page) {
  std::string counts;
  for (const char* outcome : {"succeeded", "failed", "skipped", "rolled_back"})
    counts += std::string(outcome) + "=" +
              std::to_string(ValueOf(page, "berth_deployments_total",
                                     {"app=\"met-git\"", "kind=\"process\"",
                                      std::string("outcome=\"") + outcome + "\""})) +
              " ";
  for (const char* total :
       {"supervisor_jobs_executed_total", "supervisor_jobs_succeeded_total",
        "supervisor_jobs_failed_total", "berth_deployment_duration_seconds_count",
        "supervisor_jobs_execution_time_count"})
    counts += std::string(total) + "=" + std::to_string(ValueOf(page, total)) + " ";
  return counts;
}

TEST_F(MetricsTest, DeploymentsAreCountedByOutcomeAndSurviveARestart) {
  GitRepo repo(berthd().root_dir());
  repo.Commit({{"run.sh", "exec sleep 1000\n"}});
  nlohmann::json app = {{"source", {{"git", {{"url", repo.url()}, {"ref", "main"}}}}},
                        {"command", "exec sh run.sh"},
                        {"start_seconds", 0}};
  ASSERT_EQ(201, berthd().Put("/v1/apps/met-git", app).status);
  ASSERT_TRUE(berthd().WaitForState("met-git", "running", kDeployTimeout)) << berthd().LastSeen();
  ASSERT_EQ("succeeded", WaitForDeployment(berthd(), "met-git", 1).value("outcome", ""));

  ASSERT_EQ(202, berthd().Post("/v1/apps/met-git/control", {{"command", "redeploy"}}).status);
  ASSERT_EQ("skipped", WaitForDeployment(berthd(), "met-git", 2).value("outcome", ""));
  nlohmann::json bad_ref = {{"source", {{"git", {{"ref", "nope"}}}}}};
  ASSERT_EQ(200, berthd().Patch("/v1/apps/met-git", bad_ref).status);
  ASSERT_EQ("failed", WaitForDeployment(berthd(), "met-git", 3).value("outcome", ""));

  std::string page = berthd().Get("/metrics").body;
  EXPECT_EQ(
      "succeeded=1.000000 failed=1.000000 skipped=1.000000 rolled_back=0.000000 "
      "supervisor_jobs_executed_total=2.000000 supervisor_jobs_succeeded_total=1.000000 "
      "supervisor_jobs_failed_total=1.000000 berth_deployment_duration_seconds_count=3.000000 "
      "supervisor_jobs_execution_time_count=2.000000 ",
      DeploymentCounts(page))
      << page;
  EXPECT_EQ(3, ValueOf(page, "berth_deployment_duration_seconds_bucket", {"le=\"+Inf\""}));
  EXPECT_EQ(1, ValueOf(page, "berth_app_healthy", {"app=\"met-git\""})) << page;
  EXPECT_EQ(0, ValueOf(page, "supervisor_total_stacks")) << page;
  EXPECT_TRUE(PromtoolAccepts(berthd().root_dir(), page));

  nlohmann::json stats = berthd().Get("/v1/apps/met-git/stats").json()["deployments"];
  EXPECT_EQ(3, stats.value("processed", 0)) << stats;
  EXPECT_EQ(1, stats.value("succeeded", 0)) << stats;
  EXPECT_EQ(1, stats.value("failed", 0)) << stats;
  EXPECT_EQ(1, stats.value("skipped", 0)) << stats;
  EXPECT_EQ(0, stats.value("rolled_back", -1)) << stats;
  EXPECT_EQ("failed", stats.value("last_outcome", "")) << stats;
  EXPECT_EQ(Deployments(berthd(), "met-git")[0].value("started", "?"), stats.value("last_run", ""));

  ASSERT_EQ(0, berthd().Stop());
  ASSERT_TRUE(berthd().Restart());
  std::string again = berthd().Get("/metrics").body;
  EXPECT_EQ(DeploymentCounts(page), DeploymentCounts(again)) << again;
  EXPECT_TRUE(PromtoolAccepts(berthd().root_dir(), again));
  EXPECT_EQ(stats, berthd().Get("/v1/apps/met-git/stats").json()["deployments"]);
}

TEST_F(MetricsTest, RequiresAuth) {
  HttpResponse response = berthd().Get("/metrics", {"Authorization:"});
  EXPECT_TRUE(IsApiError(response, 401, "unauthorized"));
  EXPECT_EQ(0u, response.header("www-authenticate").rfind("Bearer", 0));
}

TEST(MetricsPublicTest, OpenWhenConfigured) {
  BerthdProcess berthd(BerthdProcess::Options{{"BERTH_METRICS_PUBLIC=1"}, {}});
  ASSERT_TRUE(berthd.Start());
  HttpResponse response = berthd.Get("/metrics", {"Authorization:"});
  EXPECT_EQ(200, response.status) << response.Describe();
  EXPECT_EQ(401, berthd.Get("/v1/apps", {"Authorization:"}).status) << "only metrics open up";
}

}  // namespace
}  // namespace berth::testing
