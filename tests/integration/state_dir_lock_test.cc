// Black-box test of the state dir's lock: one berthd per state dir.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>

#include "tests/integration/berthd_harness.h"

namespace berth::testing {
namespace {

using StateDirLockTest = BerthdTest;

// A second berthd on a state dir in use says who uses it and exits 1; the first keeps serving
// and runs its app once.
TEST_F(StateDirLockTest, ASecondBerthdOnTheSameStateDirExits1) {
  ASSERT_EQ(201, berthd().Post("/v1/apps", ProcessApp("o3", Sh("exec sleep 1000"))).status);
  auto running = berthd().WaitForState("o3", "running");
  ASSERT_TRUE(running) << berthd().LastSeen();

  std::string err_path = berthd().root_dir() + "/second.stderr";
  Fd err(open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  std::vector<std::string> env = InheritedEnvironment();
  ApplyEnv(&env, {"BERTH_ADMIN_TOKEN=" + berthd().token()});
  pid_t second = SpawnChild({BERTHD_PATH, "--state-dir", berthd().state_dir(), "--config-dir",
                             berthd().config_dir(), "--listen", "127.0.0.1:0"},
                            env, err.get(), err.get());
  ASSERT_GT(second, 0);
  int status = 0;
  bool exited = WaitUntil([&] { return waitpid(second, &status, WNOHANG) == second; });
  if (!exited) {
    kill(second, SIGKILL);
    waitpid(second, &status, 0);
  }
  ASSERT_TRUE(exited) << "the second berthd kept running; stderr:\n" << ReadFile(err_path);
  EXPECT_EQ(1, DecodeWaitStatus(status));
  EXPECT_NE(std::string::npos,
            ReadFile(err_path).find("another berthd (pid " + std::to_string(berthd().pid()) +
                                    ") uses " + berthd().state_dir()))
      << ReadFile(err_path);

  auto still = berthd().WaitForState("o3", "running");
  ASSERT_TRUE(still) << berthd().LastSeen();
  EXPECT_EQ(AppPid(*running), AppPid(*still));
  std::vector<pid_t> pids = AllPids();
  long sleepers = std::count_if(pids.begin(), pids.end(), [&](pid_t pid) {
    return ProcessAlive(pid) && ProcessEnv(pid)["HOME"] == berthd().app_dir("o3") &&
           ReadFile("/proc/" + std::to_string(pid) + "/comm") == "sleep\n";
  });
  EXPECT_EQ(1, sleepers);
}

}  // namespace
}  // namespace berth::testing
