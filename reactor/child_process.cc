// Spawning a program: fork, set up its process group, user, directory and pipes, exec.
#include "reactor/child_process.h"

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

namespace berth {
namespace {

constexpr long kEofGraceMs = 1000;
// Output pipes start at the kernel's default size; one that a read finds full is grown to
// this, so that a chatty app blocks less often and berthd wakes up less often. Quiet apps
// keep small pipes (the kernel allocates a pipe's slots up front).
constexpr size_t kPipeBytes = 1 << 20;
constexpr ssize_t kDefaultPipeBytes = 64 * 1024;

// Everything the child needs, prepared by the parent. The child shares the parent's memory
// (vfork semantics) until it execs, so it reports a failure by writing `stage` and `error`.
struct ChildArgs {
  const SpawnOptions* options;
  const char* path;
  char* const* argv;
  char* const* envp;
  int out_fd;
  int err_fd;
  pid_t parent;
  int stage = 0;
  int error = 0;
};
enum Stage { kStageDirectory = 1, kStageGroups, kStageGid, kStageUid, kStageExec };

[[noreturn]] void FailInChild(ChildArgs* args, int stage) {
  args->stage = stage;
  args->error = errno;
  _exit(127);
}

// Runs in the cloned child on its own stack, sharing the parent's memory: raw system calls
// only, nothing that allocates or takes a lock.
int ChildMain(void* raw) {
  auto* args = static_cast<ChildArgs*>(raw);
  const SpawnOptions& options = *args->options;
  setpgid(0, 0);
  // Only what berthd changed: handlers must not run here, ignored signals would stay ignored.
  const sigset_t& changed = ChangedSignals();
  for (int signo = 1; signo < NSIG; ++signo) {
    if (!sigismember(&changed, signo)) continue;
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    sigaction(signo, &dfl, nullptr);
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  int in_fd = options.stdin_fd >= 0 ? options.stdin_fd : open("/dev/null", O_RDONLY);
  dup2(in_fd, STDIN_FILENO);
  dup2(args->out_fd, STDOUT_FILENO);
  dup2(args->err_fd, STDERR_FILENO);
  syscall(SYS_close_range, 3, ~0U, 0);
  umask(options.umask);
  if (options.gid && syscall(SYS_setresgid, *options.gid, *options.gid, *options.gid) != 0)
    FailInChild(args, kStageGid);
  if (options.uid) {
    if (syscall(SYS_setgroups, options.groups.size(), options.groups.data()) != 0)
      FailInChild(args, kStageGroups);
    if (syscall(SYS_setresuid, *options.uid, *options.uid, *options.uid) != 0)
      FailInChild(args, kStageUid);
  }
  // Die with berthd rather than linger as an orphan it no longer knows (set after the uid
  // change, which clears it).
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != args->parent) _exit(127);
  if (!options.cwd.empty() && chdir(options.cwd.c_str()) != 0) FailInChild(args, kStageDirectory);
  execve(args->path, args->argv, args->envp);
  FailInChild(args, kStageExec);
}

// Starts ChildMain in a child that borrows this process's memory; returns once the child has
// exec'd or exited. Much cheaper than fork() for a daemon with many pages.
pid_t CloneAndExec(ChildArgs* args) {
  static constexpr size_t kStackSize = 256 * 1024;
  static std::unique_ptr<char[]> stack(new char[kStackSize]);  // the loop is single-threaded
  sigset_t all, old;
  sigfillset(&all);
  // No handler of ours may run in the child before it resets them.
  sigprocmask(SIG_SETMASK, &all, &old);
  pid_t pid = clone(ChildMain, stack.get() + kStackSize, CLONE_VM | CLONE_VFORK | SIGCHLD, args);
  int saved = errno;
  sigprocmask(SIG_SETMASK, &old, nullptr);
  errno = saved;
  return pid;
}

std::string DescribeExecFailure(const ChildArgs& failure, const SpawnOptions& options,
                                const std::string& path) {
  std::string reason = strerror(failure.error);
  switch (failure.stage) {
    case kStageDirectory:
      return "cannot enter directory " + options.cwd + ": " + reason;
    case kStageGroups:
    case kStageGid:
    case kStageUid:
      return "cannot switch to uid " + std::to_string(options.uid.value_or(0)) + ": " + reason;
    default:
      return "cannot execute " + path + ": " + reason;
  }
}

std::vector<char*> CStrings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (const auto& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

}  // namespace

const char* to_string(OutputStream stream) {
  return stream == OutputStream::kStdout ? "stdout" : "stderr";
}

std::string FindProgram(const std::string& program, const std::vector<std::string>& env) {
  if (program.find('/') != std::string::npos) return program;
  std::string path_var = "/usr/local/bin:/usr/bin:/bin";
  for (const auto& entry : env)
    if (entry.rfind("PATH=", 0) == 0) path_var = entry.substr(5);
  size_t start = 0;
  while (start <= path_var.size()) {
    size_t end = path_var.find(':', start);
    if (end == std::string::npos) end = path_var.size();
    std::string dir = path_var.substr(start, end - start);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + program;
    struct stat st {};
    if (stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111))
      return candidate;
    start = end + 1;
  }
  return "";
}

std::string DescribeWaitStatus(int wait_status) {
  if (WIFEXITED(wait_status)) return "exited with code " + std::to_string(WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status)) {
    const char* name = sigabbrev_np(WTERMSIG(wait_status));
    return std::string("killed by signal ") + (name ? name : std::to_string(WTERMSIG(wait_status)));
  }
  return "ended";
}

int ExitCodeOf(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return -1;
}

Result<std::unique_ptr<ChildProcess>> ChildProcess::Spawn(EventLoop* loop, ChildReaper* reaper,
                                                          const SpawnOptions& options,
                                                          OutputFn on_output,
                                                          FinishedFn on_finished) {
  if (options.argv.empty() || options.argv[0].empty())
    return Status::Invalid("the command is empty");
  std::string path = FindProgram(options.argv[0], options.env);
  if (path.empty()) return Status::Invalid("command not found in PATH: " + options.argv[0]);
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0) return Status::IOError(std::string("pipe: ") + strerror(errno));
  if (pipe2(err, O_CLOEXEC) != 0) {
    close(out[0]), close(out[1]);
    return Status::IOError(std::string("pipe: ") + strerror(errno));
  }
  auto argv = CStrings(options.argv);
  auto envp = CStrings(options.env);
  ChildArgs args{&options, path.c_str(), argv.data(), envp.data(), out[1], err[1], getpid()};
  pid_t pid = CloneAndExec(&args);
  close(out[1]), close(err[1]);
  if (pid < 0) {
    int saved = errno;
    close(out[0]), close(err[0]);
    return Status::IOError(std::string("cannot start a process: ") + strerror(saved));
  }
  Status exec_status =
      args.stage == 0 ? Status::Ok() : Status::Invalid(DescribeExecFailure(args, options, path));
  std::unique_ptr<ChildProcess> child(new ChildProcess(
      loop, reaper, pid, out[0], err[0], std::move(on_output), std::move(on_finished)));
  if (!exec_status.ok()) {
    // The child has exited (127) or is about to: let the reaper collect it, forget it here.
    reaper->Forget(pid);
    return exec_status;
  }
  return child;
}

ChildProcess::ChildProcess(EventLoop* loop, ChildReaper* reaper, pid_t pid, int out_fd, int err_fd,
                           OutputFn on_output, FinishedFn on_finished)
    : reaper_(reaper),
      pid_(pid),
      on_output_(std::move(on_output)),
      on_finished_(std::move(on_finished)),
      eof_grace_(loop, [this] { GiveUpOnEof(); }) {
  fds_[0].reset(out_fd);
  fds_[1].reset(err_fd);
  for (int i = 0; i < 2; ++i) {
    fcntl(fds_[i].get(), F_SETFL, fcntl(fds_[i].get(), F_GETFL) | O_NONBLOCK);
    auto callback = +[](evutil_socket_t fd, short, void* self) {
      auto* child = static_cast<ChildProcess*>(self);
      child->OnReadable(fd == child->fds_[0].get() ? OutputStream::kStdout : OutputStream::kStderr);
    };
    watchers_[i].reset(
        event_new(loop->base(), fds_[i].get(), EV_READ | EV_PERSIST, callback, this));
    event_add(watchers_[i].get(), nullptr);
  }
  reaper_->Watch(pid_, [this](int wait_status) { OnExit(wait_status); });
}

ChildProcess::~ChildProcess() {
  if (!exited_) reaper_->Forget(pid_);
}

void ChildProcess::SignalGroup(int signo) const { kill(-pid_, signo); }

bool ChildProcess::GroupAlive() const { return kill(-pid_, 0) == 0 || errno == EPERM; }

void ChildProcess::OnReadable(OutputStream stream) {
  int index = static_cast<int>(stream);
  // One buffer for every child: the loop reads one pipe at a time.
  static std::unique_ptr<char[]> buffer(new char[kPipeBytes]);
  for (;;) {
    ssize_t n = read(fds_[index].get(), buffer.get(), kPipeBytes);
    if (n >= kDefaultPipeBytes && !grown_[index]) {
      grown_[index] = true;
      fcntl(fds_[index].get(), F_SETPIPE_SZ, static_cast<int>(kPipeBytes));
    }
    if (n > 0) {
      on_output_(stream, std::string_view(buffer.get(), n), false);
      if (n < static_cast<ssize_t>(kPipeBytes)) return;
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    // EOF or a read error: this stream is done.
    watchers_[index].reset();
    fds_[index].reset();
    on_output_(stream, std::string_view(), true);
    MaybeFinish();
    return;
  }
}

void ChildProcess::OnExit(int wait_status) {
  exited_ = true;
  wait_status_ = wait_status;
  if (on_exit_) on_exit_();
  if (fds_[0].valid() || fds_[1].valid()) {
    // Drain what is already there before deciding whether to wait for EOF.
    if (fds_[0].valid()) OnReadable(OutputStream::kStdout);
    if (fds_[1].valid()) OnReadable(OutputStream::kStderr);
  }
  if (!finished_ && (fds_[0].valid() || fds_[1].valid())) eof_grace_.Start(kEofGraceMs);
  MaybeFinish();
}

// A descendant that left the process group still holds a pipe: keep what was written, stop
// waiting for it.
void ChildProcess::GiveUpOnEof() {
  for (int i = 0; i < 2; ++i) {
    if (!fds_[i].valid()) continue;
    OnReadable(static_cast<OutputStream>(i));
    if (!fds_[i].valid()) continue;
    watchers_[i].reset();
    fds_[i].reset();
    on_output_(static_cast<OutputStream>(i), std::string_view(), true);
  }
  MaybeFinish();
}

void ChildProcess::MaybeFinish() {
  if (finished_ || !exited_ || fds_[0].valid() || fds_[1].valid()) return;
  finished_ = true;
  eof_grace_.Stop();
  on_finished_(wait_status_);
}

}  // namespace berth
