// Tests of NextLinkUrl: registry tag-list paging links, relative and absolute, resolved against
// the request URL with libcurl, and malformed headers.
#include "supervise/docker/link_header.h"

#include <gtest/gtest.h>

namespace berth::docker {
namespace {

constexpr const char* kRequest = "https://registry.example.com:5000/v2/acme/app/tags/list?n=100";

std::optional<std::string> MustFind(std::string_view header, std::string_view request = kRequest) {
  auto next = NextLinkUrl(header, request);
  EXPECT_TRUE(next.ok()) << header << ": " << next.status().message();
  return next.ok() ? next.value() : std::nullopt;
}

TEST(LinkHeaderTest, RelativeNextLinkOfTheDistributionRegistry) {
  EXPECT_EQ(MustFind(R"(</v2/acme/app/tags/list?n=100&last=1.4>; rel="next")"),
            "https://registry.example.com:5000/v2/acme/app/tags/list?n=100&last=1.4");
}

TEST(LinkHeaderTest, AbsoluteAndQueryOnlyLinks) {
  EXPECT_EQ(MustFind("<https://other.example.com/v2/x/tags/list?last=b>; rel=next"),
            "https://other.example.com/v2/x/tags/list?last=b");
  EXPECT_EQ(MustFind("<?n=100&last=zz>;rel=\"next\""),
            "https://registry.example.com:5000/v2/acme/app/tags/list?n=100&last=zz");
  EXPECT_EQ(MustFind("<list?last=a>; rel=next", "http://127.0.0.1:5000/v2/x/tags/"),
            "http://127.0.0.1:5000/v2/x/tags/list?last=a");
}

TEST(LinkHeaderTest, FindsNextAmongSeveralLinksAndRelations) {
  EXPECT_EQ(MustFind(R"(</v2/prev>; rel="prev", </v2/a,b?x=1>;title="t, u"; REL="first Next")"
                     R"(, </v2/later>; rel=next)"),
            "https://registry.example.com:5000/v2/a,b?x=1");
  EXPECT_EQ(MustFind("</v2/x>; rel=\"nextpage\"; foo, </v2/y>; rel=\"next\""),
            "https://registry.example.com:5000/v2/y");
}

TEST(LinkHeaderTest, NoNextLink) {
  EXPECT_EQ(MustFind(""), std::nullopt);
  EXPECT_EQ(MustFind("  ,  "), std::nullopt);
  EXPECT_EQ(MustFind(R"(</v2/prev>; rel="prev")"), std::nullopt);
  EXPECT_EQ(MustFind("</v2/x>"), std::nullopt);
}

TEST(LinkHeaderTest, RefusesMalformedHeaders) {
  for (const char* header : {"/v2/x; rel=next", "</v2/x; rel=next", "</v2/x> rel=next",
                             "</v2/x>; =next", "</v2/x>; rel=\"next", "</v2/x>; rel="}) {
    auto next = NextLinkUrl(header, kRequest);
    EXPECT_FALSE(next.ok()) << header;
    if (!next.ok()) {
      EXPECT_NE(next.status().message().find("Link header"), std::string::npos)
          << next.status().message();
    }
  }
}

TEST(LinkHeaderTest, RefusesWhatDoesNotResolveToHttp) {
  EXPECT_FALSE(NextLinkUrl("</v2/x>; rel=next", "/v2/relative/request").ok());
  EXPECT_FALSE(NextLinkUrl("<ftp://example.com/x>; rel=next", kRequest).ok());
  EXPECT_FALSE(NextLinkUrl("<https://bad host/x>; rel=next", kRequest).ok());
  EXPECT_FALSE(NextLinkUrl(std::string_view("</v2/x\0y>; rel=next", 19), kRequest).ok());
}

}  // namespace
}  // namespace berth::docker
