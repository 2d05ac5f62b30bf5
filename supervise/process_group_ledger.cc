// The ledger file: a header line, "boot <id>", then one line per group:
// "<pgid> <leader start ticks> <uid> <stop signal> <stop timeout ms> <app>".
#include "supervise/process_group_ledger.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "reactor/atomic_file.h"
#include "reactor/log.h"
#include "reactor/proc_stat.h"

namespace berth {
namespace {

constexpr char kHeader[] = "# process groups of berthd's apps, ended at berthd's next start";

bool ParseGroup(const std::string& line, GroupRecord* group) {
  std::istringstream in(line);
  long pgid = 0;
  in >> pgid >> group->start_ticks >> group->uid >> group->stop_signal >> group->stop_timeout_ms >>
      group->app;
  group->pgid = static_cast<pid_t>(pgid);
  return in && pgid > 1 && group->stop_signal > 0 && group->stop_timeout_ms >= 0 &&
         !group->app.empty();
}

}  // namespace

ProcessGroupLedger::ProcessGroupLedger(std::string path, EventLoop* loop)
    : path_(std::move(path)), loop_(loop), boot_id_(BootId()) {}

std::string ProcessGroupLedger::PathIn(const std::string& runtime_dir) {
  return runtime_dir + "/process-groups";
}

LedgerContents ProcessGroupLedger::Read(const std::string& path) {
  LedgerContents contents;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (line.rfind("boot ", 0) == 0) {
      contents.boot_id = line.substr(5);
      continue;
    }
    GroupRecord group;
    if (ParseGroup(line, &group)) contents.groups.push_back(std::move(group));
  }
  return contents;
}

void ProcessGroupLedger::Add(const std::string& app, pid_t pgid, int stop_signal,
                             double stop_timeout_s) {
  auto leader = ReadProcStat(pgid);
  if (!leader) {
    LogWarn("cannot read /proc/" + std::to_string(pgid) + " of app " + app +
            ": its process group is not recorded for the next start");
    return;
  }
  groups_.push_back(GroupRecord{.app = app,
                                .pgid = pgid,
                                .start_ticks = leader->start_ticks,
                                .uid = leader->uid,
                                .stop_signal = stop_signal,
                                .stop_timeout_ms = static_cast<long>(stop_timeout_s * 1000)});
  Changed();
}

void ProcessGroupLedger::Remove(pid_t pgid) {
  auto gone = std::remove_if(groups_.begin(), groups_.end(),
                             [pgid](const GroupRecord& group) { return group.pgid == pgid; });
  if (gone == groups_.end()) return;
  groups_.erase(gone, groups_.end());
  Changed();
}

void ProcessGroupLedger::Changed() {
  if (!loop_) return Save();
  if (save_queued_) return;
  save_queued_ = true;
  loop_->Defer([this, alive = std::weak_ptr<int>(alive_)] {
    if (alive.expired()) return;
    save_queued_ = false;
    Save();
  });
}

// Written on every start and end of an app's group, so no sync: the file only has to survive
// berthd's death, and a crash of the machine ends the groups with it.
void ProcessGroupLedger::Save() {
  std::string text = std::string(kHeader) + "\nboot " + boot_id_ + "\n";
  for (const GroupRecord& group : groups_) {
    text += std::to_string(group.pgid) + " " + std::to_string(group.start_ticks) + " " +
            std::to_string(group.uid) + " " + std::to_string(group.stop_signal) + " " +
            std::to_string(group.stop_timeout_ms) + " " + group.app + "\n";
  }
  Status s = WriteFileAtomically(path_, text, 0600, Durability::kProcessCrash);
  if (!s.ok()) LogWarn(s.message() + ": the next berthd may not find the apps' processes");
}

}  // namespace berth
