// Tests of Engine API version parsing, numeric comparison and negotiation with real /version
// answers of Docker 20.10 (Debian 12) and Docker 28.
#include "supervise/docker/api_version.h"

#include <gtest/gtest.h>

namespace berth::docker {
namespace {

nlohmann::json VersionAnswer(const char* api, const char* min) {
  nlohmann::json answer = {{"Platform", {{"Name", "Docker Engine - Community"}}},
                           {"Version", "x"},
                           {"ApiVersion", api},
                           {"Os", "linux"},
                           {"Arch", "amd64"}};
  if (min) answer["MinAPIVersion"] = min;
  return answer;
}

TEST(ApiVersionTest, ParsesAndComparesNumerically) {
  auto v = ParseApiVersion("1.41");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, (ApiVersion{1, 41}));
  EXPECT_EQ(v->ToString(), "1.41");
  EXPECT_LT(ParseApiVersion("1.9").value(), ParseApiVersion("1.41").value());
  EXPECT_LT(ParseApiVersion("1.50").value(), ParseApiVersion("2.0").value());
  EXPECT_EQ(ParseApiVersion("1.041").value(), (ApiVersion{1, 41}));
  for (const char* bad : {"", "1", "1.", ".41", "1.41.2", "v1.41", "1.4a", " 1.41", "-1.41",
                          "1.+41", "1.9999999999"}) {
    auto parsed = ParseApiVersion(bad);
    EXPECT_FALSE(parsed.ok()) << bad;
    if (!parsed.ok()) {
      EXPECT_NE(parsed.status().message().find("API version"), std::string::npos);
    }
  }
}

TEST(ApiVersionTest, Docker2010SpeaksItsOwnVersion) {
  // Debian 12's docker.io 20.10.24.
  auto chosen = NegotiateApiVersion(VersionAnswer("1.41", "1.12"));
  ASSERT_TRUE(chosen.ok()) << chosen.status().message();
  EXPECT_EQ(chosen->ToString(), "1.41");
}

TEST(ApiVersionTest, NewerDaemonsGetTheNewestTestedVersion) {
  auto chosen = NegotiateApiVersion(VersionAnswer("1.50", "1.24"));  // Docker 28
  ASSERT_TRUE(chosen.ok());
  EXPECT_EQ(*chosen, kNewestTestedApiVersion);
  EXPECT_EQ(chosen->ToString(), "1.47");
  EXPECT_EQ(NegotiateApiVersion(VersionAnswer("1.45", nullptr))->ToString(), "1.45");
}

TEST(ApiVersionTest, NeverBelowTheDaemonsMinimum) {
  // A future daemon that dropped every API up to 1.47.
  auto chosen = NegotiateApiVersion(VersionAnswer("1.60", "1.50"));
  ASSERT_TRUE(chosen.ok());
  EXPECT_EQ(chosen->ToString(), "1.50");
}

TEST(ApiVersionTest, RefusesTooOldDaemons) {
  auto chosen = NegotiateApiVersion(VersionAnswer("1.40", "1.12"));
  ASSERT_FALSE(chosen.ok());
  EXPECT_EQ(chosen.status().code(), Status::Code::kUnavailable);
  EXPECT_EQ(chosen.status().message(),
            "Docker Engine API 1.40 is too old: berth needs 1.41 or newer (Docker 20.10)");
  EXPECT_FALSE(NegotiateApiVersion(VersionAnswer("1.9", nullptr)).ok());
}

TEST(ApiVersionTest, RefusesAnswersThatAreNotDockers) {
  EXPECT_FALSE(NegotiateApiVersion(nlohmann::json::array()).ok());
  EXPECT_FALSE(NegotiateApiVersion(nlohmann::json::object()).ok());
  EXPECT_FALSE(NegotiateApiVersion({{"ApiVersion", 1.41}}).ok());
  EXPECT_FALSE(NegotiateApiVersion(VersionAnswer("1.41", "one")).ok());
  EXPECT_FALSE(NegotiateApiVersion({{"ApiVersion", "1.41"}, {"MinAPIVersion", nullptr}}).ok());
  auto inverted = NegotiateApiVersion(VersionAnswer("1.41", "1.43"));
  ASSERT_FALSE(inverted.ok());
  EXPECT_NE(inverted.status().message().find("above"), std::string::npos);
}

}  // namespace
}  // namespace berth::docker
