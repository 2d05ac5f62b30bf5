// Tests of Router: exact paths, {name} captures, the allowed methods for 405s, unknown paths.
#include "handlers/router.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

namespace berth {
namespace {

Route MakeRoute(std::string method, std::string pattern) {
  Route route;
  route.method = std::move(method);
  route.pattern = std::move(pattern);
  route.needs = {{Action::kView}};  // what a route needs is not what the router tests
  return route;
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add(MakeRoute("GET", "/up"));
    router_.Add(MakeRoute("GET", "/v1/apps"));
    router_.Add(MakeRoute("POST", "/v1/apps"));
    router_.Add(MakeRoute("GET", "/v1/apps/{name}"));
    router_.Add(MakeRoute("PUT", "/v1/apps/{name}"));
    router_.Add(MakeRoute("PATCH", "/v1/apps/{name}"));
    router_.Add(MakeRoute("DELETE", "/v1/apps/{name}"));
    router_.Add(MakeRoute("POST", "/v1/apps/{name}/control"));
    router_.Add(MakeRoute("GET", "/v1/apps/{name}/logs"));
    router_.Add(MakeRoute("GET", "/v1/events"));
  }

  const Route* Match(const std::string& method, const std::string& path) {
    params_.clear();
    allowed_.clear();
    return router_.Match(method, path, &params_, &allowed_);
  }

  std::vector<std::string> SortedAllowed() const {
    std::vector<std::string> sorted = allowed_;
    std::sort(sorted.begin(), sorted.end());
    return sorted;
  }

  Router router_;
  std::map<std::string, std::string> params_;
  std::vector<std::string> allowed_;
};

TEST_F(RouterTest, ExactMatch) {
  const Route* route = Match("GET", "/v1/apps");
  ASSERT_NE(route, nullptr);
  EXPECT_EQ(route->method, "GET");
  EXPECT_EQ(route->pattern, "/v1/apps");
  EXPECT_TRUE(params_.empty());

  route = Match("POST", "/v1/apps");
  ASSERT_NE(route, nullptr);
  EXPECT_EQ(route->method, "POST");
  EXPECT_EQ(route->pattern, "/v1/apps");

  route = Match("GET", "/up");
  ASSERT_NE(route, nullptr);
  EXPECT_EQ(route->pattern, "/up");
}

TEST_F(RouterTest, CapturesNamedSegments) {
  const Route* route = Match("GET", "/v1/apps/web-1");
  ASSERT_NE(route, nullptr);
  EXPECT_EQ(route->pattern, "/v1/apps/{name}");
  EXPECT_EQ(params_, (std::map<std::string, std::string>{{"name", "web-1"}}));

  route = Match("POST", "/v1/apps/api/control");
  ASSERT_NE(route, nullptr);
  EXPECT_EQ(route->pattern, "/v1/apps/{name}/control");
  EXPECT_EQ(params_.at("name"), "api");

  route = Match("GET", "/v1/apps/api/logs");
  ASSERT_NE(route, nullptr);
  EXPECT_EQ(route->pattern, "/v1/apps/{name}/logs");
  EXPECT_EQ(params_.at("name"), "api");
}

TEST_F(RouterTest, ACaptureIsOneSegmentOnly) {
  EXPECT_EQ(Match("GET", "/v1/apps/web/extra/deep"), nullptr);
  EXPECT_TRUE(allowed_.empty());
}

TEST_F(RouterTest, SelectsTheRouteOfTheMethod) {
  for (const char* method : {"GET", "PUT", "PATCH", "DELETE"}) {
    const Route* route = Match(method, "/v1/apps/web");
    ASSERT_NE(route, nullptr) << method;
    EXPECT_EQ(route->method, method);
  }
}

TEST_F(RouterTest, WrongMethodListsTheAllowedOnes) {
  EXPECT_EQ(Match("POST", "/v1/apps/web"), nullptr);
  EXPECT_EQ(SortedAllowed(), (std::vector<std::string>{"DELETE", "GET", "PATCH", "PUT"}));

  EXPECT_EQ(Match("DELETE", "/v1/apps"), nullptr);
  EXPECT_EQ(SortedAllowed(), (std::vector<std::string>{"GET", "POST"}));

  EXPECT_EQ(Match("GET", "/v1/apps/web/control"), nullptr);
  EXPECT_EQ(allowed_, (std::vector<std::string>{"POST"}));

  EXPECT_EQ(Match("POST", "/up"), nullptr);
  EXPECT_EQ(allowed_, (std::vector<std::string>{"GET"}));
}

TEST_F(RouterTest, MethodsAreCaseSensitive) {
  EXPECT_EQ(Match("get", "/up"), nullptr);
  EXPECT_EQ(allowed_, (std::vector<std::string>{"GET"}));
}

TEST_F(RouterTest, UnknownPathHasNoAllowedMethods) {
  for (const char* path :
       {"/", "", "/v2/apps", "/v1", "/v1/app", "/v1/apps/web/stats2", "/upx", "/v1/events/now"}) {
    EXPECT_EQ(Match("GET", path), nullptr) << path;
    EXPECT_TRUE(allowed_.empty()) << path;
  }
}

TEST_F(RouterTest, LiteralSegmentsMustMatchExactly) {
  EXPECT_EQ(Match("GET", "/V1/apps"), nullptr);
  EXPECT_EQ(Match("GET", "/v1/Apps"), nullptr);
  EXPECT_EQ(Match("GET", "/v1/apps/web/Logs"), nullptr);
}

TEST_F(RouterTest, ParamsAreOnlyFilledForTheMatch) {
  EXPECT_EQ(Match("POST", "/v1/apps/web"), nullptr);
  EXPECT_TRUE(params_.empty());
}

TEST_F(RouterTest, RouteKeepsItsFlags) {
  Router router;
  Route route = MakeRoute("PUT", "/v1/apps/{name}");
  route.takes_json = true;
  route.query_keys = {"purge"};
  route.needs = {{Action::kEditEnv, Over::kApp}};
  router.Add(route);
  Route open = MakeRoute("GET", "/up");
  open.public_route = true;
  router.Add(open);
  std::map<std::string, std::string> params;
  std::vector<std::string> allowed;
  const Route* found = router.Match("PUT", "/v1/apps/x", &params, &allowed);
  ASSERT_NE(found, nullptr);
  EXPECT_TRUE(found->takes_json);
  EXPECT_FALSE(found->public_route);
  EXPECT_EQ(found->query_keys, (std::set<std::string>{"purge"}));
  ASSERT_EQ(found->needs.size(), 1u);
  EXPECT_EQ(found->needs[0].action, Action::kEditEnv);
  EXPECT_EQ(found->needs[0].over, Over::kApp);
  found = router.Match("GET", "/up", &params, &allowed);
  ASSERT_NE(found, nullptr);
  EXPECT_TRUE(found->public_route);
}

TEST(SplitPathTest, SplitsOnSlashes) {
  EXPECT_EQ(SplitPath("/v1/apps/web"), (std::vector<std::string>{"v1", "apps", "web"}));
  EXPECT_EQ(SplitPath("/up"), (std::vector<std::string>{"up"}));
  EXPECT_TRUE(SplitPath("/").empty());
  EXPECT_TRUE(SplitPath("").empty());
}

}  // namespace
}  // namespace berth
