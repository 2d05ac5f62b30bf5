// DirectoryWatcher: reports closed writes, renames in and out, deletions and a lost watch, and
// waits for a missing directory from its nearest existing ancestor.
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

TEST_F(DirectoryWatcherTest, AMissingDirectoryIsWatchedFromItsNearestAncestorUntilItAppears) {
  std::string missing = dir_ + "/etc/berth/apps.d";
  ASSERT_TRUE(watcher_.Watch(missing).ok());
  EXPECT_FALSE(watcher_.watching());
  EXPECT_EQ(dir_, watcher_.watched());

  fs::create_directories(missing);  // mkdir -p: each level appears after the watch above it
  ASSERT_TRUE(RunUntil(&loop_, [&] { return watcher_.watching(); })) << watcher_.watched();
  EXPECT_TRUE(Saw(""));
  std::ofstream(missing + "/web.json") << "{}";
  EXPECT_TRUE(Saw("web.json"));
}

TEST_F(DirectoryWatcherTest, ADirectoryMovedIntoPlaceAsksForARescan) {
  std::string prepared = dir_ + ".prepared";
  fs::create_directories(prepared + "/apps.d");
  std::ofstream(prepared + "/apps.d/web.json") << "{}";
  ASSERT_TRUE(watcher_.Watch(dir_ + "/berth/apps.d").ok());

  ASSERT_EQ(0, rename(prepared.c_str(), (dir_ + "/berth").c_str()));
  EXPECT_TRUE(Saw(""));  // the file was there before the watch: only a rescan finds it
  EXPECT_TRUE(watcher_.watching()) << watcher_.watched();
}

TEST_F(DirectoryWatcherTest, ARemovedDirectoryIsWaitedForAgain) {
  std::string apps = dir_ + "/berth/apps.d";
  fs::create_directories(apps);
  ASSERT_TRUE(watcher_.Watch(apps).ok());
  ASSERT_TRUE(watcher_.watching());

  fs::remove_all(dir_ + "/berth");
  ASSERT_TRUE(Saw(""));
  EXPECT_TRUE(RunUntil(&loop_, [&] { return watcher_.watched() == dir_; })) << watcher_.watched();
  EXPECT_FALSE(watcher_.watching());

  fs::create_directories(apps);
  ASSERT_TRUE(RunUntil(&loop_, [&] { return seen_.count("") == 2; }));
  EXPECT_TRUE(watcher_.watching());
  std::ofstream(apps + "/again.json") << "{}";
  EXPECT_TRUE(Saw("again.json"));
}

TEST_F(DirectoryWatcherTest, AFileWhereADirectoryShouldBeIsWaitedOut) {
  std::ofstream(dir_ + "/berth") << "not a directory";
  ASSERT_TRUE(watcher_.Watch(dir_ + "/berth/apps.d").ok());
  EXPECT_EQ(dir_, watcher_.watched());

  ASSERT_EQ(0, unlink((dir_ + "/berth").c_str()));
  fs::create_directories(dir_ + "/berth/apps.d");
  EXPECT_TRUE(RunUntil(&loop_, [&] { return watcher_.watching(); })) << watcher_.watched();
}

TEST_F(DirectoryWatcherTest, OtherEntriesOfAnAncestorAreNotReported) {
  ASSERT_TRUE(watcher_.Watch(dir_ + "/berth").ok());
  Write("other.json", "{}");
  fs::create_directories(dir_ + "/elsewhere");
  fs::create_directories(dir_ + "/berth");  // a marker: events arrive in order
  ASSERT_TRUE(Saw(""));
  EXPECT_EQ(1u, seen_.size());
}

}  // namespace
}  // namespace berth
