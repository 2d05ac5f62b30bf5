// Black-box tests of /up and of bearer-token authentication on the /v1 routes.
#include <sys/stat.h>

#include "tests/integration/berthd_harness.h"

namespace berth::testing {
namespace {

using AuthTest = BerthdTest;

const HeaderLines kNoAuth = {"Authorization:"};

::testing::AssertionResult IsUnauthorized(const HttpResponse& response) {
  ::testing::AssertionResult error = IsApiError(response, 401, "unauthorized");
  if (!error) return error;
  if (response.header("www-authenticate").rfind("Bearer", 0) != 0) {
    return ::testing::AssertionFailure()
           << "WWW-Authenticate is '" << response.header("www-authenticate") << "'";
  }
  return ::testing::AssertionSuccess();
}

TEST_F(AuthTest, UpAnswersWithoutToken) {
  HttpResponse response = berthd().Get("/up", kNoAuth);
  ASSERT_EQ(200, response.status) << response.Describe();
  EXPECT_NE(std::string::npos, response.header("content-type").find("application/json"));
  nlohmann::json body = response.json();
  ASSERT_TRUE(body.is_object()) << response.body;
  EXPECT_EQ("ok", body.value("status", ""));
  ASSERT_TRUE(body.contains("version") && body["version"].is_string()) << response.body;
  EXPECT_FALSE(body["version"].get<std::string>().empty());
}

TEST_F(AuthTest, V1RoutesWithoutTokenAre401) {
  for (const char* path : {"/v1/apps", "/v1/apps/auth-nope", "/v1/apps/auth-nope/logs",
                           "/v1/apps/auth-nope/stats", "/v1/no-such-route"}) {
    SCOPED_TRACE(path);
    EXPECT_TRUE(IsUnauthorized(berthd().Get(path, kNoAuth)));
  }
}

TEST_F(AuthTest, WritesWithoutTokenAre401AndChangeNothing) {
  nlohmann::json app = ProcessApp("auth-write", Sh("exec sleep 1000"), {{"autostart", false}});
  EXPECT_TRUE(IsUnauthorized(berthd().Post("/v1/apps", app, kNoAuth)));
  EXPECT_TRUE(IsUnauthorized(berthd().Put("/v1/apps/auth-write", app, kNoAuth)));
  HttpResponse list = berthd().Get("/v1/apps");
  ASSERT_EQ(200, list.status) << list.Describe();
  EXPECT_EQ(nlohmann::json::array(), list.json());
}

TEST_F(AuthTest, WrongTokensAre401) {
  const std::string& token = berthd().token();
  for (const std::string& header : std::vector<std::string>{
           "Authorization: Bearer wrong",
           "Authorization: Bearer " + token.substr(0, token.size() - 1),
           "Authorization: Bearer " + token + "x", "Authorization: Basic " + token,
           "Authorization: " + token, "Authorization: Bearer"}) {
    SCOPED_TRACE(header);
    EXPECT_TRUE(IsUnauthorized(berthd().Get("/v1/apps", {header})));
  }
}

TEST_F(AuthTest, RightTokenIsAccepted) {
  HttpResponse response = berthd().Get("/v1/apps");
  ASSERT_EQ(200, response.status) << response.Describe();
  EXPECT_TRUE(response.json().is_array());
}

TEST_F(AuthTest, EventStreamWithoutTokenIs401) {
  auto stream = berthd().OpenSse("/v1/events", kNoAuth);
  EXPECT_EQ(401, stream->WaitForStatus());
}

TEST(GeneratedTokenTest, IsWrittenToStateDirAndKeptAcrossRestarts) {
  BerthdProcess berthd(BerthdProcess::Options{{"BERTH_ADMIN_TOKEN"}, {}});
  ASSERT_TRUE(berthd.Start());
  std::string path = berthd.state_dir() + "/admin-token";
  struct stat st {};
  ASSERT_EQ(0, stat(path.c_str(), &st)) << path << " was not created";
  EXPECT_EQ(0600u, st.st_mode & 07777);
  std::string generated = ReadFile(path);
  while (!generated.empty() && (generated.back() == '\n' || generated.back() == ' ')) {
    generated.pop_back();
  }
  ASSERT_GE(generated.size(), 16u) << "token '" << generated << "' is too short";

  EXPECT_TRUE(IsUnauthorized(berthd.Get("/v1/apps")));  // the harness's own token is unknown
  berthd.set_token(generated);
  HttpResponse response = berthd.Get("/v1/apps");
  EXPECT_EQ(200, response.status) << response.Describe();

  ASSERT_EQ(0, berthd.Stop());
  ASSERT_TRUE(berthd.Restart());
  EXPECT_EQ(generated, ReadFile(path).substr(0, generated.size()));
  response = berthd.Get("/v1/apps");
  EXPECT_EQ(200, response.status) << response.Describe();
}

}  // namespace
}  // namespace berth::testing
