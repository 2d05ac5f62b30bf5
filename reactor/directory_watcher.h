// Watches one directory with inotify on the loop and reports which entries changed; while the
// directory does not exist, watches its nearest existing ancestor until it appears.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "reactor/event_loop.h"
#include "reactor/handles.h"
#include "base/status.h"

namespace berth {

class DirectoryWatcher {
 public:
  // `changed(name)` runs for an entry that was written and closed, moved in, moved out or
  // deleted; `changed("")` when any entry may have changed: the directory appeared (it may
  // already hold entries, e.g. when it was moved into place), went away, or events were lost.
  // Rescan everything then.
  using ChangeFn = std::function<void(const std::string& name)>;

  DirectoryWatcher(EventLoop* loop, ChangeFn changed);

  // Starts watching `dir` (replacing an earlier watch). While `dir` is missing, watches its
  // nearest existing ancestor instead and follows the path down as the missing directories
  // appear (mkdir -p, mv of a prepared directory); when `dir` or an ancestor is removed, falls
  // back up. Fails only when no ancestor can be watched (permissions, the inotify watch limit);
  // nothing is watched then until the next Watch.
  Status Watch(const std::string& dir);
  // True while `dir` itself is watched, not an ancestor standing in for it.
  bool watching() const { return wd_ >= 0 && watched_ == dir_; }
  // What is watched now: `dir`, or the ancestor waiting for it; "" when nothing is.
  const std::string& watched() const { return watched_; }

 private:
  void OnReadable();
  // One inotify event of the current watch.
  void OnEvent(uint32_t mask, const std::string& name);
  // Watches `dir_`, or its nearest existing ancestor while it is missing.
  Status Attach();
  // Attach() again after the watched path changed; reports `changed("")` when `dir_` was or now
  // is the one watched.
  void Reattach();

  EventLoop* loop_;
  ChangeFn changed_;
  UniqueFd fd_;
  int wd_ = -1;
  std::unique_ptr<FdWatcher> readable_;
  std::string dir_;      // absolute, without a trailing '/'
  std::string watched_;  // dir_ or one of its ancestors
  std::string next_;     // while an ancestor is watched: the entry of it that leads to dir_
};

}  // namespace berth
