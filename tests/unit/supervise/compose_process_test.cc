// Tests of ComposeProcess with a stand-in for the Compose tool (a shell script): the command
// line it gets, the stack's variables in its environment, lines as they come, the last stderr
// line as the reason, and ResolveComposeFile.
#include "supervise/compose_process.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "reactor/child_reaper.h"
#include "tests/unit/run_loop.h"

namespace berth {
namespace {

namespace fs = std::filesystem;

class ComposeProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("compose-process-" + std::to_string(getpid()));
    fs::create_directories(dir_);
    spec_.name = "shop";
    ComposeSpec compose;
    compose.variables["NETWORK_ID"] = "core";
    spec_.secrets["DB_PASSWORD"] = "hunter2";
    spec_.part = compose;
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A tool that prints its arguments and two variables, then fails on stderr.
  ComposeInvocation Invocation() {
    std::string script =
        "echo \"args: $*\"; echo \"vars: $NETWORK_ID $DB_PASSWORD\"; echo pulling >&2; "
        "echo 'service web: bad image' >&2; exit 3";
    return {ComposeTool{{"/bin/sh", "-c", script, "compose"}, "stand-in"},
            "unix:///var/run/docker.sock", dir_.string(), "compose.yaml"};
  }

  EventLoop loop_;
  ChildReaper reaper_{&loop_};
  fs::path dir_;
  AppSpec spec_;
};

TEST_F(ComposeProcessTest, RunsTheToolWithTheVariablesAndReportsTheLastError) {
  std::vector<std::string> out, err;
  std::optional<int> status;
  std::string reason;
  auto run = ComposeProcess::Start(
      &loop_, &reaper_, spec_, Invocation(), {"up", "-d"},
      [&](OutputStream stream, std::string_view line) {
        (stream == OutputStream::kStdout ? out : err).emplace_back(line);
      },
      [&](int wait_status, const std::string& last_error) {
        status = wait_status;
        reason = last_error;
      });
  ASSERT_TRUE(run.ok()) << run.status().message();
  ASSERT_TRUE(RunUntil(&loop_, [&] { return status.has_value(); }));
  EXPECT_EQ(WEXITSTATUS(*status), 3);
  EXPECT_EQ(reason, "service web: bad image");
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0], "args: --project-name berth-shop --project-directory " + dir_.string() +
                        " -f " + dir_.string() + "/compose.yaml up -d");
  EXPECT_EQ(out[1], "vars: core hunter2");
  EXPECT_EQ(err.size(), 2u);
}

TEST_F(ComposeProcessTest, DestroyingItInsideDoneIsSafe) {
  std::unique_ptr<ComposeProcess> run;
  bool done = false;
  auto started = ComposeProcess::Start(&loop_, &reaper_, spec_, Invocation(), {"ps"}, nullptr,
                                       [&](int, const std::string&) {
                                         run.reset();
                                         done = true;
                                       });
  ASSERT_TRUE(started.ok());
  run = std::move(started).value();
  ASSERT_TRUE(RunUntil(&loop_, [&] { return done; }));
  EXPECT_EQ(run, nullptr);
}

TEST_F(ComposeProcessTest, ResolvesTheNamedFileOrTheFirstDefault) {
  ComposeSpec compose;
  EXPECT_EQ(ResolveComposeFile(compose, dir_.string()).status().code(), Status::Code::kNotFound);
  std::ofstream(dir_ / "docker-compose.yml") << "services: {}\n";
  std::ofstream(dir_ / "compose.yaml") << "services: {}\n";
  EXPECT_EQ(ResolveComposeFile(compose, dir_.string()).value(), "compose.yaml");
  compose.file = "docker-compose.yml";
  EXPECT_EQ(ResolveComposeFile(compose, dir_.string()).value(), "docker-compose.yml");
  compose.file = "stack/missing.yml";
  Result<std::string> missing = ResolveComposeFile(compose, dir_.string());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("stack/missing.yml"), std::string::npos);
}

}  // namespace
}  // namespace berth
