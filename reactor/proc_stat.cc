// Reading /proc/<pid>/stat and /proc/<pid>/status.
#include "reactor/proc_stat.h"

#include <dirent.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>

namespace berth {
namespace {

std::string ReadSmallFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The fields after "(comm)", which may itself hold spaces and parentheses: field 3 first.
bool ParseStat(const std::string& text, ProcStat* stat) {
  size_t close = text.rfind(')');
  if (close == std::string::npos) return false;
  std::istringstream fields(text.substr(close + 1));
  std::string skip;
  long ppid = 0, pgid = 0;
  uint64_t utime = 0, stime = 0;
  long vsize = 0, rss = 0;
  fields >> stat->state >> ppid >> pgid;
  for (int field = 6; field < 14 && fields; ++field) fields >> skip;
  fields >> utime >> stime;
  for (int field = 16; field < 22 && fields; ++field) fields >> skip;
  fields >> stat->start_ticks >> vsize >> rss;
  stat->pgid = static_cast<pid_t>(pgid);
  stat->cpu_ticks = utime + stime;
  stat->rss_pages = rss > 0 ? static_cast<uint64_t>(rss) : 0;
  return static_cast<bool>(fields);
}

bool ParseRealUid(const std::string& status, uid_t* uid) {
  size_t at = status.find("\nUid:");
  if (at == std::string::npos) return false;
  char* end = nullptr;
  unsigned long value = strtoul(status.c_str() + at + 5, &end, 10);
  if (end == status.c_str() + at + 5) return false;
  *uid = static_cast<uid_t>(value);
  return true;
}

}  // namespace

std::optional<ProcStat> ReadProcStat(pid_t pid) {
  std::string dir = "/proc/" + std::to_string(pid);
  ProcStat stat;
  stat.pid = pid;
  if (!ParseStat(ReadSmallFile(dir + "/stat"), &stat)) return std::nullopt;
  if (!ParseRealUid(ReadSmallFile(dir + "/status"), &stat.uid)) return std::nullopt;
  return stat;
}

std::vector<ProcStat> ProcessesInGroup(pid_t pgid) {
  std::vector<ProcStat> members;
  std::unique_ptr<DIR, int (*)(DIR*)> proc(opendir("/proc"), &closedir);
  if (!proc) return members;
  while (dirent* entry = readdir(proc.get())) {
    char* end = nullptr;
    long pid = strtol(entry->d_name, &end, 10);
    if (pid <= 0 || *end != '\0') continue;
    ProcStat stat;
    stat.pid = static_cast<pid_t>(pid);
    // The cheap file first: most processes are in other groups.
    if (!ParseStat(ReadSmallFile("/proc/" + std::to_string(pid) + "/stat"), &stat)) continue;
    if (stat.pgid != pgid) continue;
    if (auto full = ReadProcStat(stat.pid)) members.push_back(*full);
  }
  return members;
}

std::string BootId() {
  std::string id = ReadSmallFile("/proc/sys/kernel/random/boot_id");
  while (!id.empty() && (id.back() == '\n' || id.back() == ' ')) id.pop_back();
  return id;
}

}  // namespace berth
