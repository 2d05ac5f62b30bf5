// What /proc says about a process: enough to tell whether it is the one we started (pids
// and process group ids are reused), the boot it belongs to, and what it uses.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace berth {

struct ProcStat {
  pid_t pid = 0;
  char state = '?';  // 'Z' for a zombie: gone but for its exit status
  pid_t pgid = 0;
  uint64_t start_ticks = 0;  // field 22 of /proc/<pid>/stat: clock ticks after boot
  uid_t uid = 0;             // the real uid (Uid: in /proc/<pid>/status)
  uint64_t cpu_ticks = 0;    // user + system time (fields 14 and 15), in clock ticks
  uint64_t rss_pages = 0;    // resident set size (field 24), in pages
};

// nullopt when the process is gone (or /proc cannot be read).
std::optional<ProcStat> ReadProcStat(pid_t pid);
// Every process whose process group is `pgid`, zombies included.
std::vector<ProcStat> ProcessesInGroup(pid_t pgid);
// /proc/sys/kernel/random/boot_id: changes at every boot; "" when unreadable.
std::string BootId();

}  // namespace berth
