// Black-box tests of app isolation when berthd runs as root: one system user per app, private
// directories, and purge removing both.
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <sstream>

#include "tests/integration/berthd_harness.h"

namespace berth::testing {
namespace {

class IsolationTest : public BerthdTest {
 protected:
  void SetUp() override {
    if (!IsRoot()) GTEST_SKIP() << "isolation needs berthd to run as root";
    BerthdTest::SetUp();
  }
};

struct UserInfo {
  uid_t uid;
  gid_t gid;
  std::string shell;
  std::string home;
};

std::optional<UserInfo> LookUpUser(const std::string& name) {
  passwd* pw = getpwnam(name.c_str());
  if (pw == nullptr) return std::nullopt;
  return UserInfo{pw->pw_uid, pw->pw_gid, pw->pw_shell, pw->pw_dir};
}

// "/proc/<pid>/status" Uid:/Gid: lines as the four ids each carries.
std::vector<long> StatusIds(pid_t pid, const std::string& key) {
  std::istringstream status(ReadFile("/proc/" + std::to_string(pid) + "/status"));
  std::string line;
  std::vector<long> ids;
  while (std::getline(status, line)) {
    if (line.rfind(key + ":", 0) != 0) continue;
    std::istringstream in(line.substr(key.size() + 1));
    long id;
    while (in >> id) ids.push_back(id);
  }
  return ids;
}

// Value of `NAME=` in the app's printed environment.
std::string EnvFromLogs(const nlohmann::json& logs, const std::string& name) {
  for (const std::string& line : LogLines(logs)) {
    if (line.rfind(name + "=", 0) == 0) return line.substr(name.size() + 1);
  }
  return "";
}

::testing::AssertionResult IsPrivateDir(const std::string& path, uid_t owner, mode_t mode) {
  struct stat st {};
  if (path.empty()) return ::testing::AssertionFailure() << "no path";
  if (stat(path.c_str(), &st) != 0) return ::testing::AssertionFailure() << path << " missing";
  if (!S_ISDIR(st.st_mode)) return ::testing::AssertionFailure() << path << " not a directory";
  if (st.st_uid != owner) {
    return ::testing::AssertionFailure() << path << " owned by " << st.st_uid << " not " << owner;
  }
  if ((st.st_mode & 07777) != mode) {
    char modes[64];
    snprintf(modes, sizeof modes, "0%o not 0%o", st.st_mode & 07777, mode);
    return ::testing::AssertionFailure() << path << " has mode " << modes;
  }
  return ::testing::AssertionSuccess();
}

TEST_F(IsolationTest, AppRunsAsItsOwnSystemUserWithPrivateDirs) {
  ASSERT_EQ(
      201,
      berthd().Post("/v1/apps", ProcessApp("iso-own-user", Sh("env; exec sleep 1000"))).status);
  auto running = berthd().WaitForState("iso-own-user", "running");
  ASSERT_TRUE(running) << berthd().LastSeen();
  pid_t pid = static_cast<pid_t>(AppPid(*running));
  if (running->contains("user")) {
    EXPECT_EQ("svc_iso_own_user", (*running)["user"]);
  }

  auto user = LookUpUser("svc_iso_own_user");
  ASSERT_TRUE(user) << "user svc_iso_own_user was not created";
  EXPECT_NE(0u, user->uid);
  EXPECT_LT(user->uid, 1000u) << "expected a system user";
  EXPECT_TRUE(user->shell.find("nologin") != std::string::npos || user->shell == "/bin/false")
      << "login shell " << user->shell;
  for (long id : StatusIds(pid, "Uid")) EXPECT_EQ(static_cast<long>(user->uid), id);
  for (long id : StatusIds(pid, "Gid")) EXPECT_EQ(static_cast<long>(user->gid), id);
  EXPECT_EQ(static_cast<long>(user->uid), ProcessUid(pid));

  EXPECT_TRUE(IsPrivateDir(berthd().app_dir("iso-own-user"), user->uid, 0750));
  auto logs = berthd().WaitForLogLine("iso-own-user", "XDG_CACHE_HOME=");
  ASSERT_TRUE(logs) << berthd().LastSeen();
  std::string tmpdir = EnvFromLogs(*logs, "TMPDIR");
  std::string cache = EnvFromLogs(*logs, "XDG_CACHE_HOME");
  EXPECT_TRUE(IsPrivateDir(tmpdir, user->uid, 0700)) << "TMPDIR";
  EXPECT_TRUE(IsPrivateDir(cache, user->uid, 0700)) << "XDG_CACHE_HOME";
  EXPECT_NE(tmpdir, cache);
  EXPECT_FALSE(EnvFromLogs(*logs, "HOME").empty());
}

TEST_F(IsolationTest, AppWritesToItsOwnTmpAndCacheAndNoOtherAppCanEnterThem) {
  // From inside, as the app's user: mktemp in $TMPDIR, a file under $XDG_CACHE_HOME.
  ASSERT_EQ(201, berthd()
                     .Post("/v1/apps", ProcessApp("iso-tmp-own",
                                                  Sh("f=$(mktemp) && echo \"made $f\"; "
                                                     "mkdir -p \"$XDG_CACHE_HOME/c\" && "
                                                     "touch \"$XDG_CACHE_HOME/c/f\" && "
                                                     "echo cache written; exec sleep 1000")))
                     .status);
  auto made = berthd().WaitForLogLine("iso-tmp-own", "cache written");
  ASSERT_TRUE(made) << berthd().LastSeen();
  std::string run = berthd().state_dir() + "/run/apps/iso-tmp-own";
  bool made_in_tmp = false;
  for (const std::string& line : LogLines(*made))
    made_in_tmp |= line.rfind("made " + run + "/tmp/", 0) == 0;
  EXPECT_TRUE(made_in_tmp) << made->dump();

  // Another app's user gets into neither.
  std::string peek = "for d in " + run + "/tmp " + run +
                     "/cache; do if ls \"$d\" >/dev/null 2>&1; then echo \"entered $d\"; "
                     "else echo \"refused $d\"; fi; done; exec sleep 1000";
  ASSERT_EQ(201, berthd().Post("/v1/apps", ProcessApp("iso-tmp-peek", Sh(peek))).status);
  auto peeked = berthd().WaitForLogLine("iso-tmp-peek", "/cache");
  ASSERT_TRUE(peeked) << berthd().LastSeen();
  for (const std::string& line : LogLines(*peeked))
    EXPECT_EQ(0u, line.rfind("refused ", 0)) << line;
}

TEST_F(IsolationTest, ANamedDirectoryWhoseParentsAreMissingIsReachable) {
  // The parents berth creates must let the app's user pass, whatever berthd's umask.
  std::string dir = berthd().root_dir() + "/srv/deep/web";
  ASSERT_EQ(201, berthd()
                     .Post("/v1/apps", ProcessApp("iso-deep-dir",
                                                  Sh("touch here && echo \"wrote in $(pwd)\"; "
                                                     "exec sleep 1000"),
                                                  {{"directory", dir}}))
                     .status);
  auto logs = berthd().WaitForLogLine("iso-deep-dir", "wrote in " + dir);
  EXPECT_TRUE(logs) << berthd().LastSeen();
}

TEST_F(IsolationTest, TwoAppsGetDifferentUsers) {
  for (const char* name : {"iso-first", "iso-second"}) {
    ASSERT_EQ(201, berthd().Post("/v1/apps", ProcessApp(name, Sh("exec sleep 1000"))).status);
  }
  auto first = berthd().WaitForState("iso-first", "running");
  ASSERT_TRUE(first) << berthd().LastSeen();
  auto second = berthd().WaitForState("iso-second", "running");
  ASSERT_TRUE(second) << berthd().LastSeen();
  long uid_first = ProcessUid(static_cast<pid_t>(AppPid(*first)));
  long uid_second = ProcessUid(static_cast<pid_t>(AppPid(*second)));
  EXPECT_NE(uid_first, uid_second);
  EXPECT_NE(0, uid_first);
  EXPECT_NE(0, uid_second);
}

TEST_F(IsolationTest, AGroupLeftBehindBecomesTheUsersGroup) {
  CommandResult group = RunUserTool({"/usr/sbin/groupadd", "--system", "svc_iso_leftover"});
  ASSERT_EQ(0, group.exit_code) << group.Describe();
  ASSERT_EQ(201,
            berthd().Post("/v1/apps", ProcessApp("iso-leftover", Sh("exec sleep 1000"))).status);
  auto running = berthd().WaitForState("iso-leftover", "running");
  EXPECT_TRUE(running) << berthd().LastSeen();
  auto user = LookUpUser("svc_iso_leftover");
  ASSERT_TRUE(user);
  if (running) {
    for (long id : StatusIds(static_cast<pid_t>(AppPid(*running)), "Gid"))
      EXPECT_EQ(static_cast<long>(user->gid), id);
  }
  // The harness removes the users berth made; the group goes with it or here.
  RunUserTool({"/usr/sbin/groupdel", "svc_iso_leftover"});
}

// Holds /etc/passwd's lock the way the shadow tools take it: /etc/passwd.lock, made by link()
// so that nobody else's is overwritten, naming a live process (this one).
class PasswdLock {
 public:
  PasswdLock() : temp_("/etc/passwd." + std::to_string(getpid())) {
    WriteFile(temp_, std::to_string(getpid()));
    held_ = WaitUntil([&] { return link(temp_.c_str(), kLock) == 0; }, milliseconds(30000));
  }
  ~PasswdLock() { Release(); }
  bool held() const { return held_; }
  void Release() {
    if (held_) unlink(kLock);
    held_ = false;
    unlink(temp_.c_str());
  }

 private:
  static constexpr const char* kLock = "/etc/passwd.lock";
  std::string temp_;
  bool held_ = false;
};

// useradd gives up at once when another program holds the lock ("cannot lock /etc/passwd;
// try again later"): berthd tries again until the lock is free rather than failing the app.
TEST_F(IsolationTest, AUserDatabaseLockedByAnotherProgramIsWaitedFor) {
  // The user must be created now: one left by an interrupted run would skip useradd.
  if (LookUpUser("svc_iso_locked")) {
    CommandResult removed = RunUserTool({"/usr/sbin/userdel", "svc_iso_locked"});
    ASSERT_EQ(0, removed.exit_code) << removed.Describe();
  }
  PasswdLock lock;
  ASSERT_TRUE(lock.held());
  ASSERT_EQ(201, berthd().Post("/v1/apps", ProcessApp("iso-locked", Sh("exec sleep 1000"))).status);
  EXPECT_TRUE(WaitUntil([&] {
    return berthd().StderrContents().find(
               "useradd: the user database is locked by another program") != std::string::npos;
  })) << berthd().StderrContents();
  EXPECT_EQ("starting", AppState(berthd().Get("/v1/apps/iso-locked").json()));
  lock.Release();
  auto running = berthd().WaitForState("iso-locked", "running");
  ASSERT_TRUE(running) << berthd().LastSeen();
  EXPECT_TRUE(LookUpUser("svc_iso_locked"));
}

TEST_F(IsolationTest, RootOnlyWhenWritten) {
  ASSERT_EQ(201,
            berthd()
                .Post("/v1/apps", ProcessApp("iso-root", Sh("exec sleep 1000"), {{"user", "root"}}))
                .status);
  auto running = berthd().WaitForState("iso-root", "running");
  ASSERT_TRUE(running) << berthd().LastSeen();
  EXPECT_EQ(0, ProcessUid(static_cast<pid_t>(AppPid(*running))));
}

TEST_F(IsolationTest, ExplicitExistingUserIsUsed) {
  auto nobody = LookUpUser("nobody");
  if (!nobody) GTEST_SKIP() << "no user nobody";
  ASSERT_EQ(201, berthd()
                     .Post("/v1/apps",
                           ProcessApp("iso-nobody", Sh("exec sleep 1000"), {{"user", "nobody"}}))
                     .status);
  auto running = berthd().WaitForState("iso-nobody", "running");
  ASSERT_TRUE(running) << berthd().LastSeen();
  EXPECT_EQ(static_cast<long>(nobody->uid), ProcessUid(static_cast<pid_t>(AppPid(*running))));
}

TEST_F(IsolationTest, PurgeRemovesDirectoryAndUser) {
  ASSERT_EQ(201, berthd().Post("/v1/apps", ProcessApp("iso-purge", Sh("exec sleep 1000"))).status);
  auto running = berthd().WaitForState("iso-purge", "running");
  ASSERT_TRUE(running) << berthd().LastSeen();
  std::string dir = berthd().app_dir("iso-purge");
  ASSERT_EQ(0, access(dir.c_str(), F_OK));
  ASSERT_TRUE(LookUpUser("svc_iso_purge"));

  HttpResponse deleted = berthd().Delete("/v1/apps/iso-purge?purge=true");
  ASSERT_EQ(204, deleted.status) << deleted.Describe();
  EXPECT_TRUE(WaitUntil([&] { return access(dir.c_str(), F_OK) != 0; })) << dir << " remains";
  EXPECT_TRUE(WaitUntil([&] { return !LookUpUser("svc_iso_purge"); }))
      << "user svc_iso_purge remains";
  EXPECT_EQ(404, berthd().Get("/v1/apps/iso-purge").status);
}

TEST_F(IsolationTest, DeleteWithoutPurgeKeepsTheDirectory) {
  ASSERT_EQ(201, berthd().Post("/v1/apps", ProcessApp("iso-keep", Sh("exec sleep 1000"))).status);
  ASSERT_TRUE(berthd().WaitForState("iso-keep", "running")) << berthd().LastSeen();
  ASSERT_EQ(204, berthd().Delete("/v1/apps/iso-keep").status);
  EXPECT_EQ(0, access(berthd().app_dir("iso-keep").c_str(), F_OK));
}

TEST_F(IsolationTest, RestartAfterACrashRemakesAMissingDirectory) {
  // Directories are made when the app is defined; one removed since is made again before the
  // next start, with its modes and owner.
  ASSERT_EQ(201, berthd().Post("/v1/apps", ProcessApp("iso-remake", Sh("exec sleep 1000"))).status);
  auto running = berthd().WaitForState("iso-remake", "running");
  ASSERT_TRUE(running) << berthd().LastSeen();
  long pid = AppPid(*running);
  uid_t owner = static_cast<uid_t>(ProcessUid(static_cast<pid_t>(pid)));
  std::string tmp = berthd().state_dir() + "/run/apps/iso-remake/tmp";
  ASSERT_TRUE(IsPrivateDir(tmp, owner, 0700));
  ASSERT_EQ(0, rmdir(tmp.c_str()));
  ASSERT_EQ(0, kill(static_cast<pid_t>(pid), SIGKILL));
  ASSERT_TRUE(berthd().WaitForNewPid("iso-remake", pid)) << berthd().LastSeen();
  EXPECT_TRUE(IsPrivateDir(tmp, owner, 0700));
}

TEST_F(IsolationTest, LongestNameStillGetsAUser) {
  // svc_ + 32 characters is longer than useradd's usual 32-character limit.
  std::string name = "iso-" + std::string(27, 'x') + "z";
  ASSERT_EQ(32u, name.size());
  HttpResponse created = berthd().Post("/v1/apps", ProcessApp(name, Sh("exec sleep 1000")));
  ASSERT_EQ(201, created.status) << created.Describe();
  auto running = berthd().WaitForState(name, "running");
  ASSERT_TRUE(running) << berthd().LastSeen();
  long uid = ProcessUid(static_cast<pid_t>(AppPid(*running)));
  EXPECT_NE(0, uid) << "must not fall back to root";
}

}  // namespace
}  // namespace berth::testing
