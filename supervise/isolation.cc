// Users, directories and environments of apps.
#include "supervise/isolation.h"

#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <cerrno>

#include "reactor/clock.h"
#include "reactor/log.h"

namespace berth {
namespace {

constexpr size_t kMaxUserName = 32;  // what useradd accepts
constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// mkdir -p giving the directories it creates exactly `mode`: berthd's umask (077) must not
// make a parent that the app's user cannot pass through.
Status MakeDirs(const std::string& path, mode_t mode) {
  auto make = [mode](const std::string& dir) {
    if (mkdir(dir.c_str(), mode) != 0) return errno == EEXIST ? 0 : errno;
    return chmod(dir.c_str(), mode) == 0 ? 0 : errno;
  };
  // Usually only the last part is missing, or nothing: try that first.
  if (make(path) == 0) return Status::Ok();
  for (size_t pos = 1; pos <= path.size(); ++pos) {
    if (pos != path.size() && path[pos] != '/') continue;
    std::string prefix = path.substr(0, pos);
    if (int error = make(prefix); error != 0)
      return Status::IOError("cannot create directory " + prefix + ": " + strerror(error));
  }
  return Status::Ok();
}

// Creates `path` (and parents) and gives it `mode` and the app's owner.
Status OwnedDir(const std::string& path, mode_t mode, const AppIdentity& identity) {
  // Already as it should be (the usual case on a restart): leave the inode alone.
  struct stat st {};
  if (lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == mode &&
      (!identity.uid || (st.st_uid == *identity.uid && st.st_gid == *identity.gid)))
    return Status::Ok();
  if (Status s = MakeDirs(path, 0711); !s.ok()) return s;
  if (identity.uid && chown(path.c_str(), *identity.uid, *identity.gid) != 0)
    return Status::IOError("cannot give " + path + " to " + identity.user + ": " + strerror(errno));
  if (chmod(path.c_str(), mode) != 0)
    return Status::IOError("cannot set the mode of " + path + ": " + strerror(errno));
  return Status::Ok();
}

// Users and directories are what a native process has. A compose app's source is fetched as
// a default user of its own, in the default dirs: as a process app without those fields.
const ProcessSpec& ProcessOf(const AppSpec& spec) {
  static const ProcessSpec kDefaults;
  assert(spec.process() || spec.compose());
  return spec.process() ? *spec.process() : kDefaults;
}

}  // namespace

std::string DefaultUserName(const std::string& app_name) {
  std::string user = "svc_" + app_name;
  for (char& c : user)
    if (c == '-') c = '_';
  if (user.size() <= kMaxUserName) return user;
  // Too long for useradd: keep a readable prefix and make it unique with a hash of the name.
  uint32_t hash = 2166136261u;  // FNV-1a
  for (char c : app_name) hash = (hash ^ static_cast<unsigned char>(c)) * 16777619u;
  char suffix[10];
  snprintf(suffix, sizeof suffix, "_%08x", hash);
  return user.substr(0, kMaxUserName - 9) + suffix;
}

AppDirs DirsFor(const BerthPaths& paths, const AppSpec& spec) {
  std::string run = paths.runtime_dir + "/apps/" + spec.name;
  const std::string& directory = ProcessOf(spec).directory;
  std::string home = directory.empty() ? paths.state_dir + "/apps/" + spec.name : directory;
  return {home, run + "/tmp", run + "/cache", run};
}

AppIdentity IdentityFor(const BerthPaths& paths, const AppSpec& spec) {
  AppIdentity identity;
  const std::string& user = ProcessOf(spec).user;
  if (!paths.as_root) {
    identity.user = user;  // must be berthd's own user; checked at lookup
    return identity;
  }
  identity.user = user.empty() ? DefaultUserName(spec.name) : user;
  identity.default_user = user.empty();
  return identity;
}

namespace {

struct CachedUser {
  uid_t uid;
  gid_t gid;
  std::vector<gid_t> groups;
};

// Identifies a version of a file: a change (or a replacement) of it changes this.
struct FileVersion {
  ino_t inode = 0;
  timespec mtime{};
  off_t size = 0;
  bool operator==(const FileVersion& o) const {
    return inode == o.inode && mtime.tv_sec == o.mtime.tv_sec && mtime.tv_nsec == o.mtime.tv_nsec &&
           size == o.size;
  }
};

FileVersion VersionOf(const char* path) {
  struct stat st {};
  if (stat(path, &st) != 0) return {};
  return {st.st_ino, st.st_mtim, st.st_size};
}

// Looks a user up in the user database (files, NSS).
std::optional<CachedUser> QueryUser(const std::string& user) {
  passwd pw{}, *found = nullptr;
  char buffer[4096];
  getpwnam_r(user.c_str(), &pw, buffer, sizeof buffer, &found);
  if (!found) return std::nullopt;
  int count = 64;
  std::vector<gid_t> groups(count);
  if (getgrouplist(found->pw_name, found->pw_gid, groups.data(), &count) < 0) {
    groups.resize(count);
    getgrouplist(found->pw_name, found->pw_gid, groups.data(), &count);
  }
  groups.resize(count);
  return CachedUser{found->pw_uid, found->pw_gid, std::move(groups)};
}

std::map<std::string, std::optional<CachedUser>>& UserCache() {
  static std::map<std::string, std::optional<CachedUser>> cache;
  return cache;
}

// Lookups are cached: berth's own useradd/userdel clear the cache, and edits by others are
// noticed within a second (/etc/passwd and /etc/group are looked at again at most that often).
std::optional<CachedUser> FindUser(const std::string& user) {
  constexpr int64_t kRecheckMs = 1000;
  static FileVersion passwd_version, group_version;
  static int64_t checked_at = -kRecheckMs;
  auto& cache = UserCache();
  if (int64_t now = MonotonicMs(); now - checked_at >= kRecheckMs) {
    checked_at = now;
    FileVersion passwd_now = VersionOf("/etc/passwd"), group_now = VersionOf("/etc/group");
    if (!(passwd_now == passwd_version) || !(group_now == group_version)) {
      cache.clear();
      passwd_version = passwd_now;
      group_version = group_now;
    }
  }
  auto it = cache.find(user);
  if (it != cache.end() && it->second) return it->second;
  return cache[user] = QueryUser(user);  // a miss is asked again: the user may be created
}

}  // namespace

Status LookupIdentity(AppIdentity* identity) {
  if (identity->user.empty()) return Status::Ok();
  auto found = FindUser(identity->user);
  if (!found) return Status::NotFound("user '" + identity->user + "' does not exist");
  if (geteuid() != 0) {
    if (found->uid != geteuid())
      return Status::Invalid(
          "berthd is not running as root, so it cannot run an app as user '" + identity->user + "'",
          "user");
    identity->user.clear();
    return Status::Ok();
  }
  identity->uid = found->uid;
  identity->gid = found->gid;
  identity->groups = found->groups;
  return Status::Ok();
}

Status PrepareDirs(const BerthPaths& paths, const AppSpec& spec, const AppIdentity& identity,
                   const AppDirs& dirs) {
  // A directory the admin named is used as it is; berth's own gets berth's modes.
  if (ProcessOf(spec).directory.empty()) {
    if (Status s = OwnedDir(dirs.home, 0750, identity); !s.ok()) return s;
  } else {
    struct stat st {};
    if (stat(dirs.home.c_str(), &st) != 0) {
      if (Status s = OwnedDir(dirs.home, 0750, identity); !s.ok()) return s;
    } else if (!S_ISDIR(st.st_mode)) {
      return Status::Invalid("directory " + dirs.home + " is not a directory", "directory");
    }
  }
  (void)paths;
  // Root's and passable (an earlier version left it 0700), so the app reaches its tmp and
  // cache, which only it can enter.
  if (!dirs.run.empty())
    if (Status s = OwnedDir(dirs.run, 0711, AppIdentity{}); !s.ok()) return s;
  if (Status s = OwnedDir(dirs.tmp, 0700, identity); !s.ok()) return s;
  return OwnedDir(dirs.cache, 0700, identity);
}

std::vector<std::string> AppEnvironment(const BerthPaths& paths, const AppSpec& spec,
                                        const AppIdentity& identity, const AppDirs& dirs) {
  std::map<std::string, std::string> env = {
      {"PATH", kDefaultPath},         {"HOME", dirs.home},      {"TMPDIR", dirs.tmp},
      {"XDG_CACHE_HOME", dirs.cache}, {"HOST", paths.app_host}, {"BERTH_APP", spec.name}};
  if (!identity.user.empty()) env["USER"] = env["LOGNAME"] = identity.user;
  if (const std::optional<int>& port = ProcessOf(spec).port) env["PORT"] = std::to_string(*port);
  for (const auto& [key, value] : spec.env) env[key] = value;
  for (const auto& [key, value] : spec.secrets) env[key] = value;
  std::vector<std::string> out;
  out.reserve(env.size());
  for (const auto& [key, value] : env) out.push_back(key + "=" + value);
  return out;
}

bool SaysLockIsBusy(const std::string& output) {
  return output.find("cannot lock ") != std::string::npos ||
         output.find("unable to lock ") != std::string::npos ||
         output.find("try again later") != std::string::npos;
}

void AdminCommands::Run(std::vector<std::string> argv, std::function<void(Status)> done) {
  queue_.push_back({std::move(argv), std::move(done)});
  if (!current_ && !retry_timer_.pending()) StartNext();
}

void AdminCommands::StartNext() {
  while (!queue_.empty() && !current_) {
    if (queue_.front().first_try_ms < 0) queue_.front().first_try_ms = MonotonicMs();
    SpawnOptions options;
    options.argv = queue_.front().argv;
    options.env = {std::string("PATH=") + kDefaultPath, "LC_ALL=C"};
    options.cwd = "/";
    options.umask = 022;
    output_.clear();
    auto child = ChildProcess::Spawn(
        loop_, reaper_, options,
        [this](OutputStream, std::string_view data, bool) {
          if (output_.size() < 4096) output_.append(data);
        },
        [this](int wait_status) { OnFinished(wait_status); });
    if (child.ok()) {
      current_ = std::move(child).value();
      return;
    }
    auto job = std::move(queue_.front());
    queue_.pop_front();
    job.done(child.status());
  }
}

void AdminCommands::OnFinished(int wait_status) {
  UserCache().clear();  // the command may have added or removed a user
  // The child calls us from its own callback: free it on the next loop turn.
  loop_->Defer([child = std::shared_ptr<ChildProcess>(std::move(current_))] {});
  while (!output_.empty() && output_.back() == '\n') output_.pop_back();
  Job& front = queue_.front();
  if (ExitCodeOf(wait_status) != 0 && SaysLockIsBusy(output_) &&
      MonotonicMs() - front.first_try_ms < lock_wait_ms_) {
    // Someone else is editing the user database: the job stays first and runs again soon.
    LogInfo(front.argv[0] + ": the user database is locked by another program (" +
            output_.substr(output_.rfind('\n') + 1) + "); trying again in " +
            std::to_string(front.retry_ms) + " ms");
    retry_timer_.Start(front.retry_ms);
    front.retry_ms = std::min(front.retry_ms * 2, kLongestRetryMs);
    return;
  }
  auto job = std::move(front);
  queue_.pop_front();
  if (ExitCodeOf(wait_status) == 0) {
    job.done(Status::Ok());
  } else {
    job.done(Status::Internal(job.argv[0] + " " + DescribeWaitStatus(wait_status) +
                              (output_.empty() ? "" : ": " + output_)));
  }
  StartNext();
}

}  // namespace berth

namespace berth {

const char* const kDefaultAppPath = kDefaultPath;

void EnsureAppUser(AdminCommands* admin, const BerthPaths& paths, const AppSpec& spec,
                   std::function<void(Result<AppIdentity>)> done) {
  AppIdentity identity = IdentityFor(paths, spec);
  Status found = LookupIdentity(&identity);
  if (found.ok()) return done(std::move(identity));
  if (found.code() != Status::Code::kNotFound || !identity.default_user) return done(found);
  AppDirs dirs = DirsFor(paths, spec);
  // A group of that name left behind (by a userdel that kept it, or by hand) becomes the
  // user's group rather than a reason to fail.
  bool group_exists = getgrnam(identity.user.c_str()) != nullptr;
  std::vector<std::string> useradd = {"useradd", "--system", "--no-create-home", "--home-dir",
                                      dirs.home, "--shell",  "/usr/sbin/nologin"};
  if (group_exists) {
    useradd.insert(useradd.end(), {"--gid", identity.user});
  } else {
    useradd.push_back("--user-group");
  }
  useradd.push_back(identity.user);
  admin->Run(useradd, [identity, done = std::move(done)](Status status) mutable {
    if (!status.ok()) return done(Status::IOError("cannot create user: " + status.message()));
    if (Status s = LookupIdentity(&identity); !s.ok()) return done(s);
    done(std::move(identity));
  });
}

}  // namespace berth
