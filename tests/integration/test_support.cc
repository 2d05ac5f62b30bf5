// Process, /proc and file helpers for black-box tests.
#include "tests/integration/test_support.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

extern char** environ;

namespace berth::testing {
namespace {

// Environment variables of the test process that would change where berthd puts things.
bool IsInheritedBerthSetting(const std::string& entry) {
  static const char* kDropped[] = {
      "RUNTIME_DIRECTORY=",     "STATE_DIRECTORY=", "CONFIGURATION_DIRECTORY=",
      "CREDENTIALS_DIRECTORY=", "LISTEN_FDS=",      "LISTEN_PID=",
      "LISTEN_FDNAMES=",        "NOTIFY_SOCKET=",   "WATCHDOG_USEC=",
      "WATCHDOG_PID=",          "BERTH_",           "INVOCATION_ID="};
  for (const char* prefix : kDropped) {
    if (entry.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Fields of /proc/<pid>/stat after the command name: [0] state, [1] ppid, [2] pgrp, ...
std::vector<std::string> StatFields(pid_t pid) {
  std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  size_t paren = stat.rfind(')');
  std::vector<std::string> fields;
  if (paren == std::string::npos) return fields;
  std::istringstream in(stat.substr(paren + 1));
  std::string field;
  while (in >> field) fields.push_back(field);
  return fields;
}

}  // namespace

bool WaitUntil(const std::function<bool()>& done, milliseconds timeout, milliseconds step) {
  auto deadline = Clock::now() + timeout;
  while (true) {
    if (done()) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(step);
  }
}

int DecodeWaitStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// Forks and execs argv with stdin from /dev/null and stdout/stderr to the given fds; the child
// dies with the test process. Returns the pid or -1.
pid_t SpawnChild(std::vector<std::string> argv, std::vector<std::string> env, int out_fd,
                 int err_fd, const rlimit* open_files) {
  std::vector<char*> c_argv = CStrings(argv);
  std::vector<char*> c_env = CStrings(env);
  Fd dev_null(open("/dev/null", O_RDONLY | O_CLOEXEC));
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid != 0) return pid;
  // Child: only async-signal-safe calls from here on.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(126);
  sigset_t empty;
  sigemptyset(&empty);
  sigprocmask(SIG_SETMASK, &empty, nullptr);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigaction(SIGPIPE, &dfl, nullptr);
  dup2(dev_null.get(), 0);
  dup2(out_fd, 1);
  dup2(err_fd, 2);
  if (open_files && setrlimit(RLIMIT_NOFILE, open_files) != 0) _exit(126);
  execve(c_argv[0], c_argv.data(), c_env.data());
  _exit(127);
}

std::vector<std::string> InheritedEnvironment() {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    if (!IsInheritedBerthSetting(*e)) env.emplace_back(*e);
  }
  return env;
}

// Applies "K=V" (set) and "K" (remove) entries to `env`.
void ApplyEnv(std::vector<std::string>* env, const std::vector<std::string>& changes) {
  for (const std::string& change : changes) {
    size_t eq = change.find('=');
    std::string key = change.substr(0, eq) + "=";
    env->erase(std::remove_if(env->begin(), env->end(),
                              [&](const std::string& e) { return e.rfind(key, 0) == 0; }),
               env->end());
    if (eq != std::string::npos) env->push_back(change);
  }
}

std::vector<pid_t> AllPids() {
  std::vector<pid_t> pids;
  std::unique_ptr<DIR, int (*)(DIR*)> proc(opendir("/proc"), closedir);
  if (!proc) return pids;
  while (dirent* entry = readdir(proc.get())) {
    char* end = nullptr;
    long pid = std::strtol(entry->d_name, &end, 10);
    if (pid > 0 && end != nullptr && *end == '\0') pids.push_back(static_cast<pid_t>(pid));
  }
  return pids;
}

ScratchDir::ScratchDir(const std::string& prefix) {
  std::string name = "/tmp/" + prefix + "-XXXXXX";
  if (mkdtemp(name.data()) != nullptr) path_ = name;
}

ScratchDir::~ScratchDir() {
  std::error_code ignored;
  if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
}

std::string CommandResult::Describe() const {
  return "exit " + std::to_string(exit_code) + "\nstdout:\n" + out + "\nstderr:\n" + err;
}

CommandResult RunCommand(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                         milliseconds timeout) {
  CommandResult result;
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) return result;
  Fd out_read(out_pipe[0]), out_write(out_pipe[1]);
  if (pipe2(err_pipe, O_CLOEXEC) != 0) return result;
  Fd err_read(err_pipe[0]), err_write(err_pipe[1]);
  std::vector<std::string> full_env = InheritedEnvironment();
  ApplyEnv(&full_env, env);
  pid_t pid = SpawnChild(argv, full_env, out_write.get(), err_write.get());
  out_write.Reset();
  err_write.Reset();
  if (pid < 0) return result;

  auto deadline = Clock::now() + timeout;
  bool out_open = true, err_open = true, timed_out = false;
  while (out_open || err_open) {
    auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    pollfd fds[2] = {{out_open ? out_read.get() : -1, POLLIN, 0},
                     {err_open ? err_read.get() : -1, POLLIN, 0}};
    if (poll(fds, 2, static_cast<int>(left)) < 0 && errno != EINTR) break;
    char buf[4096];
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      ssize_t got = read(fds[i].fd, buf, sizeof buf);
      if (got > 0) {
        (i == 0 ? result.out : result.err).append(buf, got);
      } else if (got == 0 || errno != EINTR) {
        (i == 0 ? out_open : err_open) = false;
      }
    }
  }
  if (timed_out) kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = timed_out ? -1 : DecodeWaitStatus(status);
  if (timed_out) result.err += "\n[timed out]";
  return result;
}

CommandResult RunUserTool(const std::vector<std::string>& argv) {
  CommandResult result;
  WaitUntil(
      [&] {
        result = RunCommand(argv);
        return result.exit_code == 0 || (result.err.find("cannot lock") == std::string::npos &&
                                         result.err.find("unable to lock") == std::string::npos);
      },
      milliseconds(30000), milliseconds(50));
  return result;
}

char ProcessState(pid_t pid) {
  std::vector<std::string> fields = StatFields(pid);
  return fields.empty() || fields[0].empty() ? '?' : fields[0][0];
}

bool ProcessAlive(pid_t pid) {
  if (pid <= 0) return false;
  std::vector<std::string> fields = StatFields(pid);
  return !fields.empty() && fields[0] != "Z" && fields[0] != "X";
}

long ProcessUid(pid_t pid) {
  std::istringstream status(ReadFile("/proc/" + std::to_string(pid) + "/status"));
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Uid:", 0) == 0) return std::atol(line.c_str() + 4);
  }
  return -1;
}

std::vector<pid_t> LiveProcessesInGroup(pid_t pgid) {
  std::vector<pid_t> out;
  for (pid_t pid : AllPids()) {
    std::vector<std::string> fields = StatFields(pid);
    if (fields.size() < 3 || fields[0] == "Z" || fields[0] == "X") continue;
    if (std::atol(fields[2].c_str()) == pgid) out.push_back(pid);
  }
  return out;
}

std::map<std::string, std::string> ProcessEnv(pid_t pid) {
  std::map<std::string, std::string> env;
  std::string raw = ReadFile("/proc/" + std::to_string(pid) + "/environ");
  std::istringstream in(raw);
  std::string entry;
  while (std::getline(in, entry, '\0')) {
    size_t eq = entry.find('=');
    if (eq != std::string::npos) env[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  return env;
}

std::string ProcessCwd(pid_t pid) {
  char buf[4096];
  std::string link = "/proc/" + std::to_string(pid) + "/cwd";
  ssize_t n = readlink(link.c_str(), buf, sizeof buf - 1);
  return n < 0 ? "" : std::string(buf, n);
}

int FreeTcpPort() {
  Fd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return 0;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) return 0;
  socklen_t length = sizeof address;
  if (getsockname(fd.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) return 0;
  return ntohs(address.sin_port);
}

std::string FindProgram(const std::string& name) {
  const char* path = getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    std::string candidate = (std::filesystem::path(dir) / name).string();
    if (!dir.empty() && access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  return "";
}

std::string MissingProgram(const std::string& path, const std::string& package) {
  if (access(path.c_str(), X_OK) == 0) return "";
  return path + " is missing: `make test` installs it (TEST_DEPS in the Makefile), or " +
         "apt-get install " + package;
}

bool IsRoot() { return geteuid() == 0; }

bool WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
  return static_cast<bool>(out);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string Tail(const std::string& text, size_t bytes) {
  return text.size() <= bytes ? text : "...\n" + text.substr(text.size() - bytes);
}

}  // namespace berth::testing
