// Isolation of an app: the UNIX user it runs as (a system user svc_<name> created on demand
// when berthd is root) and its private directories. These are what a native process has:
// REQUIRES of every function taking an AppSpec: a process app (spec.process()).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "reactor/child_process.h"
#include "reactor/event_loop.h"
#include "supervise/app_spec.h"

namespace berth {

// Where berth keeps its files. Set once at start-up.
struct BerthPaths {
  std::string state_dir;    // berth.db, apps/<name>/
  std::string runtime_dir;  // api.sock, apps/<name>/{tmp,cache}
  bool as_root = false;
  std::string apps_dir = {};           // <config>/apps.d: apps defined by files
  std::string app_host = "127.0.0.1";  // HOST in every app's environment: where to bind
  std::string docker_host = "unix:///var/run/docker.sock";  // the Engine, for container apps
};

struct AppIdentity {
  std::string user;           // empty: berthd's own user, no switch
  bool default_user = false;  // berth's own svc_<name>, created (and purged) by berth
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;
  std::vector<gid_t> groups;
};

struct AppDirs {
  std::string home;  // the working directory
  std::string tmp;
  std::string cache;
  std::string run;  // <runtime>/apps/<name>, holding tmp and cache
};

// svc_<name> with dashes turned into underscores; a name too long for a user name (over 32)
// keeps its first 23 characters and ends in "_" and 8 hex digits of a hash of the app name.
std::string DefaultUserName(const std::string& app_name);
AppDirs DirsFor(const BerthPaths& paths, const AppSpec& spec);
// Which user the app runs as, before lookup.
AppIdentity IdentityFor(const BerthPaths& paths, const AppSpec& spec);
// Fills uid/gid/groups from the user database. NotFound when the user does not exist.
Status LookupIdentity(AppIdentity* identity);
// Creates the app's directories with their modes and owners (home 0750 when berth owns it,
// tmp and cache 0700).
Status PrepareDirs(const BerthPaths& paths, const AppSpec& spec, const AppIdentity& identity,
                   const AppDirs& dirs);
// The clean environment of an app: PATH, HOME, TMPDIR, XDG_CACHE_HOME, USER, HOST (paths'
// app_host), PORT, then env.
std::vector<std::string> AppEnvironment(const BerthPaths& paths, const AppSpec& spec,
                                        const AppIdentity& identity, const AppDirs& dirs);

// The PATH apps get unless their env sets one.
extern const char* const kDefaultAppPath;

class AdminCommands;
// Looks the app's user up and, when it is berth's own svc_<name> and missing, creates it first
// (through `admin`); `done` gets the identity or a message fit for the app's last_error.
void EnsureAppUser(AdminCommands* admin, const BerthPaths& paths, const AppSpec& spec,
                   std::function<void(Result<AppIdentity>)> done);

// Runs administrative commands (useradd, userdel, rm -rf) one at a time, in children, so that
// two of berth's own never fight over /etc/passwd's lock and the loop never waits on them.
// A command refused because another program holds the lock (an admin's useradd, a package's
// adduser) is run again after a short wait, for up to a minute, as a person would.
class AdminCommands {
 public:
  static constexpr long kLockWaitMs = 60 * 1000;
  static constexpr long kFirstRetryMs = 50;
  static constexpr long kLongestRetryMs = 2000;

  AdminCommands(EventLoop* loop, ChildReaper* reaper, long lock_wait_ms = kLockWaitMs)
      : loop_(loop),
        reaper_(reaper),
        lock_wait_ms_(lock_wait_ms),
        retry_timer_(loop, [this] { StartNext(); }) {}
  // `done` gets Ok, or an error quoting the command's output.
  void Run(std::vector<std::string> argv, std::function<void(Status)> done);

 private:
  struct Job {
    std::vector<std::string> argv;
    std::function<void(Status)> done;
    int64_t first_try_ms = -1;
    long retry_ms = kFirstRetryMs;
  };
  void StartNext();
  void OnFinished(int wait_status);

  EventLoop* loop_;
  ChildReaper* reaper_;
  long lock_wait_ms_;
  std::deque<Job> queue_;
  std::unique_ptr<ChildProcess> current_;
  std::string output_;
  Timer retry_timer_;  // pending while the front job waits for a lock held by someone else
};

// True when a shadow tool's output says it gave up because another program held the lock of
// /etc/passwd, /etc/shadow, /etc/group or /etc/gshadow ("cannot lock ...; try again later.").
bool SaysLockIsBusy(const std::string& output);

}  // namespace berth
