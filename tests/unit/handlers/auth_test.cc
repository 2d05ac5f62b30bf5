// Tests of bearer-token authentication and of where the admin token comes from.
#include "handlers/auth.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

namespace berth {
namespace {

namespace fs = std::filesystem;

TEST(TokenAuthTest, AcceptsTheBearerToken) {
  TokenAuth auth("s3cret-token");
  EXPECT_TRUE(auth.Check("Bearer s3cret-token"));
}

TEST(TokenAuthTest, RejectsWrongOrMalformedCredentials) {
  TokenAuth auth("s3cret-token");
  EXPECT_FALSE(auth.Check(nullptr));
  EXPECT_FALSE(auth.Check(""));
  EXPECT_FALSE(auth.Check("Bearer"));
  EXPECT_FALSE(auth.Check("Bearer "));
  EXPECT_FALSE(auth.Check("Bearer wrong"));
  EXPECT_FALSE(auth.Check("Bearer s3cret-toke"));
  EXPECT_FALSE(auth.Check("Bearer s3cret-tokenX"));
  EXPECT_FALSE(auth.Check("Bearer S3CRET-TOKEN"));
  EXPECT_FALSE(auth.Check("s3cret-token"));
  EXPECT_FALSE(auth.Check("Basic s3cret-token"));
  EXPECT_FALSE(auth.Check("Bearers3cret-token"));
  EXPECT_FALSE(auth.Check("Token s3cret-token"));
}

// Restores an environment variable when the test ends.
class ScopedEnv {
 public:
  explicit ScopedEnv(const char* name) : name_(name) {
    if (const char* value = getenv(name)) saved_ = value;
  }
  ~ScopedEnv() {
    if (saved_) {
      setenv(name_, saved_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }
  void Set(const std::string& value) { setenv(name_, value.c_str(), 1); }
  void Unset() { unsetenv(name_); }

 private:
  const char* name_;
  std::optional<std::string> saved_;
};

class LoadAdminTokenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "berth-auth-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    token_env_.Unset();
    credentials_env_.Unset();
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string LoadOrDie(const std::string& state_dir) {
    Result<std::string> token = LoadAdminToken(state_dir);
    EXPECT_TRUE(token.ok()) << token.status().message();
    return token.ok() ? token.value() : "";
  }

  static void Write(const fs::path& path, const std::string& content) {
    std::ofstream(path) << content;
  }

  fs::path dir_;
  ScopedEnv token_env_{"BERTH_ADMIN_TOKEN"};
  ScopedEnv credentials_env_{"CREDENTIALS_DIRECTORY"};
};

TEST_F(LoadAdminTokenTest, EnvironmentWins) {
  token_env_.Set("from-env");
  Write(dir_ / "admin-token", "from-file\n");
  EXPECT_EQ(LoadOrDie(dir_.string()), "from-env");
  EXPECT_FALSE(fs::exists(dir_ / "admin-token.tmp"));
}

TEST_F(LoadAdminTokenTest, EnvironmentTokenIsTrimmed) {
  token_env_.Set("  from-env \n");
  EXPECT_EQ(LoadOrDie(dir_.string()), "from-env");
}

// A blank BERTH_ADMIN_TOKEN must not become an empty token, which "Bearer " would match.
TEST_F(LoadAdminTokenTest, BlankEnvironmentTokenIsNeverAnEmptyToken) {
  token_env_.Set("   ");
  Result<std::string> token = LoadAdminToken(dir_.string());
  if (token.ok()) {
    EXPECT_FALSE(token.value().empty());
  }
}

TEST_F(LoadAdminTokenTest, EnvironmentDoesNotCreateAFile) {
  token_env_.Set("from-env");
  EXPECT_EQ(LoadOrDie(dir_.string()), "from-env");
  EXPECT_FALSE(fs::exists(dir_ / "admin-token"));
}

TEST_F(LoadAdminTokenTest, GeneratesAPrivateTokenFileAndReusesIt) {
  std::string first = LoadOrDie(dir_.string());
  EXPECT_GE(first.size(), 32u);
  for (char c : first) EXPECT_TRUE(isalnum(static_cast<unsigned char>(c))) << first;
  fs::path file = dir_ / "admin-token";
  ASSERT_TRUE(fs::exists(file));
  struct stat st {};
  ASSERT_EQ(stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_FALSE(fs::exists(dir_ / "admin-token.tmp"));
  std::ifstream in(file);
  std::string stored;
  std::getline(in, stored);
  EXPECT_EQ(stored, first);

  EXPECT_EQ(LoadOrDie(dir_.string()), first);
}

TEST_F(LoadAdminTokenTest, TwoStateDirectoriesGetDifferentTokens) {
  fs::create_directory(dir_ / "a");
  fs::create_directory(dir_ / "b");
  EXPECT_NE(LoadOrDie((dir_ / "a").string()), LoadOrDie((dir_ / "b").string()));
}

TEST_F(LoadAdminTokenTest, ReadsAnExistingFileWithoutItsNewline) {
  Write(dir_ / "admin-token", "written-by-admin\n");
  EXPECT_EQ(LoadOrDie(dir_.string()), "written-by-admin");
}

TEST_F(LoadAdminTokenTest, CredentialsDirectoryComesBeforeTheStateDirectory) {
  fs::create_directory(dir_ / "creds");
  Write(dir_ / "creds" / "admin-token", "from-credentials\n");
  Write(dir_ / "admin-token", "from-state\n");
  credentials_env_.Set((dir_ / "creds").string());
  EXPECT_EQ(LoadOrDie(dir_.string()), "from-credentials");
}

TEST_F(LoadAdminTokenTest, CredentialsDirectoryWithoutATokenFallsBack) {
  fs::create_directory(dir_ / "creds");
  Write(dir_ / "admin-token", "from-state\n");
  credentials_env_.Set((dir_ / "creds").string());
  EXPECT_EQ(LoadOrDie(dir_.string()), "from-state");
}

TEST_F(LoadAdminTokenTest, EmptyTokenFileIsAnError) {
  Write(dir_ / "admin-token", "\n");
  Result<std::string> token = LoadAdminToken(dir_.string());
  ASSERT_FALSE(token.ok());
  EXPECT_NE(token.status().message().find("admin-token"), std::string::npos);
}

TEST_F(LoadAdminTokenTest, MissingStateDirectoryIsAnError) {
  Result<std::string> token = LoadAdminToken((dir_ / "missing").string());
  EXPECT_FALSE(token.ok());
}

TEST_F(LoadAdminTokenTest, GeneratedTokenAuthenticates) {
  std::string token = LoadOrDie(dir_.string());
  TokenAuth auth(token);
  EXPECT_TRUE(auth.Check(("Bearer " + token).c_str()));
  EXPECT_FALSE(auth.Check("Bearer "));
}

}  // namespace
}  // namespace berth
