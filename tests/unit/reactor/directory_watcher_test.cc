// DirectoryWatcher: reports closed writes, renames in and out, deletions, and a lost watch.
#include "reactor/directory_watcher.h"

#include <gtest/gtest.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "tests/unit/run_loop.h"

namespace berth {
namespace {

namespace fs = std::filesystem;

class DirectoryWatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "berth-watch-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    ASSERT_TRUE(watcher_.Watch(dir_).ok());
  }
  void TearDown() override { fs::remove_all(dir_); }

  bool Saw(const std::string& name) {
    return RunUntil(&loop_, [&] { return seen_.count(name) > 0; });
  }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/" + name) << text;
  }

  EventLoop loop_;
  std::multiset<std::string> seen_;
  DirectoryWatcher watcher_{&loop_, [this](const std::string& name) { seen_.insert(name); }};
  std::string dir_;
};

TEST_F(DirectoryWatcherTest, AWriteIsReportedWhenTheFileIsClosed) {
  Write("web.json", "{}");
  EXPECT_TRUE(Saw("web.json"));
}

TEST_F(DirectoryWatcherTest, RenamesInAndOutAreReported) {
  std::string outside = dir_ + ".outside";
  std::ofstream(outside) << "{}";
  ASSERT_EQ(0, rename(outside.c_str(), (dir_ + "/in.json").c_str()));
  EXPECT_TRUE(Saw("in.json"));
  ASSERT_EQ(0, rename((dir_ + "/in.json").c_str(), outside.c_str()));
  EXPECT_TRUE(RunUntil(&loop_, [&] { return seen_.count("in.json") == 2; }));
  unlink(outside.c_str());
}

TEST_F(DirectoryWatcherTest, ADeletionIsReported) {
  Write("gone.json", "{}");
  ASSERT_TRUE(Saw("gone.json"));
  ASSERT_EQ(0, unlink((dir_ + "/gone.json").c_str()));
  EXPECT_TRUE(RunUntil(&loop_, [&] { return seen_.count("gone.json") == 2; }));
}

TEST_F(DirectoryWatcherTest, TheDirectoryGoingAwayAsksForARescan) {
  fs::remove_all(dir_);
  EXPECT_TRUE(Saw(""));
  EXPECT_FALSE(watcher_.watching());
}

TEST_F(DirectoryWatcherTest, AMissingDirectoryCannotBeWatched) {
  Status status = watcher_.Watch(dir_ + "/missing");
  EXPECT_FALSE(status.ok());
  EXPECT_NE(std::string::npos, status.message().find("missing")) << status.message();
}

}  // namespace
}  // namespace berth
