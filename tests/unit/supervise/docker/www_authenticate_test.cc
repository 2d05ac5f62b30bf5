// Tests of ParseWwwAuthenticate: registry challenges as Docker Hub, GHCR and others send them,
// quoted strings with escapes and commas, several challenges, odd whitespace, and refusals.
#include "supervise/docker/www_authenticate.h"

#include <gtest/gtest.h>

namespace berth::docker {
namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

std::vector<AuthChallenge> MustParse(std::string_view header) {
  auto parsed = ParseWwwAuthenticate(header);
  EXPECT_TRUE(parsed.ok()) << header << ": " << parsed.status().message();
  return parsed.ok() ? parsed.value() : std::vector<AuthChallenge>{};
}

TEST(WwwAuthenticateTest, DockerHubBearerChallenge) {
  auto challenges =
      MustParse(R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",)"
                R"(scope="repository:library/busybox:pull")");
  ASSERT_EQ(challenges.size(), 1u);
  EXPECT_EQ(challenges[0].scheme, "Bearer");
  EXPECT_EQ(challenges[0].params, (Params{{"realm", "https://auth.docker.io/token"},
                                          {"service", "registry.docker.io"},
                                          {"scope", "repository:library/busybox:pull"}}));
  EXPECT_EQ(*challenges[0].Param("service"), "registry.docker.io");
  EXPECT_EQ(challenges[0].Param("error"), nullptr);
}

TEST(WwwAuthenticateTest, BasicChallengeOfAPrivateRegistry) {
  auto challenges = MustParse(R"(Basic realm="Registry Realm")");
  ASSERT_EQ(challenges.size(), 1u);
  EXPECT_TRUE(challenges[0].IsScheme("basic"));
  EXPECT_EQ(*challenges[0].Param("realm"), "Registry Realm");
}

TEST(WwwAuthenticateTest, QuotedStringsKeepCommasAndUndoEscapes) {
  auto challenges = MustParse(R"(Bearer realm="a, \"b\" \\ c",scope="x:y:pull,push")");
  ASSERT_EQ(challenges.size(), 1u);
  EXPECT_EQ(*challenges[0].Param("realm"), R"(a, "b" \ c)");
  EXPECT_EQ(*challenges[0].Param("scope"), "x:y:pull,push");
}

TEST(WwwAuthenticateTest, SeveralChallengesAndOddWhitespace) {
  auto challenges = MustParse(
      " ,Basic realm=simple , ,\tBEARER  Realm = \"https://ghcr.io/token\" ,"
      "service=ghcr.io,error=\"insufficient_scope\"  , Negotiate, Other abc/def+==, Last ");
  ASSERT_EQ(challenges.size(), 5u);
  EXPECT_EQ(challenges[0].params, (Params{{"realm", "simple"}}));
  EXPECT_EQ(challenges[1].scheme, "BEARER");
  EXPECT_TRUE(challenges[1].IsScheme("Bearer"));
  EXPECT_EQ(challenges[1].params, (Params{{"realm", "https://ghcr.io/token"},
                                          {"service", "ghcr.io"},
                                          {"error", "insufficient_scope"}}));
  EXPECT_EQ(challenges[2].scheme, "Negotiate");
  EXPECT_TRUE(challenges[2].params.empty());
  EXPECT_EQ(challenges[3].token68, "abc/def+==");
  EXPECT_EQ(challenges[4].scheme, "Last");
  EXPECT_EQ(FindChallenge(challenges, "bearer"), &challenges[1]);
  EXPECT_EQ(FindChallenge(challenges, "Digest"), nullptr);
}

TEST(WwwAuthenticateTest, EmptyQuotedValue) {
  auto challenges = MustParse(R"(Bearer realm="",service="")");
  ASSERT_EQ(challenges.size(), 1u);
  EXPECT_EQ(challenges[0].params, (Params{{"realm", ""}, {"service", ""}}));
}

TEST(WwwAuthenticateTest, RefusesMalformedHeaders) {
  for (const char* header :
       {"", " , ", "Bearer realm=\"unterminated", "Bearer a=b, realm=", "Bearer realm=,service=x",
        "Bearer realm=\"x\" service=\"y\"", "Bearer foo bar", "Basic Bearer realm=x", "=x",
        "Bearer;realm=x", "Bearer realm=\"x\";", "\"Bearer\""}) {
    auto parsed = ParseWwwAuthenticate(header);
    EXPECT_FALSE(parsed.ok()) << header;
    if (!parsed.ok()) {
      EXPECT_NE(parsed.status().message().find("WWW-Authenticate"), std::string::npos)
          << parsed.status().message();
    }
  }
}

}  // namespace
}  // namespace berth::docker
