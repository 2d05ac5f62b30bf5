// berthd as a container's init: PID 1 of a new PID namespace (unshare --pid --fork
// --mount-proc), reaping orphans its apps leave behind and exiting 0 on SIGTERM.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <sstream>

#include "tests/integration/berthd_harness.h"

namespace berth::testing {
namespace {

struct ProcInfo {
  pid_t ppid = 0;
  char state = '?';
  std::string cmdline;
};

std::optional<ProcInfo> ReadProc(pid_t pid) {
  std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  size_t paren = stat.rfind(')');
  if (stat.empty() || paren == std::string::npos) return std::nullopt;
  ProcInfo info;
  std::istringstream rest(stat.substr(paren + 2));
  rest >> info.state >> info.ppid;
  info.cmdline = ReadFile("/proc/" + std::to_string(pid) + "/cmdline");
  for (char& c : info.cmdline)
    if (c == '\0') c = ' ';
  return info;
}

// The children of `parent` whose command line starts with `prefix`.
std::vector<pid_t> ChildrenRunning(pid_t parent, const std::string& prefix) {
  std::vector<pid_t> found;
  for (pid_t pid : AllPids()) {
    auto info = ReadProc(pid);
    if (info && info->ppid == parent && info->cmdline.rfind(prefix, 0) == 0) found.push_back(pid);
  }
  return found;
}

TEST(Pid1Test, ReapsOrphansAndExitsCleanlyAsInit) {
  BerthdProcess dirs;  // temp dirs and a token
  mkdir((dirs.config_dir() + "/apps.d").c_str(), 0755);
  // The subshell starts a sleep in the background and exits: the sleep is orphaned and comes
  // to berthd, which must reap it when it ends.
  ASSERT_TRUE(WriteFile(dirs.config_dir() + "/apps.d/orphans.json",
                        ProcessApp("orphans", Sh("(sleep 1.5 &); exec sleep 1000")).dump()));
  std::string err_path = dirs.root_dir() + "/pid1.stderr";
  Fd err(open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  std::vector<std::string> env = InheritedEnvironment();
  ApplyEnv(&env, {"BERTH_ADMIN_TOKEN=" + dirs.token()});
  pid_t unshare = SpawnChild({"/usr/bin/unshare", "--pid", "--fork", "--mount-proc", BERTHD_PATH,
                              "--state-dir", dirs.state_dir(), "--config-dir", dirs.config_dir(),
                              "--listen", "unix:" + dirs.root_dir() + "/api.sock"},
                             env, err.get(), err.get());
  ASSERT_GT(unshare, 0);
  pid_t init = 0;
  ASSERT_TRUE(WaitUntil([&] {
    auto children = ChildrenRunning(unshare, BERTHD_PATH);
    if (!children.empty()) init = children[0];
    return init > 0;
  })) << ReadFile(err_path);

  std::vector<pid_t> orphans;
  ASSERT_TRUE(WaitUntil([&] { return !(orphans = ChildrenRunning(init, "sleep 1.5")).empty(); }))
      << "the orphaned sleep never came to berthd\n"
      << ReadFile(err_path);
  // Once it ends it must be reaped: no zombie left in /proc.
  EXPECT_TRUE(WaitUntil([&] { return !ReadProc(orphans[0]); })) << "orphan left as a zombie";
  EXPECT_EQ(1u, ChildrenRunning(init, "sleep 1000").size()) << "the app itself keeps running";
  std::string body;
  EXPECT_EQ(200, GetOverUnixSocket(dirs.root_dir() + "/api.sock", "/v1/apps/orphans", dirs.token(),
                                   &body));
  EXPECT_NE(std::string::npos, body.find("\"running\"")) << body;

  ASSERT_EQ(0, kill(init, SIGTERM));
  int status = 0;
  ASSERT_TRUE(WaitUntil([&] { return waitpid(unshare, &status, WNOHANG) == unshare; },
                        milliseconds(30000)));
  EXPECT_EQ(0, DecodeWaitStatus(status)) << ReadFile(err_path);
  EXPECT_NE(std::string::npos, ReadFile(err_path).find("every app stopped")) << ReadFile(err_path);
}

}  // namespace
}  // namespace berth::testing
