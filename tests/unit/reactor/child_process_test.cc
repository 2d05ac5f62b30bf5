// Tests of ChildProcess and ChildReaper with real fork/exec: output streams and EOF, exit
// statuses, spawn failures, what the child inherits (process group, umask, fds, environment)
// and FindProgram. Every wait runs the loop under a deadline, so nothing can hang.
#include "reactor/child_process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "reactor/child_reaper.h"
#include "reactor/clock.h"
#include "reactor/event_loop.h"
#include "tests/unit/run_loop.h"

namespace berth {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kEnv = {"PATH=/usr/bin:/bin"};

// True when `pid` has been reaped (by anyone). Does not reap it itself.
bool Reaped(pid_t pid) {
  siginfo_t info{};
  return waitid(P_PID, pid, &info, WEXITED | WNOHANG | WNOWAIT) == -1 && errno == ECHILD;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// What one child did, as its callbacks saw it, in order.
struct Observed {
  std::string out, err;
  int out_eofs = 0, err_eofs = 0;
  bool data_after_eof = false;
  bool empty_data_chunk = false;
  std::optional<int> wait_status;
  int finished_calls = 0;
  std::vector<std::string> timeline;  // "exit", "stdout", "stdout eof", "stderr eof", "finished"

  bool finished() const { return wait_status.has_value(); }
  size_t IndexOf(const std::string& what) const {
    return std::find(timeline.begin(), timeline.end(), what) - timeline.begin();
  }
  size_t LastIndexOf(const std::string& what) const {
    auto it = std::find(timeline.rbegin(), timeline.rend(), what);
    return it == timeline.rend() ? timeline.size() : timeline.rend() - it - 1;
  }
};

class ChildProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // As berthd does: orphans of a child's group are adopted, and so reaped, by this process.
    ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    std::string pattern = (fs::temp_directory_path() / "berth-child-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    children_.clear();
    fs::remove_all(dir_);
  }

  static SpawnOptions Options(std::vector<std::string> argv) {
    SpawnOptions options;
    options.argv = std::move(argv);
    options.env = kEnv;
    return options;
  }

  Result<ChildProcess*> Spawn(const SpawnOptions& options, Observed* seen) {
    auto child = ChildProcess::Spawn(
        &loop_, &reaper_, options,
        [seen](OutputStream stream, std::string_view data, bool eof) {
          bool is_out = stream == OutputStream::kStdout;
          if ((is_out ? seen->out_eofs : seen->err_eofs) > 0) seen->data_after_eof = true;
          if (eof) {
            EXPECT_TRUE(data.empty());
            ++(is_out ? seen->out_eofs : seen->err_eofs);
            seen->timeline.push_back(is_out ? "stdout eof" : "stderr eof");
            return;
          }
          if (data.empty()) seen->empty_data_chunk = true;
          (is_out ? seen->out : seen->err).append(data);
          seen->timeline.push_back(is_out ? "stdout" : "stderr");
        },
        [seen](int wait_status) {
          ++seen->finished_calls;
          seen->wait_status = wait_status;
          seen->timeline.push_back("finished");
        });
    if (!child.ok()) return child.status();
    ChildProcess* raw = child.value().get();
    children_.push_back(std::move(child).value());
    return raw;
  }

  // Spawns and runs the loop until the child is finished.
  Observed RunToEnd(const SpawnOptions& options) {
    Observed seen;
    Result<ChildProcess*> child = Spawn(options, &seen);
    EXPECT_TRUE(child.ok()) << child.status().message();
    if (!child.ok()) return seen;
    EXPECT_TRUE(RunUntil(&loop_, [&] { return seen.finished(); })) << "child did not finish";
    return seen;
  }

  Observed RunShell(const std::string& script) { return RunToEnd(Options({"sh", "-c", script})); }

  // Runs the loop until the reaper has collected some child (owned or not).
  bool RunUntilReaped() {
    bool reaped = false;
    reaper_.set_after_reap([&] { reaped = true; });
    bool ok = RunUntil(&loop_, [&] { return reaped; });
    reaper_.set_after_reap(nullptr);
    return ok;
  }

  fs::path dir_;
  EventLoop loop_;
  ChildReaper reaper_{&loop_};
  std::vector<std::unique_ptr<ChildProcess>> children_;
};

TEST_F(ChildProcessTest, OutputArrivesOnTheRightStreamsWithEof) {
  Observed seen = RunShell("echo a; echo b >&2; printf tail");
  EXPECT_EQ(seen.out, "a\ntail");
  EXPECT_EQ(seen.err, "b\n");
  EXPECT_EQ(seen.out_eofs, 1);
  EXPECT_EQ(seen.err_eofs, 1);
  EXPECT_FALSE(seen.data_after_eof);
  EXPECT_FALSE(seen.empty_data_chunk);
  ASSERT_TRUE(seen.wait_status);
  EXPECT_TRUE(WIFEXITED(*seen.wait_status));
  EXPECT_EQ(ExitCodeOf(*seen.wait_status), 0);
}

TEST_F(ChildProcessTest, FinishedFiresOnceAfterExitAndBothEofs) {
  Observed seen;
  Result<ChildProcess*> child = Spawn(Options({"sh", "-c", "echo out; echo err >&2"}), &seen);
  ASSERT_TRUE(child.ok()) << child.status().message();
  (*child)->set_on_exit([&] { seen.timeline.push_back("exit"); });
  ASSERT_TRUE(RunUntil(&loop_, [&] { return seen.finished(); }));
  EXPECT_EQ(seen.finished_calls, 1);
  EXPECT_TRUE((*child)->exited());
  ASSERT_FALSE(seen.timeline.empty());
  EXPECT_EQ(seen.timeline.back(), "finished");
  EXPECT_LT(seen.IndexOf("exit"), seen.IndexOf("finished"));
  EXPECT_LT(seen.IndexOf("stdout eof"), seen.IndexOf("finished"));
  EXPECT_LT(seen.IndexOf("stderr eof"), seen.IndexOf("finished"));
  EXPECT_EQ(seen.out, "out\n");
  EXPECT_EQ(seen.err, "err\n");
}

// The shell exits at once, but a background member of its group still writes to the pipe;
// it is let go (through a FIFO) only after the exit status has arrived. Its output must be
// delivered, and finished must come only after that output's EOF.
TEST_F(ChildProcessTest, FinishedWaitsForEofWhenOutputOutlivesTheExit) {
  std::string fifo = (dir_ / "gate").string();
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  Observed seen;
  bool gate_opened = false;
  Timer try_gate(&loop_, [&] {
    if (gate_opened) return;
    // Fails with ENXIO until the background `cat` has the FIFO open for reading.
    int fd = open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return;
    gate_opened = true;
    EXPECT_EQ(write(fd, "x\n", 2), 2);
    close(fd);
  });
  Result<ChildProcess*> child =
      Spawn(Options({"sh", "-c", "(cat '" + fifo + "'; echo late) & exit 0"}), &seen);
  ASSERT_TRUE(child.ok()) << child.status().message();
  (*child)->set_on_exit([&] {
    seen.timeline.push_back("exit");
    try_gate.StartRepeating(1);
  });
  bool finished = RunUntil(&loop_, [&] { return seen.finished(); });
  kill(-(*child)->pid(), SIGKILL);  // never leave `cat` blocked on the FIFO
  ASSERT_TRUE(finished);
  EXPECT_TRUE(gate_opened);
  EXPECT_EQ(seen.out, "x\nlate\n");
  EXPECT_EQ(seen.timeline.front(), "exit");
  EXPECT_EQ(seen.timeline.back(), "finished");
  EXPECT_LT(seen.LastIndexOf("stdout"), seen.IndexOf("stdout eof"));
  EXPECT_EQ(ExitCodeOf(*seen.wait_status), 0);
}

// A descendant that left the process group keeps the pipes open: the child still finishes,
// after a short grace period following its exit.
TEST_F(ChildProcessTest, FinishesAfterAGracePeriodWhenAnEscapedDescendantHoldsThePipes) {
  Observed seen;
  int64_t exited_at = 0;
  Result<ChildProcess*> child =
      Spawn(Options({"sh", "-c", "setsid sleep 30 & echo $!; exit 4"}), &seen);
  ASSERT_TRUE(child.ok()) << child.status().message();
  (*child)->set_on_exit([&] { exited_at = MonotonicMs(); });
  ASSERT_TRUE(RunUntil(&loop_, [&] { return seen.finished(); }));
  int64_t waited = MonotonicMs() - exited_at;
  pid_t escaped = atoi(seen.out.c_str());
  if (escaped > 0) kill(escaped, SIGKILL);
  ASSERT_GT(escaped, 0) << seen.out;
  EXPECT_EQ(ExitCodeOf(*seen.wait_status), 4);
  EXPECT_EQ(seen.out_eofs, 1);
  EXPECT_EQ(seen.err_eofs, 1);
  EXPECT_GE(waited, 500);  // it did wait for EOF a while before giving up
}

TEST_F(ChildProcessTest, ExitCodeOfAnExit) {
  Observed seen = RunShell("exit 3");
  ASSERT_TRUE(seen.wait_status);
  EXPECT_EQ(ExitCodeOf(*seen.wait_status), 3);
  EXPECT_EQ(DescribeWaitStatus(*seen.wait_status), "exited with code 3");
}

TEST_F(ChildProcessTest, ExitCodeOfAKill) {
  Observed seen = RunShell("kill -KILL $$");
  ASSERT_TRUE(seen.wait_status);
  EXPECT_TRUE(WIFSIGNALED(*seen.wait_status));
  EXPECT_EQ(ExitCodeOf(*seen.wait_status), 128 + SIGKILL);
  EXPECT_EQ(DescribeWaitStatus(*seen.wait_status), "killed by signal KILL");
}

TEST(WaitStatusTest, DescribesAndConvertsStatuses) {
  EXPECT_EQ(ExitCodeOf(0), 0);
  EXPECT_EQ(DescribeWaitStatus(0), "exited with code 0");
  EXPECT_EQ(ExitCodeOf(3 << 8), 3);
  EXPECT_EQ(ExitCodeOf(255 << 8), 255);
  EXPECT_EQ(DescribeWaitStatus(255 << 8), "exited with code 255");
  EXPECT_EQ(ExitCodeOf(SIGTERM), 128 + SIGTERM);
  EXPECT_EQ(DescribeWaitStatus(SIGTERM), "killed by signal TERM");
  EXPECT_EQ(DescribeWaitStatus(SIGSEGV), "killed by signal SEGV");
  EXPECT_EQ(ExitCodeOf(SIGKILL), 137);
}

TEST(OutputStreamTest, Names) {
  EXPECT_STREQ(to_string(OutputStream::kStdout), "stdout");
  EXPECT_STREQ(to_string(OutputStream::kStderr), "stderr");
}

TEST_F(ChildProcessTest, CommandNotFoundFailsNamingIt) {
  Observed seen;
  Result<ChildProcess*> child = Spawn(Options({"berth-no-such-program", "x"}), &seen);
  ASSERT_FALSE(child.ok());
  EXPECT_NE(child.status().message().find("berth-no-such-program"), std::string::npos)
      << child.status().message();
}

TEST_F(ChildProcessTest, EmptyCommandFails) {
  Observed seen;
  EXPECT_FALSE(Spawn(Options({}), &seen).ok());
  EXPECT_FALSE(Spawn(Options({""}), &seen).ok());
}

TEST_F(ChildProcessTest, BadDirectoryFailsNamingItAndNoCallbackFollows) {
  Observed seen;
  SpawnOptions options = Options({"true"});
  options.cwd = (dir_ / "missing-dir").string();
  Result<ChildProcess*> child = Spawn(options, &seen);
  ASSERT_FALSE(child.ok());
  EXPECT_NE(child.status().message().find(options.cwd), std::string::npos)
      << child.status().message();
  // The failed child is reaped without reaching anyone's callbacks.
  ASSERT_TRUE(RunUntilReaped());
  EXPECT_TRUE(seen.timeline.empty());
}

TEST_F(ChildProcessTest, ProgramThatCannotBeExecutedFailsNamingIt) {
  std::string script = (dir_ / "not-executable").string();
  std::ofstream(script) << "#!/bin/sh\necho hi\n";
  ASSERT_EQ(chmod(script.c_str(), 0644), 0);
  Observed seen;
  Result<ChildProcess*> child = Spawn(Options({script}), &seen);
  ASSERT_FALSE(child.ok());
  EXPECT_NE(child.status().message().find(script), std::string::npos) << child.status().message();
}

TEST_F(ChildProcessTest, ArgvIsPassedAsGiven) {
  Observed seen = RunToEnd(Options({"printf", "%s|", "a", "b c", "", "$HOME"}));
  EXPECT_EQ(seen.out, "a|b c||$HOME|");
}

TEST_F(ChildProcessTest, ChildLeadsItsOwnProcessGroup) {
  Observed seen;
  Result<ChildProcess*> child = Spawn(Options({"sleep", "30"}), &seen);
  ASSERT_TRUE(child.ok()) << child.status().message();
  pid_t pid = (*child)->pid();
  EXPECT_EQ(getpgid(pid), pid);
  EXPECT_NE(getpgid(pid), getpgrp());
  EXPECT_TRUE((*child)->GroupAlive());
  EXPECT_FALSE((*child)->exited());
  (*child)->SignalGroup(SIGTERM);
  ASSERT_TRUE(RunUntil(&loop_, [&] { return seen.finished(); }));
  EXPECT_TRUE(WIFSIGNALED(*seen.wait_status));
  EXPECT_EQ(WTERMSIG(*seen.wait_status), SIGTERM);
  EXPECT_FALSE((*child)->GroupAlive());
}

TEST_F(ChildProcessTest, SignalGroupReachesEveryMember) {
  Observed seen;
  Result<ChildProcess*> child =
      Spawn(Options({"sh", "-c", "sleep 30 & sleep 30 & echo started; wait"}), &seen);
  ASSERT_TRUE(child.ok()) << child.status().message();
  ASSERT_TRUE(RunUntil(&loop_, [&] { return seen.out == "started\n"; }));
  (*child)->SignalGroup(SIGKILL);
  // The pipes close only when the background sleeps are gone too.
  ASSERT_TRUE(RunUntil(&loop_, [&] { return seen.finished(); }));
  EXPECT_EQ(seen.out_eofs, 1);
  EXPECT_TRUE(RunUntil(&loop_, [&] { return !(*child)->GroupAlive(); }));
}

TEST_F(ChildProcessTest, UmaskIs027ByDefault) { EXPECT_EQ(RunShell("umask").out, "0027\n"); }

TEST_F(ChildProcessTest, UmaskCanBeChosen) {
  SpawnOptions options = Options({"sh", "-c", "umask"});
  options.umask = 077;
  EXPECT_EQ(RunToEnd(options).out, "0077\n");
}

TEST_F(ChildProcessTest, OnlyStandardFdsAreInherited) {
  // Descriptors the parent left open without close-on-exec must not reach the child.
  int leaky = open("/dev/null", O_RDONLY);
  ASSERT_GE(leaky, 0);
  ASSERT_EQ(dup2(leaky, 100), 100);
  Observed seen = RunToEnd(Options({"ls", "/proc/self/fd"}));
  close(leaky);
  close(100);
  std::vector<std::string> fds = Lines(seen.out);
  std::set<std::string> set(fds.begin(), fds.end());
  EXPECT_TRUE(set.count("0") && set.count("1") && set.count("2")) << seen.out;
  // ls itself holds one descriptor for the directory it lists.
  for (const auto& fd : fds)
    EXPECT_TRUE(fd == "0" || fd == "1" || fd == "2" || fd == "3") << seen.out;
  EXPECT_LE(fds.size(), 4u) << seen.out;
}

TEST_F(ChildProcessTest, StdinIsDevNull) {
  EXPECT_EQ(RunToEnd(Options({"readlink", "/proc/self/fd/0"})).out, "/dev/null\n");
}

TEST_F(ChildProcessTest, EnvironmentIsExactlyWhatWasGiven) {
  SpawnOptions options = Options({"env"});
  options.env = {"PATH=/usr/bin:/bin", "FOO=bar baz", "EMPTY="};
  ASSERT_EQ(setenv("BERTH_TEST_PARENT_ONLY", "1", 1), 0);
  Observed seen = RunToEnd(options);
  unsetenv("BERTH_TEST_PARENT_ONLY");
  EXPECT_EQ(Lines(seen.out), options.env);
}

TEST_F(ChildProcessTest, ProgramIsLookedUpInThePathOfTheGivenEnvironment) {
  fs::path bin = dir_ / "bin";
  fs::create_directory(bin);
  std::string tool = (bin / "berth-test-tool").string();
  std::ofstream(tool) << "#!/bin/sh\necho from tool\n";
  ASSERT_EQ(chmod(tool.c_str(), 0755), 0);
  SpawnOptions options = Options({"berth-test-tool"});
  options.env = {"PATH=" + bin.string() + ":/usr/bin:/bin"};
  EXPECT_EQ(RunToEnd(options).out, "from tool\n");
}

TEST_F(ChildProcessTest, RunsInTheGivenDirectory) {
  SpawnOptions options = Options({"pwd"});
  options.cwd = dir_.string();
  EXPECT_EQ(RunToEnd(options).out, fs::canonical(dir_).string() + "\n");
}

TEST_F(ChildProcessTest, LargeOutputArrivesWhole) {
  Observed seen = RunToEnd(Options({"head", "-c", "300000", "/dev/zero"}));
  EXPECT_EQ(seen.out.size(), 300000u);
  EXPECT_EQ(seen.out_eofs, 1);
}

TEST_F(ChildProcessTest, ConcurrentChildrenGetTheirOwnStatuses) {
  Observed one, two, three;
  ASSERT_TRUE(Spawn(Options({"sh", "-c", "echo one; exit 1"}), &one).ok());
  ASSERT_TRUE(Spawn(Options({"sh", "-c", "echo two >&2; exit 2"}), &two).ok());
  ASSERT_TRUE(Spawn(Options({"sh", "-c", "exit 3"}), &three).ok());
  ASSERT_TRUE(
      RunUntil(&loop_, [&] { return one.finished() && two.finished() && three.finished(); }));
  EXPECT_EQ(ExitCodeOf(*one.wait_status), 1);
  EXPECT_EQ(ExitCodeOf(*two.wait_status), 2);
  EXPECT_EQ(ExitCodeOf(*three.wait_status), 3);
  EXPECT_EQ(one.out, "one\n");
  EXPECT_EQ(two.err, "two\n");
  EXPECT_EQ(three.out, "");
}

TEST_F(ChildProcessTest, DestroyingARunningChildSilencesItsCallbacks) {
  Observed seen;
  Result<ChildProcess*> child = Spawn(Options({"sh", "-c", "echo hi; exec sleep 30"}), &seen);
  ASSERT_TRUE(child.ok()) << child.status().message();
  pid_t pid = (*child)->pid();
  children_.clear();
  kill(-pid, SIGKILL);
  ASSERT_TRUE(RunUntilReaped());
  EXPECT_FALSE(seen.finished());
  EXPECT_EQ(seen.out_eofs, 0);
}

TEST(ChildReaperTest, HandsTheStatusToTheOwnerOfThePid) {
  EventLoop loop;
  ChildReaper reaper(&loop);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) _exit(7);
  std::optional<int> status;
  int after_reap = 0;
  reaper.set_after_reap([&] { ++after_reap; });
  reaper.Watch(pid, [&](int wait_status) {
    EXPECT_FALSE(status.has_value()) << "called twice";
    status = wait_status;
  });
  ASSERT_TRUE(RunUntil(&loop, [&] { return status.has_value(); }));
  EXPECT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 7);
  EXPECT_GE(after_reap, 1);
  EXPECT_TRUE(Reaped(pid));
}

TEST(ChildReaperTest, ForgottenAndUnownedChildrenAreReapedSilently) {
  EventLoop loop;
  ChildReaper reaper(&loop);
  pid_t forgotten = fork();
  ASSERT_GE(forgotten, 0);
  if (forgotten == 0) _exit(1);
  pid_t unowned = fork();
  ASSERT_GE(unowned, 0);
  if (unowned == 0) _exit(2);
  pid_t owned = fork();
  ASSERT_GE(owned, 0);
  if (owned == 0) _exit(3);
  bool forgotten_called = false;
  std::optional<int> owned_status;
  reaper.Watch(forgotten, [&](int) { forgotten_called = true; });
  reaper.Forget(forgotten);
  reaper.Watch(owned, [&](int wait_status) { owned_status = wait_status; });
  // All three are collected: none is left as a zombie.
  ASSERT_TRUE(RunUntil(
      &loop, [&] { return owned_status.has_value() && Reaped(forgotten) && Reaped(unowned); }));
  EXPECT_FALSE(forgotten_called);
  EXPECT_EQ(WEXITSTATUS(*owned_status), 3);
}

class FindProgramTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "berth-path-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string MakeFile(const std::string& relative, mode_t mode) {
    fs::path path = dir_ / relative;
    fs::create_directories(path.parent_path());
    std::ofstream(path) << "#!/bin/sh\n";
    EXPECT_EQ(chmod(path.c_str(), mode), 0);
    return path.string();
  }

  fs::path dir_;
};

TEST_F(FindProgramTest, SearchesThePathOfTheEnvironmentInOrder) {
  std::string first = MakeFile("a/tool", 0755);
  std::string second = MakeFile("b/tool", 0755);
  std::string path = "PATH=" + (dir_ / "a").string() + ":" + (dir_ / "b").string();
  EXPECT_EQ(FindProgram("tool", {"HOME=/x", path}), first);
  path = "PATH=" + (dir_ / "missing").string() + ":" + (dir_ / "b").string();
  EXPECT_EQ(FindProgram("tool", {path}), second);
}

TEST_F(FindProgramTest, SkipsFilesThatAreNotExecutableAndDirectories) {
  MakeFile("a/tool", 0644);
  fs::create_directories(dir_ / "b" / "tool");
  std::string good = MakeFile("c/tool", 0700);
  std::string path =
      "PATH=" + (dir_ / "a").string() + ":" + (dir_ / "b").string() + ":" + (dir_ / "c").string();
  EXPECT_EQ(FindProgram("tool", {path}), good);
}

TEST_F(FindProgramTest, NotFoundIsEmpty) {
  EXPECT_EQ(FindProgram("berth-no-such-program", {"PATH=" + dir_.string()}), "");
  EXPECT_EQ(FindProgram("berth-no-such-program", kEnv), "");
}

TEST_F(FindProgramTest, ANameWithASlashIsTakenAsIs) {
  EXPECT_EQ(FindProgram("/bin/sh", {"PATH=" + dir_.string()}), "/bin/sh");
  EXPECT_EQ(FindProgram("./run.sh", {"PATH=" + dir_.string()}), "./run.sh");
}

TEST_F(FindProgramTest, UsesTheGivenEnvironmentNotBerthsOwn) {
  EXPECT_EQ(FindProgram("sh", {"PATH=" + dir_.string()}), "");
  EXPECT_EQ(FindProgram("sh", {"PATH=/nonexistent:/bin"}), "/bin/sh");
  // Without a PATH at all, a standard one is used.
  EXPECT_FALSE(FindProgram("sh", {}).empty());
}

}  // namespace
}  // namespace berth
