// Tests of routes: parsing `routes` (the errors name the field at fault, the defaults, the
// round trip) and the routing table's choice of host and path prefix.
#include <gtest/gtest.h>

#include "proxy/route_table.h"
#include "supervise/app_spec.h"
#include "tests/unit/supervise/rejected_field.h"

namespace berth {
namespace {

using nlohmann::json;

json Process(json routes) {
  return {{"command", {"./run"}}, {"port", 8080}, {"routes", std::move(routes)}};
}

TEST(RouteSpecTest, DefaultsToTheRootAndTheAppsPort) {
  Result<AppSpec> spec = ParseAppSpec(Process({{{"host", "API.Example.com"}}}), "web");
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  ASSERT_EQ(spec->routes.size(), 1u);
  const RouteSpec& route = spec->routes[0];
  EXPECT_EQ(route.host, "api.example.com");
  EXPECT_EQ(route.path, "/");
  EXPECT_FALSE(route.port);
  EXPECT_EQ(RoutePort(*spec, route), 8080);
  EXPECT_FALSE(route.strip_prefix);
  EXPECT_FALSE(route.max_body);
}

TEST(RouteSpecTest, RoundTripsEveryField) {
  json routes = {{{"host", "*.example.com"},
                  {"path", "/api/"},
                  {"port", 9000},
                  {"strip_prefix", true},
                  {"max_body", "10M"},
                  {"https_redirect", true}}};
  Result<AppSpec> spec = ParseAppSpec(Process(routes), "web");
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  EXPECT_EQ(spec->routes[0].path, "/api");
  EXPECT_EQ(spec->routes[0].max_body, 10 << 20);
  json out = AppSpecToJson(*spec);
  EXPECT_EQ(out["routes"][0]["max_body"], "10M");
  Result<AppSpec> again = ParseAppSpec(out, "web");
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(*again, *spec);
}

TEST(RouteSpecTest, RefusesBadRoutesNamingTheField) {
  EXPECT_EQ(RejectedField(Process("api.example.com")), "routes");
  EXPECT_EQ(RejectedField(Process({{{"path", "/"}}})), "routes[0].host");
  EXPECT_EQ(RejectedField(Process({{{"host", "https://a.example.com"}}})), "routes[0].host");
  EXPECT_EQ(RejectedField(Process({{{"host", "a.example.com:80"}}})), "routes[0].host");
  EXPECT_EQ(RejectedField(Process({{{"host", "*"}}})), "routes[0].host");
  EXPECT_EQ(RejectedField(Process({{{"host", "a.*.com"}}})), "routes[0].host");
  EXPECT_EQ(RejectedField(Process({{{"host", "a.com"}, {"path", "api"}}})), "routes[0].path");
  EXPECT_EQ(RejectedField(Process({{{"host", "a.com"}, {"path", "/a/../b"}}})), "routes[0].path");
  EXPECT_EQ(RejectedField(Process({{{"host", "a.com"}, {"path", "/a?b"}}})), "routes[0].path");
  EXPECT_EQ(RejectedField(Process({{{"host", "a.com"}, {"port", 0}}})), "routes[0].port");
  EXPECT_EQ(RejectedField(Process({{{"host", "a.com"}, {"max_body", "lots"}}})),
            "routes[0].max_body");
  EXPECT_EQ(RejectedField(Process({{{"host", "a.com"}, {"service", "web"}}})),
            "routes[0].service");
  EXPECT_EQ(RejectedField(Process({{{"host", "a.com"}, {"tls", true}}})), "routes[0].tls");
  EXPECT_EQ(RejectedField(Process({{{"host", "a.com"}}, {{"host", "A.com"}, {"path", "/"}}})),
            "routes[1]");
  json no_port = {{"command", {"./run"}}, {"routes", {{{"host", "a.com"}}}}};
  EXPECT_EQ(RejectedField(no_port), "routes[0].port");
}

TEST(RouteSpecTest, ComposeRoutesNameAServiceAndAPort) {
  json compose = {{"kind", "compose"},
                  {"source", {{"git", {{"url", "https://example.com/infra.git"}}}}},
                  {"routes", {{{"host", "a.com"}, {"port", 80}}}}};
  EXPECT_EQ(RejectedField(compose), "routes[0].service");
  compose["routes"][0]["service"] = "web";
  EXPECT_TRUE(ParseAppSpec(compose, "stack").ok());
  compose["routes"][0].erase("port");
  EXPECT_EQ(RejectedField(compose), "routes[0].port");
}

TEST(RouteSpecTest, ContainerRoutesDefaultToTheFirstContainerPort) {
  json container = {{"kind", "container"},
                    {"image", "whoami:1"},
                    {"ports", {{{"host", 18080}, {"container", 80}}}},
                    {"routes", {{{"host", "a.com"}}}}};
  Result<AppSpec> spec = ParseAppSpec(container, "who");
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  EXPECT_EQ(RoutePort(*spec, spec->routes[0]), 80);
}

RouteEntry Entry(std::string app, std::string host, std::string path = "/") {
  RouteSpec route;
  route.host = std::move(host);
  route.path = std::move(path);
  return {std::move(app), route};
}

const char* AppFor(const RouteTable& table, std::string_view host, std::string_view target) {
  const RouteEntry* entry = table.Match(host, target);
  return entry ? entry->app.c_str() : "<none>";
}

TEST(RouteTableTest, ChoosesTheExactHostThenTheLongestWildcard) {
  RouteTable table;
  table.Assign({Entry("exact", "api.example.com"), Entry("wild", "*.example.com"),
                Entry("deep", "*.b.example.com")});
  EXPECT_STREQ(AppFor(table, "api.example.com", "/"), "exact");
  EXPECT_STREQ(AppFor(table, "API.Example.COM:8443", "/x"), "exact");
  EXPECT_STREQ(AppFor(table, "api.example.com.", "/x"), "exact");
  EXPECT_STREQ(AppFor(table, "shop.example.com", "/"), "wild");
  EXPECT_STREQ(AppFor(table, "a.b.example.com", "/"), "deep");
  EXPECT_STREQ(AppFor(table, "x.y.example.com", "/"), "wild");
  EXPECT_STREQ(AppFor(table, "example.com", "/"), "<none>");
  EXPECT_STREQ(AppFor(table, "other.org", "/"), "<none>");
  EXPECT_STREQ(AppFor(table, "", "/"), "<none>");
  EXPECT_STREQ(AppFor(table, "a b.example.com", "/"), "<none>");
}

TEST(RouteTableTest, ChoosesTheLongestPrefixOnSegmentBoundaries) {
  RouteTable table;
  table.Assign({Entry("root", "a.com"), Entry("api", "a.com", "/api"),
                Entry("v2", "a.com", "/api/v2")});
  EXPECT_STREQ(AppFor(table, "a.com", "/"), "root");
  EXPECT_STREQ(AppFor(table, "a.com", "/api"), "api");
  EXPECT_STREQ(AppFor(table, "a.com", "/api?x=1"), "api");
  EXPECT_STREQ(AppFor(table, "a.com", "/api/users"), "api");
  EXPECT_STREQ(AppFor(table, "a.com", "/apix"), "root");
  EXPECT_STREQ(AppFor(table, "a.com", "/api/v2/x"), "v2");
  EXPECT_STREQ(AppFor(table, "a.com", "/api/v20"), "api");
}

TEST(RouteTableTest, AHostWithoutAMatchingPathHasNoRoute) {
  RouteTable table;
  table.Assign({Entry("api", "a.com", "/api"), Entry("wild", "*.com")});
  EXPECT_STREQ(AppFor(table, "a.com", "/other"), "<none>");
}

TEST(RouteTableTest, TheFirstOfTwoEqualRoutesWins) {
  RouteTable table;
  table.Assign({Entry("first", "a.com"), Entry("second", "a.com")});
  EXPECT_STREQ(AppFor(table, "a.com", "/"), "first");
}

TEST(RouteTableTest, StripsThePrefixForTheUpstream) {
  RouteSpec route;
  route.path = "/api";
  EXPECT_EQ(UpstreamTarget(route, "/api/x?q=1"), "/api/x?q=1");
  route.strip_prefix = true;
  EXPECT_EQ(UpstreamTarget(route, "/api/x?q=1"), "/x?q=1");
  EXPECT_EQ(UpstreamTarget(route, "/api"), "/");
  EXPECT_EQ(UpstreamTarget(route, "/api?q"), "/?q");
}

}  // namespace
}  // namespace berth
