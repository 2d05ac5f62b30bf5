// A command run beside a process app, as the app runs (a health check's exec): a child in a
// process group of its own whose exit code and the end of whose output are reported.
#pragma once

#include <memory>

#include "reactor/child_process.h"
#include "supervise/runtime.h"

namespace berth {

// Spawns `options` (see ChildProcess::Spawn for why that fails). `done` runs once, later, with
// the exit code and the last 4 KiB the command wrote, never after the command is destroyed;
// destroying it first kills the command's process group.
Result<std::unique_ptr<RuntimeCommand>> StartProcessCommand(EventLoop* loop, ChildReaper* reaper,
                                                            const SpawnOptions& options,
                                                            Runtime::CommandDone done);

}  // namespace berth
