// Reaping children from the loop after SIGCHLD.
#include "reactor/child_reaper.h"

#include <signal.h>
#include <sys/wait.h>

namespace berth {

ChildReaper::ChildReaper(EventLoop* loop) : sigchld_(loop, SIGCHLD, [this] { ReapAll(); }) {}

void ChildReaper::Watch(pid_t pid, std::function<void(int)> on_exit) {
  owners_[pid] = std::move(on_exit);
}

void ChildReaper::Forget(pid_t pid) { owners_.erase(pid); }

void ChildReaper::ReapAll() {
  bool reaped = false;
  for (;;) {
    int status = 0;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid <= 0) break;
    reaped = true;
    auto it = owners_.find(pid);
    if (it == owners_.end()) continue;
    auto on_exit = std::move(it->second);
    owners_.erase(it);
    on_exit(status);
  }
  if (reaped && after_reap_) after_reap_();
}

}  // namespace berth
