// Tests of SecretBox: key file creation and checks, sealing round trips, tamper and wrong key.
#include "store/secret_box.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <set>

namespace berth {
namespace {

namespace fs = std::filesystem;

class SecretBoxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "berth-secret-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    key_path_ = (dir_ / "secret.key").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  SecretBox OpenOrDie(const std::string& path) {
    Result<SecretBox> box = SecretBox::Open(path);
    EXPECT_TRUE(box.ok()) << box.status().message();
    if (!box.ok()) {
      throw std::runtime_error(box.status().message());
    }
    return std::move(box).value();
  }

  void WriteFile(const std::string& path, const std::string& content, mode_t mode) {
    std::ofstream(path, std::ios::binary) << content;
    ASSERT_EQ(chmod(path.c_str(), mode), 0);
  }

  fs::path dir_;
  std::string key_path_;
};

TEST_F(SecretBoxTest, CreatesA0600KeyFileOnFirstUse) {
  SecretBox box = OpenOrDie(key_path_);
  EXPECT_EQ(box.key_path(), key_path_);
  struct stat st;
  ASSERT_EQ(lstat(key_path_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(st.st_size, static_cast<off_t>(SecretBox::kKeyBytes));
  // No temporary file is left beside it.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);
}

TEST_F(SecretBoxTest, SealUnsealRoundTrip) {
  SecretBox box = OpenOrDie(key_path_);
  EXPECT_EQ(box.Seal("ghp_secret_token").find("ghp_"), std::string::npos);
  for (std::string plain :
       {std::string("ghp_abcdefghijklmnopqrstuvwxyz0123456789"), std::string(), std::string("x"),
        std::string("\0binary\xff\n\"quote\"", 17), std::string(10000, 'z')}) {
    std::string sealed = box.Seal(plain);
    EXPECT_TRUE(SecretBox::IsSealed(sealed)) << sealed;
    EXPECT_TRUE(sealed.starts_with("sealed:v1:"));
    for (char c : sealed) {  // printable, no quotes or backslashes: safe in JSON
      EXPECT_TRUE(c > 0x20 && c < 0x7f && c != '"' && c != '\\') << sealed;
    }
    Result<std::string> opened = box.Unseal(sealed);
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    EXPECT_EQ(*opened, plain);
  }
}

TEST_F(SecretBoxTest, EachSealUsesAFreshNonce) {
  SecretBox box = OpenOrDie(key_path_);
  std::set<std::string> seen;
  for (int i = 0; i < 20; ++i) {
    seen.insert(box.Seal("same token"));
  }
  EXPECT_EQ(seen.size(), 20u);
}

TEST_F(SecretBoxTest, ReopeningReadsTheSameKey) {
  std::string sealed = OpenOrDie(key_path_).Seal("token");
  SecretBox again = OpenOrDie(key_path_);
  Result<std::string> opened = again.Unseal(sealed);
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  EXPECT_EQ(*opened, "token");
}

TEST_F(SecretBoxTest, IsSealedRecognisesOnlyTheFormat) {
  EXPECT_FALSE(SecretBox::IsSealed("ghp_token"));
  EXPECT_FALSE(SecretBox::IsSealed(""));
  EXPECT_FALSE(SecretBox::IsSealed("sealed:v2:abcd"));
  EXPECT_TRUE(SecretBox::IsSealed("sealed:v1:"));
}

TEST_F(SecretBoxTest, TamperingIsDetected) {
  SecretBox box = OpenOrDie(key_path_);
  std::string sealed = box.Seal("a token worth stealing");
  // Change one character of every position of the base64 (nonce, ciphertext and tag).
  for (size_t i = std::string("sealed:v1:").size(); i < sealed.size(); ++i) {
    if (sealed[i] == '=') {
      continue;
    }
    std::string altered = sealed;
    altered[i] = altered[i] == 'A' ? 'B' : 'A';
    Result<std::string> opened = box.Unseal(altered);
    ASSERT_FALSE(opened.ok()) << "position " << i;
    // A change of padding bits only is refused as non-canonical base64, before decryption.
    if (opened.status().code() != Status::Code::kInvalid) {
      EXPECT_EQ(opened.status().code(), Status::Code::kIOError);
      EXPECT_NE(opened.status().message().find("altered or sealed with another key"),
                std::string::npos)
          << opened.status().message();
    }
  }
}

TEST_F(SecretBoxTest, MalformedInputIsInvalid) {
  SecretBox box = OpenOrDie(key_path_);
  std::string sealed = box.Seal("token");
  for (std::string bad :
       {std::string("token"), std::string("sealed:v1:"), std::string("sealed:v1:AAAA"),
        std::string("sealed:v1:not base64!"), sealed.substr(0, sealed.size() - 1), sealed + "\n"}) {
    Result<std::string> opened = box.Unseal(bad);
    ASSERT_FALSE(opened.ok()) << bad;
    EXPECT_EQ(opened.status().code(), Status::Code::kInvalid) << bad;
  }
}

TEST_F(SecretBoxTest, AnotherKeyCannotUnseal) {
  std::string sealed = OpenOrDie(key_path_).Seal("token");
  std::string other_path = (dir_ / "other.key").string();
  SecretBox other = OpenOrDie(other_path);
  Result<std::string> opened = other.Unseal(sealed);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), Status::Code::kIOError);
  EXPECT_NE(opened.status().message().find("sealed with another key"), std::string::npos);
  EXPECT_NE(opened.status().message().find(other_path), std::string::npos)
      << opened.status().message();
}

TEST_F(SecretBoxTest, KeyReadableByOthersIsRefused) {
  WriteFile(key_path_, std::string(SecretBox::kKeyBytes, 'k'), 0644);
  Result<SecretBox> box = SecretBox::Open(key_path_);
  ASSERT_FALSE(box.ok());
  EXPECT_EQ(box.status().code(), Status::Code::kIOError);
  EXPECT_NE(box.status().message().find(key_path_), std::string::npos) << box.status().message();
  EXPECT_NE(box.status().message().find("mode 0644"), std::string::npos) << box.status().message();
  EXPECT_NE(box.status().message().find("chmod 600"), std::string::npos) << box.status().message();

  ASSERT_EQ(chmod(key_path_.c_str(), 0640), 0);
  EXPECT_FALSE(SecretBox::Open(key_path_).ok());
  ASSERT_EQ(chmod(key_path_.c_str(), 0400), 0);
  EXPECT_TRUE(SecretBox::Open(key_path_).ok());
}

TEST_F(SecretBoxTest, KeyOfTheWrongSizeIsRefused) {
  for (size_t size : {size_t{0}, size_t{16}, SecretBox::kKeyBytes + 1}) {
    WriteFile(key_path_, std::string(size, 'k'), 0600);
    Result<SecretBox> box = SecretBox::Open(key_path_);
    ASSERT_FALSE(box.ok()) << size;
    EXPECT_NE(box.status().message().find(key_path_), std::string::npos);
    EXPECT_NE(box.status().message().find("holds " + std::to_string(size) + " bytes"),
              std::string::npos)
        << box.status().message();
  }
}

TEST_F(SecretBoxTest, SymlinkAndDirectoryAreRefused) {
  std::string target = (dir_ / "real.key").string();
  WriteFile(target, std::string(SecretBox::kKeyBytes, 'k'), 0600);
  fs::create_symlink(target, key_path_);
  Result<SecretBox> box = SecretBox::Open(key_path_);
  ASSERT_FALSE(box.ok());
  EXPECT_NE(box.status().message().find("symbolic link"), std::string::npos)
      << box.status().message();

  std::string dangling = (dir_ / "dangling.key").string();
  fs::create_symlink(dir_ / "nowhere", dangling);
  EXPECT_FALSE(SecretBox::Open(dangling).ok());
  EXPECT_FALSE(fs::exists(dir_ / "nowhere"));  // creation does not follow the link

  std::string directory = (dir_ / "dir.key").string();
  fs::create_directory(directory);
  box = SecretBox::Open(directory);
  ASSERT_FALSE(box.ok());
  EXPECT_NE(box.status().message().find("not a regular file"), std::string::npos)
      << box.status().message();
}

TEST_F(SecretBoxTest, MissingDirectoryIsAnErrorNamingTheFile) {
  std::string path = (dir_ / "missing" / "secret.key").string();
  Result<SecretBox> box = SecretBox::Open(path);
  ASSERT_FALSE(box.ok());
  EXPECT_EQ(box.status().code(), Status::Code::kIOError);
  EXPECT_NE(box.status().message().find(path), std::string::npos) << box.status().message();
}

}  // namespace
}  // namespace berth
