// Black-box tests of GET /metrics (Prometheus text format).
#include <sstream>

#include "tests/integration/berthd_harness.h"

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
