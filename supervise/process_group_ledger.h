// ProcessGroupLedger: the process groups of the apps berthd runs, kept in a file of the
// runtime dir so that the next berthd can end what a killed one left running (outside
// systemd nothing else would: only an app's first process dies with berthd).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "reactor/event_loop.h"

namespace berth {

// One app's process group, with what it takes to recognise it later: the leader's start time
// (pids are reused) and real uid, and how the app asks to be stopped.
struct GroupRecord {
  std::string app;
  pid_t pgid = 0;
  uint64_t start_ticks = 0;
  uid_t uid = 0;
  int stop_signal = 0;
  long stop_timeout_ms = 0;
};

// What a ledger file says: the boot its groups belong to and the groups.
struct LedgerContents {
  std::string boot_id;
  std::vector<GroupRecord> groups;
};

class ProcessGroupLedger {
 public:
  // With a loop, the file is rewritten once per loop turn however many groups started or
  // ended in it (200 apps starting together write it once); without one, at every change.
  explicit ProcessGroupLedger(std::string path, EventLoop* loop = nullptr);

  // <runtime dir>/process-groups.
  static std::string PathIn(const std::string& runtime_dir);
  // Reads a ledger file; empty when there is none. Lines that do not parse are skipped.
  static LedgerContents Read(const std::string& path);

  // Records the group whose leader is `pgid`, just started for `app`, and rewrites the file.
  // REQUIRES: the leader has not been reaped yet (its /proc entry names its start time).
  void Add(const std::string& app, pid_t pgid, int stop_signal, double stop_timeout_s);
  // The group has ended: forgets it and rewrites the file.
  void Remove(pid_t pgid);

 private:
  void Changed();
  void Save();

  std::string path_;
  EventLoop* loop_;
  bool save_queued_ = false;
  // Guards the queued save when the ledger goes before the loop's deferred work runs.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
  std::string boot_id_;
  std::vector<GroupRecord> groups_;
};

}  // namespace berth
