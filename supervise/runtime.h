// Runtime: how one kind of app is started and stopped (processes now; containers and compose
// stacks later). The App's state machine drives a Runtime and hears back through Events.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "supervise/app_spec.h"
#include "supervise/log_ring.h"

namespace berth {

class Runtime {
 public:
  struct Events {
    std::function<void(pid_t)> started;
    std::function<void(const std::string& error)> start_failed;
    // The app's process is gone (when stopping: its whole process group).
    std::function<void(int wait_status)> finished;
    // The lines of one read of the app's output; the views last only for the call.
    std::function<void(LogStream, const std::vector<std::string_view>& lines)> lines;
  };

  virtual ~Runtime() = default;
  // The app was defined or redefined: do ahead what can be done now (directories), so that a
  // start, and every restart, is quick. Failures here are left for Start() to report.
  virtual void Prepare(const AppSpec&) {}
  // Prepares and launches; reports `started` or `start_failed`, maybe synchronously.
  virtual void Start(const AppSpec& spec) = 0;
  // Returns false when there is nothing to stop (then nothing more will be reported).
  // Otherwise sends `signo`, escalates to SIGKILL after `timeout_s`, and reports `finished`.
  virtual bool Stop(int signo, double timeout_s) = 0;
  virtual pid_t pid() const = 0;
  // Some child of berthd was reaped: a process group may have emptied.
  virtual void OnAnyReaped() {}
};

}  // namespace berth
