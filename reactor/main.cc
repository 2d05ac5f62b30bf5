// berthd: wires the store, the loop, the supervisor and the API together.
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "handlers/api.h"
#include "reactor/child_reaper.h"
#include "reactor/event_loop.h"
#include "reactor/listeners.h"
#include "reactor/log.h"
#include "store/database.h"
#include "supervise/supervisor.h"

namespace berth {
namespace {

constexpr const char* kUsage =
    "usage: berthd [--state-dir DIR] [--config-dir DIR] [--listen ADDR]... "
    "[--log-level debug|info|warn|error]\n"
    "  ADDR is host:port, [v6]:port or unix:/path (repeatable; default 127.0.0.1:7070 and\n"
    "  unix:<runtime dir>/api.sock). Each flag also reads BERTH_STATE_DIR, BERTH_CONFIG_DIR,\n"
    "  BERTH_LISTEN (comma-separated) and BERTH_LOG_LEVEL.\n";

struct Options {
  std::string state_dir;
  std::string config_dir;
  std::vector<std::string> listen;
  std::string log_level = "info";
};

std::string Env(const char* name) {
  const char* value = getenv(name);
  return value ? value : "";
}

// systemd's *_DIRECTORY variables may list several paths; the first is ours.
std::string FirstPath(const std::string& list) { return list.substr(0, list.find(':')); }

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find_first_of(", ", start);
    if (end == std::string::npos) end = text.size();
    if (end > start) items.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return items;
}

// Fills `options` from flags, then the environment; false (with a message) on a bad flag.
bool ParseOptions(int argc, char** argv, Options* options, std::string* error) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i], value;
    size_t eq = arg.find('=');
    bool inline_value = arg.rfind("--", 0) == 0 && eq != std::string::npos;
    if (inline_value) value = arg.substr(eq + 1), arg = arg.substr(0, eq);
    if (arg == "--help" || arg == "-h") return std::cout << kUsage, exit(0), true;
    if (arg == "--version") return std::cout << "berthd " << BERTH_VERSION << "\n", exit(0), true;
    bool known =
        arg == "--state-dir" || arg == "--config-dir" || arg == "--listen" || arg == "--log-level";
    if (!known) return *error = "unknown option " + arg, false;
    if (!inline_value) {
      if (i + 1 >= argc) return *error = arg + " needs a value", false;
      value = argv[++i];
    }
    if (arg == "--state-dir") options->state_dir = value;
    if (arg == "--config-dir") options->config_dir = value;
    if (arg == "--listen") options->listen.push_back(value);
    if (arg == "--log-level") options->log_level = value;
  }
  if (!Env("STATE_DIRECTORY").empty()) options->state_dir = FirstPath(Env("STATE_DIRECTORY"));
  if (options->state_dir.empty()) options->state_dir = Env("BERTH_STATE_DIR");
  if (options->state_dir.empty()) options->state_dir = geteuid() == 0 ? "/var/lib/berth" : ".berth";
  if (options->config_dir.empty()) options->config_dir = Env("BERTH_CONFIG_DIR");
  if (options->config_dir.empty())
    options->config_dir = Env("CONFIGURATION_DIRECTORY").empty()
                              ? "/etc/berth"
                              : FirstPath(Env("CONFIGURATION_DIRECTORY"));
  if (options->listen.empty()) options->listen = SplitList(Env("BERTH_LISTEN"));
  if (!Env("BERTH_LOG_LEVEL").empty() && options->log_level == "info")
    options->log_level = Env("BERTH_LOG_LEVEL");
  return true;
}

Status MakeDir(const std::string& path, mode_t mode) {
  if (mkdir(path.c_str(), mode) != 0 && errno != EEXIST)
    return Status::IOError("cannot create " + path + ": " + strerror(errno));
  // Apps run as their own users and must be able to pass through to their directories.
  if (chmod(path.c_str(), mode) != 0)
    return Status::IOError("cannot set the mode of " + path + ": " + strerror(errno));
  return Status::Ok();
}

Result<BerthPaths> PreparePaths(const Options& options) {
  BerthPaths paths;
  paths.as_root = geteuid() == 0;
  if (Status s = MakeDir(options.state_dir, 0711); !s.ok()) return s;
  char resolved[PATH_MAX];
  if (!realpath(options.state_dir.c_str(), resolved))
    return Status::IOError("cannot resolve " + options.state_dir + ": " + strerror(errno));
  paths.state_dir = resolved;
  std::string runtime = Env("RUNTIME_DIRECTORY");
  paths.runtime_dir = runtime.empty() ? paths.state_dir + "/run" : FirstPath(runtime);
  for (const std::string& dir :
       {paths.state_dir + "/apps", paths.runtime_dir, paths.runtime_dir + "/apps"})
    if (Status s = MakeDir(dir, 0711); !s.ok()) return s;
  return paths;
}

// Writes the bound addresses to <run>/listeners, atomically, for tools and tests.
void WriteListenersFile(const std::string& runtime_dir, const std::vector<std::string>& bound) {
  std::string path = runtime_dir + "/listeners", tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    for (const auto& address : bound) out << address << "\n";
  }
  chmod(tmp.c_str(), 0644);
  rename(tmp.c_str(), path.c_str());
}

int Run(const Options& options) {
  LogLevel level;
  if (!ParseLogLevel(options.log_level, &level)) {
    std::cerr << "berthd: --log-level must be debug, info, warn or error\n";
    return 2;
  }
  SetLogLevel(level);
  umask(077);
  IgnoreSignal(SIGPIPE);
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  auto paths = PreparePaths(options);
  if (!paths.ok()) return LogError("berthd: " + paths.status().message()), 1;
  auto db = Database::Open(paths->state_dir + "/berth.db");
  if (!db.ok()) return LogError("berthd: " + db.status().message()), 1;
  auto token = LoadAdminToken(paths->state_dir);
  if (!token.ok()) return LogError("berthd: " + token.status().message()), 1;

  EventLoop loop;
  ChildReaper reaper(&loop);
  Supervisor supervisor(&loop, &reaper, db->get(), *paths);
  if (Status s = supervisor.Load(); !s.ok()) return LogError("berthd: " + s.message()), 1;
  ApiOptions api_options;
  api_options.admin_token = *token;
  api_options.metrics_public = Env("BERTH_METRICS_PUBLIC") == "1";
  if (int seconds = atoi(Env("BERTH_HTTP_TIMEOUT").c_str()); seconds > 0)
    api_options.idle_timeout_seconds = seconds;
  Api api(&loop, &supervisor, api_options);

  std::vector<std::string> addresses = options.listen;
  if (addresses.empty()) addresses = {"127.0.0.1:7070", "unix:" + paths->runtime_dir + "/api.sock"};
  std::vector<std::string> bound;
  for (const auto& address : addresses) {
    auto listener = BindListener(address);
    if (!listener.ok()) return LogError("berthd: " + listener.status().message()), 1;
    if (Status s = api.Serve(listener->fd.get()); !s.ok())
      return LogError("berthd: " + s.message()), 1;
    listener->fd.release();  // evhttp owns it now
    bound.push_back(listener->address);
  }
  WriteListenersFile(paths->runtime_dir, bound);
  std::string listening;
  for (const auto& address : bound) listening += (listening.empty() ? "" : ", ") + address;
  LogInfo(std::string("berthd ") + BERTH_VERSION + " listening on " + listening + "; state in " +
          paths->state_dir);
  supervisor.StartAutostartApps();

  bool shutting_down = false;
  auto shutdown = [&] {
    if (shutting_down) return;
    shutting_down = true;
    LogInfo("berthd: stopping every app");
    supervisor.StopAll([&] {
      LogInfo("berthd: every app stopped; exiting");
      api.CloseStreams();
      loop.Exit();
    });
  };
  SignalWatcher sigterm(&loop, SIGTERM, shutdown);
  SignalWatcher sigint(&loop, SIGINT, shutdown);
  loop.Run();
  return 0;
}

}  // namespace
}  // namespace berth

int main(int argc, char** argv) {
  // Children get their pipes as fds 1 and 2: those numbers must not be free for pipe2().
  int fd;
  while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2) {
  }
  if (fd > 2) close(fd);
  berth::Options options;
  std::string error;
  if (!berth::ParseOptions(argc, argv, &options, &error)) {
    std::cerr << "berthd: " << error << "\n" << berth::kUsage;
    return 2;
  }
  return berth::Run(options);
}
