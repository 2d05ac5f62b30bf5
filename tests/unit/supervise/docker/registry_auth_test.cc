// Tests of RegistryAuthHeader: the JSON the Engine decodes, in the URL-safe base64 alphabet.
#include "supervise/docker/registry_auth.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "base/base64.h"

namespace berth::docker {
namespace {

// Undoes base64url with OpenSSL's standard decoder, for checking.
std::string DecodeUrl(std::string text) {
  for (char& c : text) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  std::string raw(text.size(), '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(raw.data()),
                          reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  raw.resize(static_cast<size_t>(n));
  while (!text.empty() && text.back() == '=') {
    text.pop_back();
    raw.pop_back();
  }
  return raw;
}

TEST(RegistryAuthTest, EncodesTheJsonTheEngineExpects) {
  auto header = RegistryAuthHeader({.username = "deploy",
                                    .password = "s3cr3t?>>~",
                                    .server_address = "registry.example.com:5000"});
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(header->find_first_of("+/"), std::string::npos) << *header;
  EXPECT_EQ(header->size() % 4, 0u);  // padded, as Go's base64.URLEncoding writes
  EXPECT_EQ(nlohmann::json::parse(DecodeUrl(*header)),
            (nlohmann::json{{"username", "deploy"},
                            {"password", "s3cr3t?>>~"},
                            {"serveraddress", "registry.example.com:5000"}}));
}

TEST(RegistryAuthTest, UrlAlphabetDiffersFromTheStandardOne) {
  // "\xfb\xff" is "+/8=" in the standard alphabet.
  EXPECT_EQ(Base64Encode("\xfb\xff"), "+/8=");
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8=");
  EXPECT_EQ(Base64UrlEncode(""), "");
  EXPECT_EQ(Base64UrlEncode("ab"), "YWI=");
}

TEST(RegistryAuthTest, RefusesTextThatIsNotUtf8WithoutShowingIt) {
  auto header =
      RegistryAuthHeader({.username = "u", .password = "pa\xffss", .server_address = "r"});
  ASSERT_FALSE(header.ok());
  EXPECT_EQ(header.status().message().find("pa\xffss"), std::string::npos);
  EXPECT_NE(header.status().message().find("UTF-8"), std::string::npos);
}

}  // namespace
}  // namespace berth::docker
