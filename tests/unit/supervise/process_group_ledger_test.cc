// Tests of the ledger of process groups: what one berthd writes, the next reads.
#include "supervise/process_group_ledger.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "reactor/proc_stat.h"

namespace berth {
namespace {

class ProcessGroupLedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-ledger-XXXXXX";
    ASSERT_NE(nullptr, mkdtemp(tmpl));
    dir_ = tmpl;
    path_ = ProcessGroupLedger::PathIn(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string dir_;
  std::string path_;
};

TEST_F(ProcessGroupLedgerTest, RecordsGroupsUntilTheyEnd) {
  ProcessGroupLedger ledger(path_);
  EXPECT_TRUE(ProcessGroupLedger::Read(path_).groups.empty());
  ledger.Add("web", getpid(), SIGINT, 2.5);
  LedgerContents contents = ProcessGroupLedger::Read(path_);
  EXPECT_EQ(BootId(), contents.boot_id);
  ASSERT_EQ(1u, contents.groups.size());
  const GroupRecord& group = contents.groups[0];
  EXPECT_EQ("web", group.app);
  EXPECT_EQ(getpid(), group.pgid);
  EXPECT_EQ(ReadProcStat(getpid())->start_ticks, group.start_ticks);
  EXPECT_EQ(getuid(), group.uid);
  EXPECT_EQ(SIGINT, group.stop_signal);
  EXPECT_EQ(2500, group.stop_timeout_ms);

  ledger.Remove(getpid());
  contents = ProcessGroupLedger::Read(path_);
  EXPECT_TRUE(contents.groups.empty());
  EXPECT_EQ(BootId(), contents.boot_id);
}

TEST_F(ProcessGroupLedgerTest, AGroupWhoseLeaderCannotBeReadIsNotRecorded) {
  ProcessGroupLedger ledger(path_);
  ledger.Add("gone", 0, SIGTERM, 1);
  EXPECT_TRUE(ProcessGroupLedger::Read(path_).groups.empty());
}

TEST_F(ProcessGroupLedgerTest, LinesThatDoNotParseAreSkipped) {
  std::ofstream(path_) << "boot abc\n"
                       << "12 34 0 15 1000 web\n"
                       << "garbage\n"
                       << "1 34 0 15 1000 init\n"
                       << "13 34 0 0 1000 nosignal\n"
                       << "14 34 0 15 1000\n";
  LedgerContents contents = ProcessGroupLedger::Read(path_);
  EXPECT_EQ("abc", contents.boot_id);
  ASSERT_EQ(1u, contents.groups.size());
  EXPECT_EQ("web", contents.groups[0].app);
  EXPECT_EQ(12, contents.groups[0].pgid);
}

}  // namespace
}  // namespace berth
