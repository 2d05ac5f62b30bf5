// Process, /proc and file helpers for black-box tests: polling with deadlines, running
// programs, and looking at the processes berthd starts.
#ifndef BERTH_TESTS_INTEGRATION_TEST_SUPPORT_H_
#define BERTH_TESTS_INTEGRATION_TEST_SUPPORT_H_

#include <sys/resource.h>
#include <sys/types.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace berth::testing {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

// The default patience of every wait in these tests.
inline constexpr milliseconds kDefaultTimeout{10000};

// Polls `done` every `step` until it returns true or `timeout` passes; returns its last answer.
bool WaitUntil(const std::function<bool()>& done, milliseconds timeout = kDefaultTimeout,
               milliseconds step = milliseconds(10));

// Owns a file descriptor and closes it when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { Reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void Reset() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

// A fresh directory /tmp/<prefix>-XXXXXX, removed with everything in it when the object goes
// away. path() is "" when it could not be made.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& prefix = "berth-test");
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The result of running a program to completion.
struct CommandResult {
  int exit_code = -1;  // 128 + signal when killed, -1 when it could not run or timed out
  std::string out;
  std::string err;
  std::string Describe() const;
};

// Runs argv (argv[0] a path) with `env` added to the inherited environment (entries "K=V";
// "K=" with an empty value after '=' is kept; "K" alone removes K). Kills it after `timeout`.
CommandResult RunCommand(const std::vector<std::string>& argv,
                         const std::vector<std::string>& env = {},
                         milliseconds timeout = milliseconds(20000));

// RunCommand for a shadow tool (useradd, userdel, groupadd, groupdel): run again while it
// says another program holds the user database's lock, for up to 30 s.
CommandResult RunUserTool(const std::vector<std::string>& argv);

// Forks and execs argv (argv[0] a path) with stdin from /dev/null and stdout/stderr on the
// given fds; the child is killed when the test process dies. Returns the pid or -1. A non-null
// `open_files` becomes the child's RLIMIT_NOFILE.
pid_t SpawnChild(std::vector<std::string> argv, std::vector<std::string> env, int out_fd,
                 int err_fd, const rlimit* open_files = nullptr);
// This process's environment without anything that would steer berthd (BERTH_*, systemd's).
std::vector<std::string> InheritedEnvironment();
// Applies "K=V" (set) and "K" (remove) entries to `env`.
void ApplyEnv(std::vector<std::string>* env, const std::vector<std::string>& changes);
// A waitpid status as an exit code, or 128 + signal.
int DecodeWaitStatus(int status);
// Every pid under /proc.
std::vector<pid_t> AllPids();

// True while the process exists and is not a zombie.
bool ProcessAlive(pid_t pid);
// The state letter of /proc/<pid>/stat ('S' sleeping, 'T' stopped, 'Z' zombie), '?' if gone.
char ProcessState(pid_t pid);
// The Uid: line of /proc/<pid>/status (real uid), or -1.
long ProcessUid(pid_t pid);
// Live (non-zombie) processes whose process group is `pgid`.
std::vector<pid_t> LiveProcessesInGroup(pid_t pgid);
// /proc/<pid>/environ as a map.
std::map<std::string, std::string> ProcessEnv(pid_t pid);
// Target of /proc/<pid>/cwd.
std::string ProcessCwd(pid_t pid);

// A port nobody listens on right now: bound on 127.0.0.1:0, read, closed. Someone else may
// take it before the caller's program binds it; a caller that can, retries then.
int FreeTcpPort();

// `name` in one of $PATH's directories, or "".
std::string FindProgram(const std::string& name);
// "" when `path` is executable, else a message naming the Debian package that brings it.
std::string MissingProgram(const std::string& path, const std::string& package);

// True when the tests run as root (isolation needs it).
bool IsRoot();
// Replaces `path` with `contents`; false on any error.
bool WriteFile(const std::string& path, const std::string& contents);
// The whole file, or "" when it cannot be read.
std::string ReadFile(const std::string& path);
// The last `bytes` of `text` (a log, for a failure message), after "...\n" when cut.
std::string Tail(const std::string& text, size_t bytes = 4000);

}  // namespace berth::testing

#endif  // BERTH_TESTS_INTEGRATION_TEST_SUPPORT_H_
