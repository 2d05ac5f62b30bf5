// Black-box tests of berthd logging to a real systemd-journald (started by the test when none
// runs), read back with `journalctl -o json`: daemon lines with priority and code location, app
// lines with BERTH_APP/BERTH_STREAM, the journal chosen by itself when systemd's
// $JOURNAL_STREAM names its stderr, and --log-level (for app lines too).
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <cstring>

#include "tests/integration/berthd_harness.h"

namespace berth::testing {
namespace {

const char kJournalSocket[] = "/run/systemd/journal/socket";
const char kJournald[] = "/lib/systemd/systemd-journald";
const char kJournalctl[] = "/usr/bin/journalctl";

bool JournalAccepts() {
  Fd fd(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  strncpy(addr.sun_path, kJournalSocket, sizeof addr.sun_path - 1);
  return connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
}

// Starts a journald for the machine when none runs, and leaves it running: tests run in
// parallel processes, and one must not stop the journal another one is reading. A lock file
// keeps two of them from starting one each.
bool EnsureJournald() {
  Fd lock(open("/tmp/berth-test-journald.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (lock.get() < 0 || flock(lock.get(), LOCK_EX) != 0) return false;
  if (JournalAccepts()) return true;
  // Started through a shell that exits at once, so that journald outlives this test.
  CommandResult started = RunCommand(
      {"/bin/sh", "-c", std::string("setsid ") + kJournald + " </dev/null >/dev/null 2>&1 &"});
  return started.exit_code == 0 && WaitUntil(JournalAccepts);
}

class JournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(EnsureJournald()) << "no journald at " << kJournalSocket << " and none started";
  }
};

// The journal entries that match every "FIELD=value" in `matches`, as JSON objects.
std::vector<nlohmann::json> JournalEntries(const std::vector<std::string>& matches) {
  std::vector<std::string> argv = {kJournalctl, "-o", "json", "--no-pager", "-q"};
  argv.insert(argv.end(), matches.begin(), matches.end());
  CommandResult result = RunCommand(argv);
  std::vector<nlohmann::json> entries;
  size_t start = 0;
  while (start < result.out.size()) {
    size_t end = result.out.find('\n', start);
    if (end == std::string::npos) end = result.out.size();
    nlohmann::json entry =
        nlohmann::json::parse(result.out.substr(start, end - start), nullptr, false);
    if (entry.is_object()) entries.push_back(entry);
    start = end + 1;
  }
  return entries;
}

// Waits until an entry matching `matches` has a MESSAGE containing `needle`; returns it.
std::optional<nlohmann::json> WaitForEntry(const std::vector<std::string>& matches,
                                           const std::string& needle) {
  std::optional<nlohmann::json> found;
  WaitUntil(
      [&] {
        for (const nlohmann::json& entry : JournalEntries(matches))
          if (entry.value("MESSAGE", "").find(needle) != std::string::npos) found = entry;
        return found.has_value();
      },
      kDefaultTimeout, milliseconds(50));
  return found;
}

std::string Field(const nlohmann::json& entry, const std::string& name) {
  return entry.contains(name) && entry[name].is_string() ? entry[name].get<std::string>() : "";
}

TEST_F(JournalTest, DaemonAndAppLinesCarryTheirFields) {
  BerthdProcess berthd(BerthdProcess::Options{{}, {"--log-target", "journal"}});
  ASSERT_TRUE(berthd.Start());
  std::string pid = "_PID=" + std::to_string(berthd.pid());

  auto listening = WaitForEntry({pid, "SYSLOG_IDENTIFIER=berthd"}, "listening on");
  ASSERT_TRUE(listening);
  EXPECT_EQ("6", Field(*listening, "PRIORITY"));
  EXPECT_EQ("reactor/main.cc", Field(*listening, "CODE_FILE"));
  EXPECT_FALSE(Field(*listening, "CODE_LINE").empty());
  EXPECT_NE(std::string::npos, Field(*listening, "CODE_FUNC").find("ServeApi"));

  ASSERT_EQ(201, berthd
                     .Post("/v1/apps", ProcessApp("jr-app", Sh("echo jr-out; echo jr-err >&2; "
                                                               "exec sleep 1000")))
                     .status);
  auto out = WaitForEntry({pid, "BERTH_APP=jr-app"}, "jr-out");
  ASSERT_TRUE(out);
  EXPECT_EQ("jr-out", Field(*out, "MESSAGE"));
  EXPECT_EQ("stdout", Field(*out, "BERTH_STREAM"));
  EXPECT_EQ("6", Field(*out, "PRIORITY"));
  EXPECT_EQ("jr-app", Field(*out, "SYSLOG_IDENTIFIER"));
  auto err = WaitForEntry({pid, "BERTH_APP=jr-app", "BERTH_STREAM=stderr"}, "jr-err");
  ASSERT_TRUE(err);
  EXPECT_EQ("3", Field(*err, "PRIORITY"));

  // Nothing went to stderr but the harness's own banner.
  EXPECT_EQ(std::string::npos, berthd.StderrContents().find("jr-out"));
  EXPECT_EQ(std::string::npos, berthd.StderrContents().find("listening on"));
  // The ring still has the lines for the API.
  EXPECT_TRUE(berthd.WaitForLogLine("jr-app", "jr-err"));
}

TEST_F(JournalTest, LogLevelFiltersTheDaemonsOwnLines) {
  BerthdProcess berthd(
      BerthdProcess::Options{{}, {"--log-target", "journal", "--log-level", "warn"}});
  ASSERT_TRUE(berthd.Start());
  std::string pid = "_PID=" + std::to_string(berthd.pid());
  ASSERT_EQ(201, berthd
                     .Post("/v1/apps", ProcessApp("jr-quiet", Sh("echo jr-quiet-line; echo "
                                                                 "jr-quiet-err >&2; exec "
                                                                 "sleep 1000")))
                     .status);
  // App lines obey the level too: stderr lines (error) arrive, stdout lines (info) do not.
  ASSERT_TRUE(WaitForEntry({pid, "BERTH_APP=jr-quiet"}, "jr-quiet-err"));
  ASSERT_TRUE(berthd.WaitForLogLine("jr-quiet", "jr-quiet-line"));
  for (const nlohmann::json& entry : JournalEntries({pid, "BERTH_APP=jr-quiet"}))
    EXPECT_EQ("3", Field(entry, "PRIORITY")) << entry.dump();
  for (const nlohmann::json& entry : JournalEntries({pid, "SYSLOG_IDENTIFIER=berthd"}))
    EXPECT_LE(Field(entry, "PRIORITY"), "4") << entry.dump();
}

TEST_F(JournalTest, StderrConnectedToTheJournalIsRecognised) {
  // systemd-cat connects stdout and stderr to journald's stream socket, as systemd does for a
  // service; systemd also names that stream in $JOURNAL_STREAM, which the shell does here.
  BerthdProcess dirs;
  std::string script =
      "JOURNAL_STREAM=$(stat -L -c %d:%i /proc/$$/fd/2) exec \"$0\" --state-dir \"$1\" "
      "--config-dir \"$2\" --listen 127.0.0.1:0";
  std::vector<std::string> env = InheritedEnvironment();
  ApplyEnv(&env, {"BERTH_ADMIN_TOKEN=" + dirs.token()});
  Fd null(open("/dev/null", O_WRONLY | O_CLOEXEC));
  pid_t child = SpawnChild({"/usr/bin/systemd-cat", "-t", "jr-stream", "/bin/sh", "-c", script,
                            BERTHD_PATH, dirs.state_dir(), dirs.config_dir()},
                           env, null.get(), null.get());
  ASSERT_GT(child, 0);
  // systemd-cat execs the shell, which execs berthd: the pid stays the same.
  std::string pid = "_PID=" + std::to_string(child);
  auto listening = WaitForEntry({pid, "SYSLOG_IDENTIFIER=berthd"}, "listening on");
  EXPECT_TRUE(listening) << "berthd did not log to the journal by itself";
  if (listening) {
    EXPECT_EQ("journal", Field(*listening, "_TRANSPORT"));
  }
  kill(child, SIGTERM);
  int status = 0;
  waitpid(child, &status, 0);
  EXPECT_EQ(0, DecodeWaitStatus(status));
}

}  // namespace
}  // namespace berth::testing
