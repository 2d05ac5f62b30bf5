// StateDirLock: one berthd per state dir. Two would run every app twice and write one
// database from two processes.
#pragma once

#include <string>

#include "reactor/handles.h"
#include "base/status.h"

namespace berth {

// Holds an exclusive flock(2) on <state>/berthd.lock, which names the holder's pid, for as
// long as it lives. The kernel lets go when berthd dies, however it dies.
class StateDirLock {
 public:
  // Conflict "another berthd (pid N) uses <dir>" while another process holds the lock.
  static Result<StateDirLock> Acquire(const std::string& state_dir);

 private:
  explicit StateDirLock(UniqueFd fd) : fd_(std::move(fd)) {}

  UniqueFd fd_;  // close-on-exec: no child may keep the lock after berthd is gone
};

}  // namespace berth
