// Recognising and ending leftover process groups from a previous run of berthd.
#include "supervise/leftover_groups.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <thread>
#include <vector>

#include "reactor/log.h"
#include "reactor/proc_stat.h"
#include "supervise/process_group_ledger.h"

namespace berth {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kPollInterval(20);
// How long processes sent SIGKILL may take to be gone before berthd gives up on them.
constexpr milliseconds kKillGrace(5000);
// The longest berthd waits for a leftover to stop before SIGKILL, whatever its stop_timeout:
// the API and every app wait meanwhile (and systemd's start timeout is 90 s by default).
constexpr milliseconds kMaxStopWait(30000);

// The live processes of the recorded group (none once it has ended), or nullopt when the group
// id now belongs to someone else. While one of its processes lives, a process group id cannot
// be given to another group, so recognised members vouch for the whole group.
std::optional<std::vector<pid_t>> MembersOf(const GroupRecord& group) {
  std::vector<pid_t> live;
  for (const ProcStat& process : ProcessesInGroup(group.pgid)) {
    bool leader = process.pid == group.pgid;
    if (leader ? process.start_ticks != group.start_ticks : process.start_ticks < group.start_ticks)
      return std::nullopt;
    if (process.state == 'Z') continue;
    if (process.uid != group.uid) return std::nullopt;
    live.push_back(process.pid);
  }
  return live;
}

std::string Describe(const GroupRecord& group) {
  return "leftover process group " + std::to_string(group.pgid) + " of app " + group.app +
         " from a previous run";
}

std::string JoinPids(const std::vector<pid_t>& pids) {
  std::string text;
  for (pid_t pid : pids) text += (text.empty() ? "" : " ") + std::to_string(pid);
  return text;
}

struct Leftover {
  GroupRecord group;
  std::vector<pid_t> pids;  // as first found
  Clock::time_point deadline;
  bool killed = false;
};

// One poll of one group; true once it is over (ended, or given up on).
bool Settle(Leftover* leftover, Clock::time_point now) {
  const GroupRecord& group = leftover->group;
  auto members = MembersOf(group);
  if (!members || members->empty()) {
    LogInfo("ended " + Describe(group) + " (pids " + JoinPids(leftover->pids) + ")" +
            (leftover->killed ? ", with SIGKILL after its stop_timeout" : ""));
    return true;
  }
  if (now < leftover->deadline) return false;
  if (leftover->killed) {
    LogError("cannot end " + Describe(group) + ": pids " + JoinPids(*members) +
             " outlived SIGKILL");
    return true;
  }
  kill(-group.pgid, SIGKILL);
  leftover->killed = true;
  leftover->deadline = now + kKillGrace;
  return false;
}

std::vector<Leftover> SignalLeftovers(const LedgerContents& ledger) {
  std::vector<Leftover> leftovers;
  for (const GroupRecord& group : ledger.groups) {
    // berthd's own group (started from a shell whose job it was) is never a leftover.
    if (group.pgid <= 1 || group.pgid == getpgrp()) continue;
    auto pids = MembersOf(group);
    if (!pids) {
      LogInfo("left process group " + std::to_string(group.pgid) + " alone: it is no longer " +
              "the one app " + group.app + " had when berthd last ran");
      continue;
    }
    if (pids->empty()) continue;
    kill(-group.pgid, group.stop_signal);
    if (group.stop_signal != SIGCONT) kill(-group.pgid, SIGCONT);  // a stopped one must see it
    leftovers.push_back(Leftover{.group = group,
                                 .pids = std::move(*pids),
                                 .deadline = Clock::now() + std::min(milliseconds(group.stop_timeout_ms),
                                                                     kMaxStopWait)});
  }
  return leftovers;
}

}  // namespace

void EndLeftoverGroups(const std::string& ledger_path) {
  LedgerContents ledger = ProcessGroupLedger::Read(ledger_path);
  // After a reboot the recorded ids mean nothing; ids are only compared within one boot.
  if (!ledger.groups.empty() && !ledger.boot_id.empty() && ledger.boot_id == BootId()) {
    std::vector<Leftover> leftovers = SignalLeftovers(ledger);
    while (!leftovers.empty()) {
      std::this_thread::sleep_for(kPollInterval);
      Clock::time_point now = Clock::now();
      std::erase_if(leftovers, [now](Leftover& leftover) { return Settle(&leftover, now); });
    }
  }
  unlink(ledger_path.c_str());
}

}  // namespace berth
