// Tests of app isolation: default user names, directories, identities and the clean
// environment an app gets.
#include "supervise/isolation.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "reactor/child_reaper.h"
#include "reactor/event_loop.h"
#include "tests/unit/run_loop.h"

namespace berth {
namespace {

namespace fs = std::filesystem;

std::map<std::string, std::string> AsMap(const std::vector<std::string>& env) {
  std::map<std::string, std::string> out;
  for (const auto& entry : env) {
    size_t eq = entry.find('=');
    EXPECT_NE(eq, std::string::npos) << entry;
    EXPECT_EQ(out.count(entry.substr(0, eq)), 0u) << "twice: " << entry;
    out[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  return out;
}

AppSpec Spec(const std::string& name) {
  AppSpec spec;
  spec.name = name;
  spec.process()->command = {"true"};
  return spec;
}

AppDirs Dirs() { return {"/srv/home", "/run/berth/apps/web/tmp", "/run/berth/apps/web/cache"}; }

TEST(IsolationTest, DefaultUserName) {
  EXPECT_EQ(DefaultUserName("my-app"), "svc_my_app");
  EXPECT_EQ(DefaultUserName("web"), "svc_web");
  EXPECT_EQ(DefaultUserName("a-b-c"), "svc_a_b_c");
}

TEST(IsolationTest, EnvironmentHasTheAppsOwnDirectories) {
  auto env = AsMap(AppEnvironment(BerthPaths{}, Spec("web"), AppIdentity{}, Dirs()));
  ASSERT_TRUE(env.count("PATH"));
  EXPECT_NE(env["PATH"].find("/usr/bin"), std::string::npos);
  EXPECT_NE(env["PATH"].find("/bin"), std::string::npos);
  EXPECT_EQ(env["HOME"], "/srv/home");
  EXPECT_EQ(env["TMPDIR"], "/run/berth/apps/web/tmp");
  EXPECT_EQ(env["XDG_CACHE_HOME"], "/run/berth/apps/web/cache");
  EXPECT_EQ(env.count("PORT"), 0u);
}

TEST(IsolationTest, EnvironmentIsCleanNotInherited) {
  ASSERT_EQ(setenv("BERTH_TEST_LEAK", "leak", 1), 0);
  auto env = AsMap(AppEnvironment(BerthPaths{}, Spec("web"), AppIdentity{}, Dirs()));
  unsetenv("BERTH_TEST_LEAK");
  EXPECT_EQ(env.count("BERTH_TEST_LEAK"), 0u);
}

TEST(IsolationTest, EnvironmentHasPortWhenSet) {
  AppSpec spec = Spec("web");
  spec.process()->port = 8080;
  auto env = AsMap(AppEnvironment(BerthPaths{}, spec, AppIdentity{}, Dirs()));
  EXPECT_EQ(env["PORT"], "8080");
}

TEST(IsolationTest, EnvironmentHasTheHostToBind) {
  EXPECT_EQ(AsMap(AppEnvironment(BerthPaths{}, Spec("web"), AppIdentity{}, Dirs()))["HOST"],
            "127.0.0.1");
  BerthPaths paths;
  paths.app_host = "0.0.0.0";
  AppSpec spec = Spec("web");
  EXPECT_EQ(AsMap(AppEnvironment(paths, spec, AppIdentity{}, Dirs()))["HOST"], "0.0.0.0");
  spec.env = {{"HOST", "::1"}};
  EXPECT_EQ(AsMap(AppEnvironment(paths, spec, AppIdentity{}, Dirs()))["HOST"], "::1");
}

TEST(IsolationTest, EnvironmentHasUserWhenSwitching) {
  AppIdentity identity;
  identity.user = "svc_web";
  auto env = AsMap(AppEnvironment(BerthPaths{}, Spec("web"), identity, Dirs()));
  EXPECT_EQ(env["USER"], "svc_web");
}

TEST(IsolationTest, UserEnvAddsAndOverrides) {
  AppSpec spec = Spec("web");
  spec.process()->port = 8080;
  spec.env = {{"GREETING", "hello"}, {"PATH", "/opt/bin"}, {"HOME", "/h"}, {"PORT", "9"}};
  auto env = AsMap(AppEnvironment(BerthPaths{}, spec, AppIdentity{}, Dirs()));
  EXPECT_EQ(env["GREETING"], "hello");
  EXPECT_EQ(env["PATH"], "/opt/bin");
  EXPECT_EQ(env["HOME"], "/h");
  EXPECT_EQ(env["PORT"], "9");
  EXPECT_EQ(env["TMPDIR"], "/run/berth/apps/web/tmp");
}

TEST(IsolationTest, DirsForDefaultAndNamedDirectory) {
  BerthPaths paths{"/var/lib/berth", "/run/berth", false};
  AppDirs dirs = DirsFor(paths, Spec("web"));
  EXPECT_EQ(dirs.home, "/var/lib/berth/apps/web");
  EXPECT_EQ(dirs.tmp, "/run/berth/apps/web/tmp");
  EXPECT_EQ(dirs.cache, "/run/berth/apps/web/cache");
  AppSpec named = Spec("web");
  named.process()->directory = "/srv/web";
  EXPECT_EQ(DirsFor(paths, named).home, "/srv/web");
  EXPECT_EQ(DirsFor(paths, named).tmp, "/run/berth/apps/web/tmp");
}

TEST(IsolationTest, IdentityAsRootDefaultsToTheAppsOwnUser) {
  BerthPaths paths{"/s", "/r", true};
  AppIdentity identity = IdentityFor(paths, Spec("my-app"));
  EXPECT_EQ(identity.user, "svc_my_app");
  EXPECT_TRUE(identity.default_user);
  AppSpec named = Spec("my-app");
  named.process()->user = "www-data";
  identity = IdentityFor(paths, named);
  EXPECT_EQ(identity.user, "www-data");
  EXPECT_FALSE(identity.default_user);
}

TEST(IsolationTest, IdentityNotAsRootKeepsBerthsOwnUser) {
  BerthPaths paths{"/s", "/r", false};
  AppIdentity identity = IdentityFor(paths, Spec("web"));
  EXPECT_EQ(identity.user, "");
  EXPECT_FALSE(identity.default_user);
}

TEST(IsolationTest, LookupOfAMissingUserIsNotFound) {
  AppIdentity identity;
  identity.user = "no_such_user_berth_test";
  EXPECT_EQ(LookupIdentity(&identity).code(), Status::Code::kNotFound);
  AppIdentity none;
  EXPECT_TRUE(LookupIdentity(&none).ok());
  EXPECT_FALSE(none.uid.has_value());
}

class PrepareDirsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "berth-iso-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    paths_ = {(root_ / "state").string(), (root_ / "run").string(), false};
  }
  void TearDown() override { fs::remove_all(root_); }

  static mode_t ModeOf(const std::string& path) {
    struct stat st {};
    EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
    return st.st_mode & 07777;
  }

  fs::path root_;
  BerthPaths paths_;
};

TEST_F(PrepareDirsTest, CreatesBerthsDirectoriesWithTheirModes) {
  AppSpec spec = Spec("web");
  AppDirs dirs = DirsFor(paths_, spec);
  ASSERT_TRUE(PrepareDirs(paths_, spec, AppIdentity{}, dirs).ok());
  EXPECT_EQ(ModeOf(dirs.home), 0750u);
  EXPECT_EQ(ModeOf(dirs.tmp), 0700u);
  EXPECT_EQ(ModeOf(dirs.cache), 0700u);
  // Twice is fine.
  EXPECT_TRUE(PrepareDirs(paths_, spec, AppIdentity{}, dirs).ok());
}

TEST_F(PrepareDirsTest, LeavesANamedDirectoryAsItIs) {
  fs::path named = root_ / "mine";
  fs::create_directory(named);
  ASSERT_EQ(chmod(named.c_str(), 0755), 0);
  AppSpec spec = Spec("web");
  spec.process()->directory = named.string();
  ASSERT_TRUE(PrepareDirs(paths_, spec, AppIdentity{}, DirsFor(paths_, spec)).ok());
  EXPECT_EQ(ModeOf(named.string()), 0755u);
}

TEST_F(PrepareDirsTest, NamedDirectoryThatIsAFileIsInvalid) {
  fs::path file = root_ / "file";
  {
    FILE* f = fopen(file.c_str(), "w");
    ASSERT_NE(f, nullptr);
    fclose(f);
  }
  AppSpec spec = Spec("web");
  spec.process()->directory = file.string();
  Status status = PrepareDirs(paths_, spec, AppIdentity{}, DirsFor(paths_, spec));
  EXPECT_EQ(status.code(), Status::Code::kInvalid);
  EXPECT_EQ(status.field(), "directory");
}

// A command that says what useradd says when another program holds /etc/passwd's lock, the
// first `busy_runs` times it runs (counted in `counter`), then prints "ok".
std::vector<std::string> BusyThenOk(const std::string& counter, int busy_runs) {
  return {"/bin/sh", "-c",
          "n=$(cat " + counter + " 2>/dev/null || echo 0); echo $((n + 1)) > " + counter +
              "; if [ $n -lt " + std::to_string(busy_runs) +
              " ]; then echo 'useradd: lock /etc/passwd.lock already used by PID 1' >&2; "
              "echo 'useradd: cannot lock /etc/passwd; try again later.' >&2; exit 1; fi"};
}

class AdminCommandsTest : public PrepareDirsTest {
 protected:
  int Runs(const std::string& counter) {
    std::ifstream in(counter);
    int n = 0;
    in >> n;
    return n;
  }
  EventLoop loop_;
  ChildReaper reaper_{&loop_};
};

TEST_F(AdminCommandsTest, ACommandRefusedForABusyLockRunsAgainUntilItIsFree) {
  AdminCommands admin(&loop_, &reaper_);
  std::string counter = (root_ / "runs").string();
  std::vector<std::string> order;
  std::optional<Status> first, second;
  admin.Run(BusyThenOk(counter, 3), [&](Status s) {
    order.push_back("first");
    first = s;
  });
  admin.Run({"/bin/true"}, [&](Status s) {
    order.push_back("second");
    second = s;
  });
  ASSERT_TRUE(RunUntil(
      &loop_, [&] { return second.has_value(); }, 10000));
  EXPECT_TRUE(first->ok()) << first->message();
  EXPECT_EQ(Runs(counter), 4);
  EXPECT_EQ(order, (std::vector<std::string>{"first", "second"}))
      << "a waiting job keeps its place";
}

TEST_F(AdminCommandsTest, OtherFailuresAreReportedAtOnce) {
  AdminCommands admin(&loop_, &reaper_);
  std::optional<Status> done;
  admin.Run({"/bin/sh", "-c", "echo 'useradd: user svc_x exists' >&2; exit 9"},
            [&](Status s) { done = s; });
  ASSERT_TRUE(RunUntil(&loop_, [&] { return done.has_value(); }));
  EXPECT_FALSE(done->ok());
  EXPECT_NE(done->message().find("exited with code 9: useradd: user svc_x exists"),
            std::string::npos)
      << done->message();
}

TEST_F(AdminCommandsTest, ALockThatStaysBusyFailsAfterTheWait) {
  AdminCommands admin(&loop_, &reaper_, /*lock_wait_ms=*/300);
  std::string counter = (root_ / "runs").string();
  std::optional<Status> done;
  admin.Run(BusyThenOk(counter, 1000), [&](Status s) { done = s; });
  ASSERT_TRUE(RunUntil(
      &loop_, [&] { return done.has_value(); }, 10000));
  EXPECT_FALSE(done->ok());
  EXPECT_NE(done->message().find("cannot lock /etc/passwd; try again later."), std::string::npos)
      << done->message();
  EXPECT_GT(Runs(counter), 1);
}

TEST(IsolationTest, BusyLockMessagesOfTheShadowTools) {
  EXPECT_TRUE(SaysLockIsBusy("useradd: cannot lock /etc/passwd; try again later."));
  EXPECT_TRUE(SaysLockIsBusy("userdel: cannot lock /etc/group; try again later."));
  EXPECT_TRUE(SaysLockIsBusy("groupadd: unable to lock group file"));
  EXPECT_FALSE(SaysLockIsBusy("useradd: user 'svc_web' already exists"));
  EXPECT_FALSE(SaysLockIsBusy(""));
}

}  // namespace
}  // namespace berth
