// How a run ended, in the same words for every kind; how to reach what an app binds.
#include "supervise/runtime.h"

#include "reactor/child_process.h"

namespace berth {

RuntimeExit RuntimeExit::FromWaitStatus(int wait_status) {
  int code = ExitCodeOf(wait_status);
  return RuntimeExit{.exit_code = code,
                     .clean = code == 0,
                     .description = DescribeWaitStatus(wait_status)};
}

RuntimeExit RuntimeExit::FromExitCode(int exit_code) {
  return RuntimeExit{.exit_code = exit_code,
                     .clean = exit_code == 0,
                     .description = "exited with code " + std::to_string(exit_code)};
}

std::string ReachableHost(const std::string& bind_host) {
  if (bind_host.empty() || bind_host == "0.0.0.0") return "127.0.0.1";
  if (bind_host == "::") return "[::1]";
  return bind_host.find(':') != std::string::npos ? "[" + bind_host + "]" : bind_host;
}

void FinishOnNextTurn(EventLoop* loop, std::weak_ptr<int> alive, const Runtime::Events* events) {
  loop->Defer([alive = std::move(alive), events] {
    if (alive.lock()) events->finished(RuntimeExit{.description = "stopped before it started"});
  });
}

}  // namespace berth
