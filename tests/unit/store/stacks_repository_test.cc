// Tests of StacksRepository: a stack's uuid is assigned once and kept, jobs are listed newest
// first and counted, and removing an app's rows removes both kinds.
#include "store/stacks_repository.h"

#include <gtest/gtest.h>

namespace berth {
namespace {

class StacksRepositoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<Database>> db = Database::Open(":memory:");
    ASSERT_TRUE(db.ok()) << db.status().message();
    db_ = std::move(db).value();
    stacks_ = std::make_unique<StacksRepository>(db_.get());
  }

  StackJob Job(const std::string& app, const std::string& at, const std::string& status) {
    return {.app = app, .run_at = at, .action = "stop", .status = status, .message = "m"};
  }

  std::optional<StoredStack> Find(const std::string& uuid) {
    auto found = stacks_->FindByUuid(uuid);
    EXPECT_TRUE(found.ok()) << found.status().message();
    return found.ok() ? *found : std::nullopt;
  }

  std::unique_ptr<Database> db_;
  std::unique_ptr<StacksRepository> stacks_;
};

TEST_F(StacksRepositoryTest, AUuidIsAssignedOnceAndFoundAgain) {
  auto first = stacks_->Ensure("web", "u-1", "2026-01-01T00:00:00.000Z");
  ASSERT_TRUE(first.ok()) << first.status().message();
  auto again = stacks_->Ensure("web", "u-2", "2026-01-02T00:00:00.000Z");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->uuid, "u-1");
  EXPECT_EQ(again->id, first->id);
  auto found = stacks_->FindByUuid("u-1");
  ASSERT_TRUE(found.ok() && *found);
  EXPECT_EQ((*found)->app, "web");
  ASSERT_TRUE(stacks_->Touch("web", "2026-01-03T00:00:00.000Z").ok());
  EXPECT_EQ(Find("u-1")->updated_at, "2026-01-03T00:00:00.000Z");
  EXPECT_FALSE(Find("u-2"));
}

TEST_F(StacksRepositoryTest, JobsComeNewestFirstAndAreCounted) {
  ASSERT_TRUE(stacks_->AddJob(Job("web", "t1", "succeeded")).ok());
  ASSERT_TRUE(stacks_->AddJob(Job("web", "t2", "failed")).ok());
  ASSERT_TRUE(stacks_->AddJob(Job("other", "t3", "failed")).ok());
  auto jobs = stacks_->Jobs("web", 10);
  ASSERT_TRUE(jobs.ok());
  ASSERT_EQ(jobs->size(), 2u);
  EXPECT_EQ((*jobs)[0].run_at, "t2");
  auto counts = stacks_->CountJobs("web");
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->processed, 2);
  EXPECT_EQ(counts->failed, 1);
  EXPECT_EQ(counts->last->run_at, "t2");
  EXPECT_FALSE(stacks_->CountJobs("none")->last);
}

TEST_F(StacksRepositoryTest, RemovingAnAppRemovesItsStackAndItsJobs) {
  ASSERT_TRUE(stacks_->Ensure("web", "u-1", "t").ok());
  ASSERT_TRUE(stacks_->AddJob(Job("web", "t1", "succeeded")).ok());
  ASSERT_TRUE(stacks_->RemoveForApp("web").ok());
  EXPECT_FALSE(Find("u-1"));
  EXPECT_TRUE(stacks_->Jobs("web", 10)->empty());
  EXPECT_TRUE(stacks_->RemoveForApp("web").ok());
  // A new app of that name is a new stack.
  EXPECT_EQ(stacks_->Ensure("web", "u-9", "t")->uuid, "u-9");
}

}  // namespace
}  // namespace berth
