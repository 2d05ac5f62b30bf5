// Tests of AppsRepository: round trips, replacement, ordering and durability across reopen.
#include "store/apps_repository.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

namespace berth {
namespace {

namespace fs = std::filesystem;

StoredApp MakeApp(std::string name, std::string spec, const std::string& at) {
  return StoredApp{std::move(name), std::move(spec), at, at};
}

class AppsRepositoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<Database>> db = Database::Open(":memory:");
    ASSERT_TRUE(db.ok()) << db.status().message();
    db_ = std::move(db).value();
    apps_ = std::make_unique<AppsRepository>(db_.get());
  }

  std::unique_ptr<Database> db_;
  std::unique_ptr<AppsRepository> apps_;
};

TEST_F(AppsRepositoryTest, PutGetListRemoveRoundTrip) {
  StoredApp web = MakeApp("web", R"({"command":["./web"]})", "2024-01-02T03:04:05.678Z");
  ASSERT_TRUE(apps_->Put(web).ok());

  Result<std::optional<StoredApp>> got = apps_->Get("web");
  ASSERT_TRUE(got.ok()) << got.status().message();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->name, "web");
  EXPECT_EQ((*got)->spec_json, web.spec_json);
  EXPECT_EQ((*got)->created_at, web.created_at);
  EXPECT_EQ((*got)->updated_at, web.updated_at);

  Result<std::vector<StoredApp>> all = apps_->List();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].name, "web");

  ASSERT_TRUE(apps_->Remove("web").ok());
  got = apps_->Get("web");
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
  all = apps_->List();
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->empty());
}

TEST_F(AppsRepositoryTest, GetMissingIsEmptyNotAnError) {
  Result<std::optional<StoredApp>> got = apps_->Get("nope");
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
}

TEST_F(AppsRepositoryTest, RemoveMissingIsNotFound) {
  Status s = apps_->Remove("nope");
  EXPECT_EQ(s.code(), Status::Code::kNotFound);
  EXPECT_NE(s.message().find("nope"), std::string::npos);
}

TEST_F(AppsRepositoryTest, ReplaceKeepsCreatedAt) {
  ASSERT_TRUE(apps_->Put(MakeApp("web", "{\"v\":1}", "2024-01-01T00:00:00.000Z")).ok());
  ASSERT_TRUE(apps_->Put(MakeApp("web", "{\"v\":2}", "2024-06-01T00:00:00.000Z")).ok());

  Result<std::optional<StoredApp>> got = apps_->Get("web");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->spec_json, "{\"v\":2}");
  EXPECT_EQ((*got)->created_at, "2024-01-01T00:00:00.000Z");
  EXPECT_EQ((*got)->updated_at, "2024-06-01T00:00:00.000Z");
  EXPECT_EQ(apps_->List()->size(), 1u);
}

TEST_F(AppsRepositoryTest, ListIsSortedByName) {
  for (const char* name : {"worker", "api", "web", "cron"}) {
    ASSERT_TRUE(apps_->Put(MakeApp(name, "{}", "2024-01-01T00:00:00.000Z")).ok());
  }
  Result<std::vector<StoredApp>> all = apps_->List();
  ASSERT_TRUE(all.ok());
  std::vector<std::string> names;
  for (const StoredApp& app : *all) {
    names.push_back(app.name);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"api", "cron", "web", "worker"}));
}

TEST_F(AppsRepositoryTest, PutInsideFailedTransactionLeavesNothing) {
  Status s = db_->Transaction([&] {
    EXPECT_TRUE(apps_->Put(MakeApp("web", "{}", "2024-01-01T00:00:00.000Z")).ok());
    EXPECT_TRUE(apps_->Get("web")->has_value());
    return Status::Internal("abort");
  });
  EXPECT_FALSE(s.ok());
  EXPECT_FALSE(apps_->Get("web")->has_value());
  EXPECT_TRUE(apps_->List()->empty());
}

TEST(AppsRepositoryFileTest, DataSurvivesCloseAndReopen) {
  std::string dir = (fs::temp_directory_path() / "berth-apps-XXXXXX").string();
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  std::string path = dir + "/state.db";
  {
    Result<std::unique_ptr<Database>> db = Database::Open(path);
    ASSERT_TRUE(db.ok()) << db.status().message();
    AppsRepository apps(db->get());
    ASSERT_TRUE(apps.Put(MakeApp("web", "{\"port\":8080}", "2024-01-01T00:00:00.000Z")).ok());
    ASSERT_TRUE(apps.Put(MakeApp("gone", "{}", "2024-01-01T00:00:00.000Z")).ok());
    ASSERT_TRUE(apps.Remove("gone").ok());
  }
  Result<std::unique_ptr<Database>> db = Database::Open(path);
  ASSERT_TRUE(db.ok()) << db.status().message();
  AppsRepository apps(db->get());
  Result<std::vector<StoredApp>> all = apps.List();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].name, "web");
  EXPECT_EQ((*all)[0].spec_json, "{\"port\":8080}");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace berth
