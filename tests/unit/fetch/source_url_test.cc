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
}

}  // namespace
}  // namespace berth
