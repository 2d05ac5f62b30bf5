// Tests of reading /proc: a process's group, start time and user, whatever its name holds.
#include "reactor/proc_stat.h"

#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>

namespace berth {
namespace {

TEST(ProcStatTest, ReadsThisProcess) {
  auto self = ReadProcStat(getpid());
  ASSERT_TRUE(self);
  EXPECT_EQ(getpid(), self->pid);
  EXPECT_EQ(getpgrp(), self->pgid);
  EXPECT_EQ(getuid(), self->uid);
  EXPECT_GT(self->start_ticks, 0u);
  EXPECT_NE('Z', self->state);
}

// The name sits in parentheses in /proc/<pid>/stat and may hold spaces and parentheses too.
TEST(ProcStatTest, ANameWithParenthesesAndSpacesDoesNotShiftTheFields) {
  auto before = ReadProcStat(getpid());
  ASSERT_TRUE(before);
  char name[17] = {};
  prctl(PR_GET_NAME, name);
  prctl(PR_SET_NAME, "a) 1 2 (b");
  auto renamed = ReadProcStat(getpid());
  prctl(PR_SET_NAME, name);
  ASSERT_TRUE(renamed);
  EXPECT_EQ(before->pgid, renamed->pgid);
  EXPECT_EQ(before->start_ticks, renamed->start_ticks);
}

TEST(ProcStatTest, FindsTheMembersOfAGroup) {
  std::vector<ProcStat> members = ProcessesInGroup(getpgrp());
  EXPECT_TRUE(std::any_of(members.begin(), members.end(),
                          [](const ProcStat& process) { return process.pid == getpid(); }));
  for (const ProcStat& process : members) EXPECT_EQ(getpgrp(), process.pgid);
}

TEST(ProcStatTest, CountsCpuTimeAndResidentMemory) {
  volatile uint64_t spin = 0;
  auto before = ReadProcStat(getpid());
  ASSERT_TRUE(before);
  while (ReadProcStat(getpid())->cpu_ticks < before->cpu_ticks + 2) spin = spin + 1;
  auto after = ReadProcStat(getpid());
  ASSERT_TRUE(after);
  EXPECT_GE(after->cpu_ticks, before->cpu_ticks + 2);
  EXPECT_GT(after->rss_pages, 0u);
  // The resident set of this test is below 1 GiB: a wrong field would read as vsize or a flag.
  EXPECT_LT(after->rss_pages * static_cast<uint64_t>(sysconf(_SC_PAGESIZE)), 1ull << 30);
}

TEST(ProcStatTest, AMissingProcessHasNoStatAndTheBootHasAnId) {
  EXPECT_FALSE(ReadProcStat(0));
  EXPECT_EQ(36u, BootId().size()) << BootId();
}

}  // namespace
}  // namespace berth
