// Black-box tests of the dashboard's files as berthd serves them: public, typed, revalidated,
// under a strict Content-Security-Policy, and small.
#include <regex>

#include "tests/integration/berthd_harness.h"

namespace berth::testing {
namespace {

using DashboardAssetsTest = BerthdTest;

constexpr size_t kPageWeightLimit = 150 * 1024;

// A request with no token at all: the dashboard's files are public.
HttpResponse Anonymous(BerthdProcess& berthd, const std::string& method, const std::string& path,
                       const HeaderLines& headers = {}) {
  return PerformRequest(method, berthd.base_url() + path, "", headers);
}

// The local paths the page loads (src= and href= of index.html that are not fragments).
std::vector<std::string> ReferencedAssets(const std::string& html) {
  std::vector<std::string> paths;
  std::regex reference(R"re((?:src|href)="([^"#][^"]*)")re");
  for (std::sregex_iterator it(html.begin(), html.end(), reference), end; it != end; ++it)
    paths.push_back((*it)[1]);
  return paths;
}

::testing::AssertionResult HasStrictPolicy(const HttpResponse& response) {
  std::string policy = response.header("content-security-policy");
  if (policy.find("default-src 'self'") == std::string::npos)
    return ::testing::AssertionFailure() << "no default-src 'self' in '" << policy << "'";
  if (policy.find("script-src 'self'") == std::string::npos)
    return ::testing::AssertionFailure() << "no script-src 'self' in '" << policy << "'";
  if (policy.find("unsafe") != std::string::npos)
    return ::testing::AssertionFailure() << "policy allows unsafe sources: '" << policy << "'";
  if (policy.find("frame-ancestors 'none'") == std::string::npos)
    return ::testing::AssertionFailure() << "the page may be framed: '" << policy << "'";
  return ::testing::AssertionSuccess();
}

TEST_F(DashboardAssetsTest, IndexIsServedWithoutTokenUnderAStrictPolicy) {
  for (const std::string path : {"/dashboard", "/dashboard/", "/dashboard/index.html"}) {
    SCOPED_TRACE(path);
    HttpResponse page = Anonymous(berthd(), "GET", path);
    ASSERT_EQ(200, page.status) << page.Describe();
    EXPECT_EQ("text/html; charset=utf-8", page.header("content-type"));
    EXPECT_TRUE(HasStrictPolicy(page));
    EXPECT_EQ("no-cache", page.header("cache-control"));
    EXPECT_EQ("nosniff", page.header("x-content-type-options"));
    EXPECT_FALSE(page.header("etag").empty());
    EXPECT_NE(std::string::npos, page.body.find("<script src=\"/dashboard/app.js\""));
    // No inline script: every <script> has a src.
    EXPECT_EQ(std::string::npos, page.body.find("<script>"));
    EXPECT_EQ(std::string::npos, page.body.find(" onclick="));
  }
  // The API itself still wants a token.
  EXPECT_EQ(401, Anonymous(berthd(), "GET", "/v1/apps").status);
}

TEST_F(DashboardAssetsTest, EachFileHasItsContentType) {
  const std::map<std::string, std::string> types = {
      {"/dashboard/app.js", "text/javascript; charset=utf-8"},
      {"/dashboard/style.css", "text/css; charset=utf-8"},
      {"/dashboard/index.html", "text/html; charset=utf-8"},
      {"/dashboard/icon.svg", "image/svg+xml"}};
  for (const auto& [path, type] : types) {
    SCOPED_TRACE(path);
    HttpResponse file = Anonymous(berthd(), "GET", path);
    ASSERT_EQ(200, file.status) << file.Describe();
    EXPECT_EQ(type, file.header("content-type"));
    EXPECT_TRUE(HasStrictPolicy(file));
    EXPECT_FALSE(file.body.empty());
    HttpResponse head = Anonymous(berthd(), "HEAD", path);
    EXPECT_EQ(200, head.status);
    EXPECT_EQ(std::to_string(file.body.size()), head.header("content-length"));
  }
}

TEST_F(DashboardAssetsTest, UnknownFileIs404) {
  HttpResponse missing = Anonymous(berthd(), "GET", "/dashboard/nope.js");
  EXPECT_TRUE(IsApiError(missing, 404, "not_found")) << missing.Describe();
  EXPECT_TRUE(IsApiError(Anonymous(berthd(), "GET", "/dashboard/APP.JS"), 404, "not_found"));
  // Only GET (and HEAD): anything else needs a token, and is then 405.
  EXPECT_EQ(401, Anonymous(berthd(), "POST", "/dashboard/app.js").status);
  EXPECT_TRUE(
      IsApiError(berthd().Post("/dashboard/app.js", std::string("{}")), 405, "method_not_allowed"));
}

TEST_F(DashboardAssetsTest, ETagRevalidatesTo304) {
  HttpResponse first = Anonymous(berthd(), "GET", "/dashboard/app.js");
  ASSERT_EQ(200, first.status);
  std::string etag = first.header("etag");
  ASSERT_FALSE(etag.empty());
  HttpResponse again = Anonymous(berthd(), "GET", "/dashboard/app.js", {"If-None-Match: " + etag});
  EXPECT_EQ(304, again.status) << again.Describe();
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(etag, again.header("etag"));
  HttpResponse other = Anonymous(berthd(), "GET", "/dashboard/app.js", {"If-None-Match: \"x\""});
  EXPECT_EQ(200, other.status);
  EXPECT_NE(etag, Anonymous(berthd(), "GET", "/dashboard/style.css").header("etag"));
}

TEST_F(DashboardAssetsTest, PageWithEverythingItLoadsIsUnder150KiB) {
  HttpResponse page = Anonymous(berthd(), "GET", "/dashboard");
  ASSERT_EQ(200, page.status);
  size_t total = page.body.size();
  std::vector<std::string> assets = ReferencedAssets(page.body);
  ASSERT_GE(assets.size(), 2u) << page.body;
  for (const std::string& path : assets) {
    SCOPED_TRACE(path);
    // Nothing from elsewhere: every file the page loads is berthd's own.
    ASSERT_EQ(0u, path.rfind("/dashboard/", 0)) << "the page loads " << path;
    HttpResponse file = Anonymous(berthd(), "GET", path);
    ASSERT_EQ(200, file.status) << file.Describe();
    total += file.body.size();
  }
  EXPECT_LE(total, kPageWeightLimit) << "the dashboard weighs " << total << " bytes";
}

}  // namespace
}  // namespace berth::testing
