// Tests of the userinfo split and display form of source URLs.
#include "supervise/fetch/source_url.h"

#include <gtest/gtest.h>

namespace berth {
namespace {

TEST(SourceUrlTest, SplitsUserinfoOffHttpUrls) {
  Result<SourceUrl> url = SplitUserinfo("https://bot:t%40ken@git.example.com/org/app.git");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->url, "https://git.example.com/org/app.git");
  EXPECT_EQ(url->username, "bot");
  EXPECT_EQ(url->password, "t@ken");
}

TEST(SourceUrlTest, SplitsAUserWithoutPasswordAndKeepsThePortPathAndQuery) {
  Result<SourceUrl> url = SplitUserinfo("HTTP://deploy%20bot@example.com:8443/a.git?x=1#f");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->url, "HTTP://example.com:8443/a.git?x=1#f");
  EXPECT_EQ(url->username, "deploy bot");
  EXPECT_EQ(url->password, "");
}

TEST(SourceUrlTest, RefusesBrokenUserinfoWithoutShowingIt) {
  for (const char* broken : {"https://bot:t%4@example.com/a.git",
                             "https://bot:t%zzken@example.com/", "https://bot:secret@/a.git"}) {
    Result<SourceUrl> url = SplitUserinfo(broken);
    ASSERT_FALSE(url.ok()) << broken;
    EXPECT_NE(url.status().message().find("is not a valid URL"), std::string::npos);
    EXPECT_EQ(url.status().message().find("bot"), std::string::npos) << url.status().message();
  }
}

TEST(SourceUrlTest, KeepsUrlsWithoutUserinfoAsGiven) {
  for (const char* plain : {"https://git.example.com/org/app.git", "file:///srv/git/app.git",
                            "git@github.com:org/app.git", "/srv/git/app.git",
                            "ssh://git@example.com/app.git", "https://example.com/a@b/app.git"}) {
    Result<SourceUrl> url = SplitUserinfo(plain);
    ASSERT_TRUE(url.ok()) << plain;
    EXPECT_EQ(url->url, plain);
    EXPECT_EQ(url->username, "");
    EXPECT_EQ(url->password, "");
  }
}

TEST(SourceUrlTest, DisplayHidesUserinfoAndQuery) {
  EXPECT_EQ(DisplayUrl("https://u:p@example.com/x.tgz?token=abc#frag"),
            "https://example.com/x.tgz?***");
  EXPECT_EQ(DisplayUrl("https://example.com/org/app.git"), "https://example.com/org/app.git");
  EXPECT_EQ(DisplayUrl("file:///srv/app.tgz"), "file:///srv/app.tgz");
  EXPECT_EQ(DisplayUrl("git@github.com:org/app.git"), "git@github.com:org/app.git");
  EXPECT_EQ(DisplayUrl("ht tp://u:p@bad url"), "ht tp://bad url");
  EXPECT_EQ(DisplayUrl("https://example.com/a@b/x.git?"), "https://example.com/a@b/x.git");
  EXPECT_EQ(DisplayUrl("ssh://git@example.com:2222/app.git"), "ssh://example.com:2222/app.git");
}

}  // namespace
}  // namespace berth
