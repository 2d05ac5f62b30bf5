// Tests of nginx mode's renderer: the sites gathered from the routing table, the server blocks
// and upstreams written for them, and that nothing from the data reaches nginx's syntax.
#include "proxy/nginx_config.h"

#include <gtest/gtest.h>

namespace berth {
namespace {

RouteSpec Route(std::string host, std::string path) {
  return RouteSpec{.host = std::move(host), .path = std::move(path)};
}

bool Has(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

// The sites of `entries`, every route at 127.0.0.1:8080 unless `endpoints` says otherwise.
std::vector<NginxSite> Sites(std::vector<RouteEntry> entries,
                             std::vector<std::string> endpoints = {"127.0.0.1:8080"},
                             std::string certified_host = "",
                             std::map<std::string, std::string>* left_out = nullptr) {
  RouteTable table;
  table.Assign(std::move(entries));
  return CollectNginxSites(
      table, [&](const RouteEntry&) { return endpoints; },
      [&](const std::string& host) -> std::pair<std::string, std::string> {
        if (host != certified_host) return {};
        return {"/tls/" + host + ".pem", "/tls/" + host + ".key"};
      },
      left_out);
}

std::string Render(const NginxSite& site, NginxRenderOptions options = {}) {
  return RenderNginxSite(site, options);
}

TEST(NginxConfigTest, NamesFilesAfterTheirHostAndWildcardsSafely) {
  EXPECT_EQ(NginxFileName("api.example.com"), "api.example.com.conf");
  EXPECT_EQ(NginxFileName("*.example.com"), "_wildcard.example.com.conf");
}

TEST(NginxConfigTest, SafeTokensHaveNoSyntaxOfNginx) {
  EXPECT_TRUE(IsNginxSafeToken("/srv/tls/*.example.com.pem"));
  EXPECT_TRUE(IsNginxSafeToken("[::1]:8080"));
  for (const char* bad : {"", "a b", "a;b", "a{", "}", "\"", "'", "$host", "a#b", "a\\b", "a\nb"})
    EXPECT_FALSE(IsNginxSafeToken(bad)) << bad;
}

TEST(NginxConfigTest, GroupsRoutesByHostLongestPathFirst) {
  std::vector<NginxSite> sites = Sites({{"web", Route("b.example.com", "/")},
                                        {"api", Route("a.example.com", "/")},
                                        {"web", Route("b.example.com", "/api/v2")},
                                        {"api", Route("b.example.com", "/api")}});
  ASSERT_EQ(sites.size(), 2u);
  EXPECT_EQ(sites[0].host, "a.example.com");
  ASSERT_EQ(sites[1].routes.size(), 3u);
  EXPECT_EQ(sites[1].routes[0].route.path, "/api/v2");
  EXPECT_EQ(sites[1].routes[0].index, 1);  // web's second route
  EXPECT_EQ(sites[1].routes[1].route.path, "/api");
  EXPECT_EQ(sites[1].routes[1].app, "api");
  EXPECT_EQ(sites[1].routes[1].index, 1);
  EXPECT_EQ(sites[1].routes[2].route.path, "/");
}

TEST(NginxConfigTest, AnUpstreamPerRouteWithKeepalive) {
  std::string text = Render(
      Sites({{"web", Route("web.example.com", "/")}}, {"127.0.0.1:8080", "127.0.0.1:8081"})[0]);
  EXPECT_TRUE(Has(text,
                  "upstream berth_web_0 {\n  server 127.0.0.1:8080;\n"
                  "  server 127.0.0.1:8081;\n  keepalive 16;\n}\n"))
      << text;
  EXPECT_TRUE(Has(text, "server_name web.example.com;"));
  EXPECT_TRUE(Has(text,
                  "  location / {\n    client_max_body_size 0;\n"
                  "    proxy_pass http://berth_web_0;\n  }\n"))
      << text;
  EXPECT_FALSE(Has(text, "return 404"));  // "/" is a route
}

TEST(NginxConfigTest, APrefixMatchesOnSegmentBoundaries) {
  std::string text = Render(Sites({{"web", Route("web.example.com", "/api")}})[0]);
  EXPECT_TRUE(Has(text, "location = /api {"));
  EXPECT_TRUE(Has(text, "location /api/ {"));
  EXPECT_FALSE(Has(text, "location /api {"));
  // Nothing else on the host goes anywhere.
  EXPECT_TRUE(Has(text, "location / {\n    return 404;\n  }")) << text;
}

TEST(NginxConfigTest, StripPrefixGivesProxyPassAUri) {
  RouteSpec route = Route("web.example.com", "/api");
  route.strip_prefix = true;
  std::string text = Render(Sites({{"web", route}})[0]);
  EXPECT_TRUE(Has(text, "proxy_pass http://berth_web_0/;")) << text;
  EXPECT_FALSE(Has(text, "proxy_pass http://berth_web_0;"));
}

TEST(NginxConfigTest, NoEndpointsAnswer503NamingTheAppWithoutAnUpstream) {
  std::string text = Render(Sites({{"web", Route("web.example.com", "/")}}, {})[0]);
  EXPECT_FALSE(Has(text, "upstream")) << text;
  EXPECT_FALSE(Has(text, "proxy_pass"));
  EXPECT_TRUE(Has(text, "return 503 \"web is not running\\n\";")) << text;
}

TEST(NginxConfigTest, LimitsAndRedirectsPerRoute) {
  RouteSpec route = Route("web.example.com", "/upload");
  route.max_body = 10 * 1024 * 1024;
  route.https_redirect = true;
  std::string text = Render(Sites({{"web", route}})[0]);
  EXPECT_TRUE(Has(text, "client_max_body_size 10485760;"));
  EXPECT_TRUE(Has(text, "if ($scheme = http) { return 301 https://$host$request_uri; }")) << text;
  NginxRenderOptions options;
  options.listen_tls = "127.0.0.1:8443";
  EXPECT_TRUE(Has(Render(Sites({{"web", route}})[0], options),
                  "return 301 https://$host:8443$request_uri;"));
}

TEST(NginxConfigTest, ForwardsClientAndWebsocketHeaders) {
  std::string text = Render(Sites({{"web", Route("web.example.com", "/")}})[0]);
  for (const char* line :
       {"proxy_http_version 1.1;", "proxy_set_header Upgrade $http_upgrade;",
        "proxy_set_header Connection $berth_connection;",
        "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        "proxy_set_header X-Forwarded-Proto $scheme;", "proxy_set_header X-Forwarded-Host $host;",
        "proxy_set_header Forwarded \"for=$berth_forwarded_for;proto=$scheme;host=$host\";"})
    EXPECT_TRUE(Has(text, line)) << line;
  std::vector<NginxFile> set = RenderNginxSet({}, {.set_label = "7"});
  ASSERT_EQ(set.size(), 1u);
  EXPECT_EQ(set[0].name, kNginxHttpFile);
  EXPECT_TRUE(Has(set[0].text, "map $http_upgrade $berth_connection {"));
  EXPECT_TRUE(Has(set[0].text, "default \"7\";"));
}

TEST(NginxConfigTest, TlsOnlyForHostsWithACertificate) {
  NginxRenderOptions options{.listen = "127.0.0.1:8080", .listen_tls = "127.0.0.1:8443"};
  std::vector<NginxSite> sites =
      Sites({{"web", Route("web.example.com", "/")}, {"api", Route("api.example.com", "/")}},
            {"127.0.0.1:8080"}, "web.example.com");
  std::string plain = Render(sites[0], options);
  std::string tls = Render(sites[1], options);
  EXPECT_FALSE(Has(plain, "ssl"));
  EXPECT_TRUE(Has(plain, "listen 127.0.0.1:8080;"));
  EXPECT_TRUE(Has(tls, "listen 127.0.0.1:8080;\n  listen 127.0.0.1:8443 ssl;"));
  EXPECT_TRUE(Has(tls, "ssl_certificate /tls/web.example.com.pem;"));
  EXPECT_TRUE(Has(tls, "ssl_certificate_key /tls/web.example.com.key;"));
}

TEST(NginxConfigTest, ServesTheAcmeWebrootAndTheSetLabel) {
  NginxRenderOptions options{.acme_webroot = "/var/lib/berth/acme"};
  std::string text = Render(Sites({{"web", Route("web.example.com", "/")}})[0], options);
  EXPECT_TRUE(
      Has(text, "location ^~ /.well-known/acme-challenge/ {\n    root /var/lib/berth/acme;"))
      << text;
  EXPECT_TRUE(Has(text, std::string("location = ") + kNginxSetPath));
  EXPECT_FALSE(Has(Render(Sites({{"web", Route("web.example.com", "/")}})[0]), "acme"));
}

TEST(NginxConfigTest, TheHeaderNamesTheAppsAndSaysBerthManagesIt) {
  std::string text =
      Render(Sites({{"web", Route("example.com", "/")}, {"api", Route("example.com", "/api")}})[0]);
  EXPECT_EQ(text.rfind("# Managed by berth: example.com for the apps api, web.\n", 0), 0u) << text;
  EXPECT_TRUE(Has(text, "Do not edit"));
}

TEST(NginxConfigTest, NothingFromTheDataBecomesSyntax) {
  // Paths may hold characters nginx reads as syntax; such a route is left out, as are
  // endpoints that are not plain host:port and berth's own paths. The app hears why.
  std::map<std::string, std::string> left_out;
  std::vector<NginxSite> sites =
      Sites({{"web", Route("web.example.com", "/a;b")},
             {"web", Route("web.example.com", "/x{y}")},
             {"api", Route("web.example.com", "/.well-known/acme-challenge")},
             {"web", Route("web.example.com", "/ok")}},
            {"127.0.0.1:8080", "1.2.3.4:80; include /etc/passwd"}, "", &left_out);
  EXPECT_EQ(left_out["web"],
            "nginx mode leaves a route out: routes[1].path \"/x{y}\" has a character nginx "
            "reads as syntax");
  EXPECT_EQ(left_out["api"],
            "nginx mode leaves a route out: routes[0].path /.well-known/acme-challenge is kept by "
            "berth's nginx mode for itself");
  ASSERT_EQ(sites.size(), 1u);
  ASSERT_EQ(sites[0].routes.size(), 1u);
  EXPECT_EQ(sites[0].routes[0].route.path, "/ok");
  EXPECT_EQ(sites[0].routes[0].endpoints, std::vector<std::string>{"127.0.0.1:8080"});
  std::string text = Render(sites[0]);
  EXPECT_FALSE(Has(text, "passwd"));
  EXPECT_FALSE(Has(text, "a;b"));
}

TEST(NginxConfigTest, TheSetHasAFilePerHostSortedByName) {
  std::vector<NginxFile> set = RenderNginxSet(
      Sites({{"web", Route("web.example.com", "/")}, {"api", Route("*.example.com", "/")}}), {});
  ASSERT_EQ(set.size(), 3u);
  EXPECT_EQ(set[0].name, "_berth.conf");
  EXPECT_EQ(set[1].name, "_wildcard.example.com.conf");
  EXPECT_TRUE(Has(set[1].text, "server_name *.example.com;"));
  EXPECT_EQ(set[2].name, "web.example.com.conf");
}

}  // namespace
}  // namespace berth
