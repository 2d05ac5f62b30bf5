// Watches one directory with inotify on the loop and reports which entries changed.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "reactor/event_loop.h"
#include "reactor/handles.h"
#include "store/status.h"

namespace berth {

class DirectoryWatcher {
 public:
  // `changed(name)` runs for an entry that was written and closed, moved in, moved out or
  // deleted; `changed("")` when events were lost (queue overflow, the directory itself went
  // away): rescan everything.
  using ChangeFn = std::function<void(const std::string& name)>;

  DirectoryWatcher(EventLoop* loop, ChangeFn changed);

  // Starts watching `dir` (replacing an earlier watch). Fails when it cannot be watched.
  Status Watch(const std::string& dir);
  bool watching() const { return wd_ >= 0; }

 private:
  void OnReadable();

  EventLoop* loop_;
  ChangeFn changed_;
  UniqueFd fd_;
  int wd_ = -1;
  std::unique_ptr<FdWatcher> readable_;
};

}  // namespace berth
