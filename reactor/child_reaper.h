// ChildReaper: the one SIGCHLD handler. Reaps every child with waitpid(-1, WNOHANG) and hands
// each exit status to the owner of that pid; statuses nobody owns (orphans adopted by the
// subreaper) are dropped.
#pragma once

#include <sys/types.h>

#include <functional>
#include <unordered_map>

#include "reactor/event_loop.h"

namespace berth {

class ChildReaper {
 public:
  explicit ChildReaper(EventLoop* loop);

  // `on_exit` receives the raw wait status. It is called from the loop, at most once.
  void Watch(pid_t pid, std::function<void(int wait_status)> on_exit);
  void Forget(pid_t pid);
  // Called after each batch of reaped children, owned or not (lets owners notice that a
  // process group has emptied).
  void set_after_reap(std::function<void()> hook) { after_reap_ = std::move(hook); }
  void ReapAll();

 private:
  std::unordered_map<pid_t, std::function<void(int)>> owners_;
  std::function<void()> after_reap_;
  SignalWatcher sigchld_;
};

}  // namespace berth
