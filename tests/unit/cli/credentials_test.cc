// Tests of saved logins: where the file is, modes, replacing and forgetting one URL's login.
#include "cli/credentials.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <fstream>

namespace berth::cli {
namespace {

namespace fs = std::filesystem;

EnvLookup FakeEnv(std::map<std::string, std::string> vars) {
  return [vars](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

mode_t Mode(const fs::path& path) {
  struct stat st = {};
  EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

class CredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "berth-credentials-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    file_ = dir_ / "config" / "berth" / "credentials.json";
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
  fs::path file_;
};

TEST_F(CredentialsTest, PathFollowsXdgConfigHomeThenHome) {
  EXPECT_EQ(credentials_path(FakeEnv({{"XDG_CONFIG_HOME", "/x"}, {"HOME", "/h"}})),
            fs::path("/x/berth/credentials.json"));
  EXPECT_EQ(credentials_path(FakeEnv({{"HOME", "/h"}})),
            fs::path("/h/.config/berth/credentials.json"));
  EXPECT_EQ(credentials_path(FakeEnv({})), std::nullopt);
}

TEST_F(CredentialsTest, SavesPerUrlWithOwnerOnlyModes) {
  ASSERT_TRUE(save_login(file_, "http://a:7070", SavedLogin{"berth_a", "alice", 3}).ok());
  ASSERT_TRUE(save_login(file_, "unix:/run/berth/api.sock", SavedLogin{"berth_b", "bob", 4}).ok());
  EXPECT_EQ(Mode(file_), 0600u);
  EXPECT_EQ(Mode(file_.parent_path()), 0700u);
  EXPECT_FALSE(fs::exists(file_.string() + ".tmp"));
  std::optional<SavedLogin> a = find_saved_login(file_, "http://a:7070");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->token, "berth_a");
  EXPECT_EQ(a->user, "alice");
  EXPECT_EQ(a->token_id, 3);
  EXPECT_EQ(find_saved_login(file_, "unix:/run/berth/api.sock")->user, "bob");
  EXPECT_FALSE(find_saved_login(file_, "http://other:7070"));
}

TEST_F(CredentialsTest, ReplacesAndForgets) {
  ASSERT_TRUE(save_login(file_, "http://a:7070", SavedLogin{"berth_old", "alice", 1}).ok());
  ASSERT_TRUE(save_login(file_, "http://a:7070", SavedLogin{"berth_new", "alice", 2}).ok());
  EXPECT_EQ(find_saved_login(file_, "http://a:7070")->token, "berth_new");
  ASSERT_TRUE(save_login(file_, "http://a:7070", std::nullopt).ok());
  EXPECT_FALSE(find_saved_login(file_, "http://a:7070"));
}

TEST_F(CredentialsTest, AMissingOrBrokenFileHoldsNoLogin) {
  EXPECT_FALSE(find_saved_login(file_, "http://a:7070"));
  fs::create_directories(file_.parent_path());
  std::ofstream(file_) << "not json";
  EXPECT_FALSE(find_saved_login(file_, "http://a:7070"));
  ASSERT_TRUE(save_login(file_, "http://a:7070", SavedLogin{"berth_a", "alice", 3}).ok());
  EXPECT_TRUE(find_saved_login(file_, "http://a:7070"));
}

TEST_F(CredentialsTest, TheSavedTokenComesAfterTheFlagAndTheEnvironment) {
  ASSERT_TRUE(save_login(file_, "http://a:7070", SavedLogin{"berth_saved", "alice", 3}).ok());
  std::map<std::string, std::string> vars = {{"XDG_CONFIG_HOME", (dir_ / "config").string()},
                                             {"BERTH_STATE_DIR", (dir_ / "none").string()}};
  Result<Endpoint> saved = resolve_endpoint("http://a:7070", std::nullopt, FakeEnv(vars));
  ASSERT_TRUE(saved.ok());
  EXPECT_EQ(saved->token, "berth_saved");
  EXPECT_EQ(resolve_endpoint("http://a:7070", "flag", FakeEnv(vars))->token, "flag");
  vars["BERTH_TOKEN"] = "env";
  EXPECT_EQ(resolve_endpoint("http://a:7070", std::nullopt, FakeEnv(vars))->token, "env");
  vars.erase("BERTH_TOKEN");
  EXPECT_NE(resolve_endpoint("http://b:7070", std::nullopt, FakeEnv(vars))->token, "berth_saved");
}

}  // namespace
}  // namespace berth::cli
