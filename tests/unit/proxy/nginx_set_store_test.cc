// Tests of nginx mode's managed directory: whole sets with their manifest, the live symlink,
// and telling files berth wrote from files edited, added or removed by hand.
#include "proxy/nginx_set_store.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace berth {
namespace {

namespace fs = std::filesystem;

class NginxSetStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-nginx-set-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
  }
  void TearDown() override { fs::remove_all(root_); }

  static void Write(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::trunc) << text;
  }

  std::string root_;
  std::vector<NginxFile> files_ = {{"_berth.conf", "map {}\n"}, {"a.test.conf", "server {}\n"}};
};

TEST_F(NginxSetStoreTest, AWrittenSetGoesLiveWhole) {
  NginxSetStore store(root_ + "/berth");
  ASSERT_TRUE(store.Prepare().ok());
  int number = store.Reserve();
  ASSERT_TRUE(store.Write(number, files_).ok());
  EXPECT_EQ(store.ReadLive().number, 0);  // not live yet
  ASSERT_TRUE(store.MakeLive(number).ok());
  EXPECT_EQ(fs::read_symlink(root_ + "/berth/live"), "sets/" + std::to_string(number));
  LiveNginxSet live = store.ReadLive();
  EXPECT_EQ(live.number, number);
  EXPECT_EQ(live.intact, files_);
  EXPECT_TRUE(live.tampered.empty());
  // The manifest is sha256sum's format.
  std::ifstream manifest(root_ + "/berth/live/" + kNginxManifest);
  std::string line;
  std::getline(manifest, line);
  EXPECT_EQ(line, Sha256Hex("map {}\n") + "  _berth.conf");
}

TEST_F(NginxSetStoreTest, FilesChangedAddedOrRemovedByHandAreTampered) {
  NginxSetStore store(root_ + "/berth");
  ASSERT_TRUE(store.Prepare().ok());
  int number = store.Reserve();
  ASSERT_TRUE(store.Write(number, files_).ok());
  ASSERT_TRUE(store.MakeLive(number).ok());
  std::string live = root_ + "/berth/live/";
  Write(live + "a.test.conf", "server { broken\n");
  Write(live + "extra.conf", "server {}\n");
  fs::remove(live + "_berth.conf");
  LiveNginxSet found = store.ReadLive();
  EXPECT_TRUE(found.intact.empty());
  std::sort(found.tampered.begin(), found.tampered.end());
  EXPECT_EQ(found.tampered, (std::vector<std::string>{live + "_berth.conf", live + "a.test.conf",
                                                      live + "extra.conf"}));
}

TEST_F(NginxSetStoreTest, NumbersContinueAfterARestartAndOldSetsGo) {
  {
    NginxSetStore store(root_ + "/berth");
    ASSERT_TRUE(store.Prepare().ok());
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(store.Write(store.Reserve(), files_).ok());
    ASSERT_TRUE(store.MakeLive(3).ok());
  }
  NginxSetStore store(root_ + "/berth");
  ASSERT_TRUE(store.Prepare().ok());
  EXPECT_EQ(store.Reserve(), 4);
  store.RemoveAllBut(3);
  EXPECT_FALSE(fs::exists(root_ + "/berth/sets/1"));
  EXPECT_FALSE(fs::exists(root_ + "/berth/sets/2"));
  EXPECT_TRUE(fs::exists(root_ + "/berth/sets/3/a.test.conf"));
}

TEST_F(NginxSetStoreTest, ARealDirectoryWhereLiveGoesIsAnError) {
  NginxSetStore store(root_ + "/berth");
  ASSERT_TRUE(store.Prepare().ok());
  fs::create_directories(root_ + "/berth/live/x");
  ASSERT_TRUE(store.Write(store.Reserve(), files_).ok());
  Status s = store.MakeLive(1);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find(root_ + "/berth/live"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace berth
