// Tests of RegistriesRepository: round trips, sealed passwords at rest, replacement keeping
// created_at, ordering, removal, and a box that cannot be opened.
#include "store/registries_repository.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

namespace berth {
namespace {

namespace fs = std::filesystem;

class RegistriesRepositoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "berth-registries-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    Result<SecretBox> box = SecretBox::Open((dir_ / "secret.key").string());
    ASSERT_TRUE(box.ok()) << box.status().message();
    box_.emplace(std::move(box).value());
    Result<std::unique_ptr<Database>> db = Database::Open(":memory:");
    ASSERT_TRUE(db.ok()) << db.status().message();
    db_ = std::move(db).value();
    registries_ = std::make_unique<RegistriesRepository>(
        db_.get(), [this]() -> Result<SecretBox*> { return &*box_; });
  }
  void TearDown() override { fs::remove_all(dir_); }

  // The password column as stored.
  std::string StoredPassword(const std::string& host) {
    Result<Statement> stmt = db_->Prepare("SELECT password FROM registries WHERE host = ?1");
    EXPECT_TRUE(stmt.ok());
    EXPECT_TRUE(stmt->Bind(1, host).ok());
    Result<bool> row = stmt->Step();
    EXPECT_TRUE(row.ok() && *row);
    return stmt->ColumnText(0);
  }

  fs::path dir_;
  std::optional<SecretBox> box_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<RegistriesRepository> registries_;
};

TEST_F(RegistriesRepositoryTest, PasswordIsSealedAtRestAndUnsealedOnRead) {
  ASSERT_TRUE(registries_->Put({"ghcr.io", "ci", "s3cret-pass", "2024-01-01T00:00:00.000Z",
                                "2024-01-01T00:00:00.000Z"})
                  .ok());
  std::string stored = StoredPassword("ghcr.io");
  EXPECT_TRUE(SecretBox::IsSealed(stored)) << stored;
  EXPECT_EQ(stored.find("s3cret-pass"), std::string::npos);

  auto got = registries_->Get("ghcr.io");
  ASSERT_TRUE(got.ok()) << got.status().message();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->username, "ci");
  EXPECT_EQ((*got)->password, "s3cret-pass");
  EXPECT_EQ((*got)->created_at, "2024-01-01T00:00:00.000Z");
}

TEST_F(RegistriesRepositoryTest, ReplaceKeepsCreatedAtAndListIsSortedByHost) {
  const std::string t1 = "2024-01-01T00:00:00.000Z", t2 = "2024-02-02T00:00:00.000Z";
  ASSERT_TRUE(registries_->Put({"zz.example.com", "a", "p1", t1, t1}).ok());
  ASSERT_TRUE(registries_->Put({"127.0.0.1:5000", "b", "p2", t1, t1}).ok());
  ASSERT_TRUE(registries_->Put({"zz.example.com", "c", "p3", t2, t2}).ok());

  auto all = registries_->List();
  ASSERT_TRUE(all.ok()) << all.status().message();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].host, "127.0.0.1:5000");
  EXPECT_EQ((*all)[0].password, "p2");
  EXPECT_EQ((*all)[1].host, "zz.example.com");
  EXPECT_EQ((*all)[1].username, "c");
  EXPECT_EQ((*all)[1].password, "p3");
  EXPECT_EQ((*all)[1].created_at, t1);
  EXPECT_EQ((*all)[1].updated_at, t2);
}

TEST_F(RegistriesRepositoryTest, RemoveAndMissingHost) {
  ASSERT_TRUE(registries_->Put({"ghcr.io", "u", "p", "t", "t"}).ok());
  EXPECT_TRUE(registries_->Remove("ghcr.io").ok());
  auto got = registries_->Get("ghcr.io");
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
  EXPECT_EQ(registries_->Remove("ghcr.io").code(), Status::Code::kNotFound);
}

TEST_F(RegistriesRepositoryTest, PasswordSealedWithAnotherKeyFailsToRead) {
  ASSERT_TRUE(registries_->Put({"ghcr.io", "u", "p", "t", "t"}).ok());
  Result<SecretBox> other = SecretBox::Open((dir_ / "other.key").string());
  ASSERT_TRUE(other.ok());
  box_.emplace(std::move(other).value());
  auto got = registries_->Get("ghcr.io");
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.status().message().find("ghcr.io"), std::string::npos);
}

}  // namespace
}  // namespace berth
