// ChildProcess: one spawned program with its stdout/stderr pipes, in its own process group.
// It is finished only when its exit status and EOF on both pipes have arrived (or, if some
// escaped descendant holds a pipe open, a short grace period after the exit).
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "reactor/child_reaper.h"
#include "reactor/event_loop.h"
#include "base/status.h"

namespace berth {

struct SpawnOptions {
  std::vector<std::string> argv;  // argv[0] without '/' is looked up in the PATH of `env`
  std::vector<std::string> env;   // "KEY=value", the whole environment
  std::string cwd;
  std::optional<uid_t> uid;  // switch user when set (requires root)
  std::optional<gid_t> gid;
  std::vector<gid_t> groups;  // supplementary groups, with uid
  mode_t umask = 027;
  int stdin_fd = -1;  // the child's stdin (e.g. a pipe holding a job); /dev/null when -1
};

enum class OutputStream { kStdout = 0, kStderr = 1 };
const char* to_string(OutputStream stream);

class ChildProcess {
 public:
  // `data` is a chunk as read; an empty chunk with `eof` true ends that stream.
  using OutputFn = std::function<void(OutputStream, std::string_view data, bool eof)>;
  using FinishedFn = std::function<void(int wait_status)>;

  // Forks and execs. Fails with a message naming what went wrong (command not found, cannot
  // enter the directory, cannot switch user) when the program never started.
  static Result<std::unique_ptr<ChildProcess>> Spawn(EventLoop* loop, ChildReaper* reaper,
                                                     const SpawnOptions& options,
                                                     OutputFn on_output, FinishedFn on_finished);
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  bool exited() const { return exited_; }
  // Called when the exit status arrives, before output has been drained and the child is
  // finished (e.g. to kill what is left of its group so that the pipes close).
  void set_on_exit(std::function<void()> on_exit) { on_exit_ = std::move(on_exit); }
  // Sends `signo` to the whole process group.
  void SignalGroup(int signo) const;
  // True while any process of the group is alive.
  bool GroupAlive() const;

 private:
  ChildProcess(EventLoop* loop, ChildReaper* reaper, pid_t pid, int out_fd, int err_fd,
               OutputFn on_output, FinishedFn on_finished);
  void OnReadable(OutputStream stream);
  void OnExit(int wait_status);
  void GiveUpOnEof();
  void MaybeFinish();

  ChildReaper* reaper_;
  pid_t pid_;
  UniqueFd fds_[2];
  EventPtr watchers_[2];
  bool grown_[2] = {false, false};  // pipe enlarged for a chatty stream
  OutputFn on_output_;
  FinishedFn on_finished_;
  std::function<void()> on_exit_;
  bool exited_ = false;
  bool finished_ = false;
  int wait_status_ = 0;
  Timer eof_grace_;
};

// Resolves `program` against the PATH found in `env` ("PATH=..."); empty when not found.
std::string FindProgram(const std::string& program, const std::vector<std::string>& env);

// Describes a wait status for people: "exited with code 3", "killed by signal KILL".
std::string DescribeWaitStatus(int wait_status);
// Exit code for a wait status: the code, or 128 + signal number.
int ExitCodeOf(int wait_status);

}  // namespace berth
