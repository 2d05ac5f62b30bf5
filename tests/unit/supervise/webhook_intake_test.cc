// Tests of which pushes concern an app, by the ref it deploys.
#include "supervise/webhook_intake.h"

#include <gtest/gtest.h>

namespace berth {
namespace {

TEST(PushMismatch, ABranchOrTagNameMatchesItsFullRef) {
  EXPECT_EQ("", PushMismatch("refs/heads/main", "main", ""));
  EXPECT_EQ("", PushMismatch("refs/tags/v2", "v2", ""));
  EXPECT_EQ("", PushMismatch("refs/heads/main", "refs/heads/main", ""));
  EXPECT_EQ("push to refs/heads/x, the app deploys main", PushMismatch("refs/heads/x", "main", ""));
  EXPECT_EQ("push to refs/tags/main, the app deploys refs/heads/main",
            PushMismatch("refs/tags/main", "refs/heads/main", ""));
}

TEST(PushMismatch, AnEmptyRefFollowsTheDefaultBranch) {
  EXPECT_EQ("", PushMismatch("refs/heads/trunk", "", "trunk"));
  EXPECT_EQ("push to refs/heads/x, the app deploys trunk", PushMismatch("refs/heads/x", "", "trunk"));
  EXPECT_EQ("", PushMismatch("refs/heads/x", "", ""));  // unknown: any push
  EXPECT_EQ("", PushMismatch("", "main", ""));          // no ref in the payload
}

}  // namespace
}  // namespace berth
