// Tests of the member path and link checks done before an archive is extracted.
#include "supervise/fetch/archive_tree.h"

#include <gtest/gtest.h>

namespace berth {
namespace {

TEST(ArchiveTreeTest, NormalizesMemberPaths) {
  EXPECT_EQ(NormalizeMemberPath("./a//b/./c/").value(), "a/b/c");
  EXPECT_EQ(NormalizeMemberPath("./").value(), "");
  EXPECT_EQ(NormalizeMemberPath("a..b/..c").value(), "a..b/..c");
  EXPECT_FALSE(NormalizeMemberPath("/etc/passwd").ok());
  EXPECT_FALSE(NormalizeMemberPath("a/../../b").ok());
  EXPECT_FALSE(NormalizeMemberPath("a/..").ok());
  EXPECT_FALSE(NormalizeMemberPath("").ok());
}

TEST(ArchiveTreeTest, AcceptsLinksInside) {
  ArchiveTree tree;
  ASSERT_TRUE(tree.Add("lib", MemberKind::kDirectory).ok());
  ASSERT_TRUE(tree.Add("lib/a.so.1", MemberKind::kFile).ok());
  ASSERT_TRUE(tree.Add("lib/a.so", MemberKind::kSymlink, "a.so.1").ok());
  ASSERT_TRUE(tree.Add("top", MemberKind::kSymlink, "lib/../lib/a.so").ok());
  ASSERT_TRUE(tree.Add("self", MemberKind::kSymlink, ".").ok());
  ASSERT_TRUE(tree.Add("hard", MemberKind::kHardlink, "./lib/a.so.1").ok());
  ASSERT_TRUE(tree.Add("lib", MemberKind::kDirectory).ok());  // directories may repeat
  EXPECT_TRUE(tree.Check().ok()) << tree.Check().message();
}

TEST(ArchiveTreeTest, FollowsSymlinksWhenResolving) {
  ArchiveTree tree;
  ASSERT_TRUE(tree.Add("a/b", MemberKind::kDirectory).ok());
  ASSERT_TRUE(tree.Add("deep", MemberKind::kSymlink, "a/b").ok());
  ASSERT_TRUE(tree.Add("ok", MemberKind::kSymlink, "deep/../..").ok());  // a/b/../.. = top
  EXPECT_TRUE(tree.Check().ok()) << tree.Check().message();
  ASSERT_TRUE(tree.Add("bad", MemberKind::kSymlink, "deep/../../..").ok());
  EXPECT_EQ(tree.Check().message(),
            "archive member 'bad' is a symlink to 'deep/../../..', which leaves the release "
            "directory");
}

TEST(ArchiveTreeTest, RefusesSymlinkLoopsAndChainsOut) {
  ArchiveTree loop;
  ASSERT_TRUE(loop.Add("x", MemberKind::kSymlink, "y/z").ok());
  ASSERT_TRUE(loop.Add("y", MemberKind::kSymlink, "x").ok());
  EXPECT_FALSE(loop.Check().ok());
  ArchiveTree chain;
  ASSERT_TRUE(chain.Add("first", MemberKind::kSymlink, "second").ok());
  ASSERT_TRUE(chain.Add("second", MemberKind::kSymlink, "../out").ok());
  EXPECT_FALSE(chain.Check().ok());
}

TEST(ArchiveTreeTest, RefusesDuplicatesAndHardlinksToNonFiles) {
  ArchiveTree tree;
  ASSERT_TRUE(tree.Add("f", MemberKind::kFile).ok());
  EXPECT_FALSE(tree.Add("f", MemberKind::kSymlink, "/etc/passwd").ok());
  ArchiveTree hard;
  ASSERT_TRUE(hard.Add("dir", MemberKind::kDirectory).ok());
  ASSERT_TRUE(hard.Add("h", MemberKind::kHardlink, "dir").ok());
  EXPECT_EQ(hard.Check().message(),
            "archive member 'h' is a hard link to 'dir', which is not a file of the archive");
}

}  // namespace
}  // namespace berth
