// berthd: wires the store, the loop, the supervisor, the apps.d watcher, systemd and the API
// together.
#include <arpa/inet.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "handlers/api.h"
#include "handlers/audit_trail.h"
#include "proxy/certificates.h"
#include "proxy/http_proxy.h"
#include "proxy/nginx_manager.h"
#include "proxy/route_feed.h"
#include "reactor/atomic_file.h"
#include "reactor/child_reaper.h"
#include "reactor/event_loop.h"
#include "reactor/listeners.h"
#include "reactor/log.h"
#include "reactor/open_files.h"
#include "reactor/options.h"
#include "reactor/state_dir_lock.h"
#include "reactor/systemd.h"
#include "store/database.h"
#include "supervise/apps_directory.h"
#include "supervise/leftover_groups.h"
#include "supervise/provision.h"
#include "supervise/docker/docker_engine.h"
#include "supervise/supervisor.h"

namespace berth {
namespace {

// Unless --max-connections says otherwise: half the open-files limit, at most this many (each
// connection may hold a request body of up to 1 MiB while it is read).
constexpr size_t kDefaultMaxConnections = 4096;

std::string Env(const char* name) {
  const char* value = getenv(name);
  return value ? value : "";
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
  paths.runtime_dir =
      runtime.empty() ? paths.state_dir + "/run" : runtime.substr(0, runtime.find(':'));
  paths.apps_dir = options.config_dir + "/apps.d";
  unsigned char address[sizeof(struct in6_addr)];
  if (inet_pton(AF_INET, options.app_host.c_str(), address) != 1 &&
      inet_pton(AF_INET6, options.app_host.c_str(), address) != 1)
    return Status::Invalid(
        "--app-host (BERTH_APP_HOST) must be an IP address such as 127.0.0.1 "
        "or 0.0.0.0, not \"" +
        options.app_host + "\"");
  paths.app_host = options.app_host;
  if (Status s = docker::DockerEngine::CheckHost(options.docker_host); !s.ok())
    return Status::Invalid("--docker-host: " + s.message());
  paths.docker_host = options.docker_host;
  for (const std::string& dir :
       {paths.state_dir + "/apps", paths.runtime_dir, paths.runtime_dir + "/apps"})
    if (Status s = MakeDir(dir, 0711); !s.ok()) return s;
  return paths;
}

// Writes the bound addresses to <run>/listeners, atomically, for tools and tests.
void WriteListenersFile(const std::string& runtime_dir, const std::vector<std::string>& bound) {
  std::string contents;
  for (const auto& address : bound) contents += address + "\n";
  Status s =
      WriteFileAtomically(runtime_dir + "/listeners", contents, 0644, Durability::kProcessCrash);
  if (!s.ok()) LogWarn(s.message());
}

// The API's sockets: those systemd passed under the name "api", else the --listen addresses.
// Takes them out of `activated`.
Result<std::vector<Listener>> ApiListeners(const Options& options, const BerthPaths& paths,
                                           ActivatedSockets* activated) {
  std::vector<Listener> listeners;
  if (!activated->empty()) {
    std::string names;
    for (auto& [name, sockets] : *activated)
      names += (names.empty() ? "\"" : ", \"") + name + "\"";
    auto api = activated->find("api");
    if (api == activated->end())
      return Status::Invalid("systemd passed sockets named " + names +
                             " but none named \"api\"; set FileDescriptorName=api in the socket "
                             "unit");
    listeners = std::move(api->second);
    activated->erase(api);
    return listeners;
  }
  std::vector<std::string> addresses = options.listen;
  if (addresses.empty()) addresses = {"127.0.0.1:7070", "unix:" + paths.runtime_dir + "/api.sock"};
  return BindListeners(addresses);
}

// The built-in proxy's sockets named `name` ("proxy", "proxy-tls") that systemd passed, taken
// out of `activated`; else those of `addresses`.
Result<std::vector<Listener>> ProxyListeners(const std::vector<std::string>& addresses,
                                             const std::string& name,
                                             ActivatedSockets* activated) {
  if (auto it = activated->find(name); it != activated->end()) {
    std::vector<Listener> listeners = std::move(it->second);
    activated->erase(it);
    return listeners;
  }
  return BindListeners(addresses);
}

Status ServeApi(Api* api, std::vector<Listener> listeners, const BerthPaths& paths) {
  std::vector<std::string> bound;
  for (auto& listener : listeners) {
    if (Status s = api->Serve(listener.fd.get()); !s.ok()) return s;
    listener.fd.release();  // evhttp owns it now
    bound.push_back(listener.address);
  }
  WriteListenersFile(paths.runtime_dir, bound);
  std::string listening;
  for (const auto& address : bound) listening += (listening.empty() ? "" : ", ") + address;
  LogInfo(std::string("berthd ") + BERTH_VERSION + " listening on " + listening + "; state in " +
          paths.state_dir);
  return Status::Ok();
}

// The built-in proxy, when it has somewhere to listen (--proxy-listen, --proxy-tls-listen, or
// sockets systemd named "proxy" and "proxy-tls"); null when it has not. The addresses go to
// <run>/proxy-listeners as URLs, for tools and tests.
struct BuiltinProxy {
  std::unique_ptr<Certificates> certificates;  // with TLS listeners
  std::unique_ptr<HttpProxy> proxy;            // null when it has nowhere to listen
};

Result<BuiltinProxy> StartBuiltinProxy(const Options& options, const BerthPaths& paths,
                                       EventLoop* loop, RouteFeed* routes,
                                       ActivatedSockets* activated) {
  auto plain = ProxyListeners(options.proxy_listen, "proxy", activated);
  if (!plain.ok()) return plain.status();
  auto tls = ProxyListeners(options.proxy_tls_listen, "proxy-tls", activated);
  if (!tls.ok()) return tls.status();
  BuiltinProxy built;
  if (plain->empty() && tls->empty()) return built;
  ProxyOptions proxy_options;
  proxy_options.header_timeout_seconds = options.header_timeout;
  proxy_options.upstream_timeout_seconds = options.proxy_timeout;
  for (const std::string& text : options.trusted_proxies) {
    Network network;
    if (!ParseNetwork(text, &network))
      return Status::Invalid("--trusted-proxy must be an IP address or a network such as "
                             "10.0.0.0/8, not \"" + text + "\"");
    proxy_options.trusted_proxies.push_back(network);
  }
  proxy_options.acme_webroot =
      options.acme_webroot.empty() ? paths.state_dir + "/acme" : options.acme_webroot;
  if (!tls->empty()) {
    if (options.tls_dir.empty())
      return Status::Invalid("--proxy-tls-listen needs --tls-dir, the certificates' directory");
    char resolved[PATH_MAX];
    if (!realpath(options.tls_dir.c_str(), resolved))
      return Status::Invalid("--tls-dir " + options.tls_dir + ": " + strerror(errno));
    built.certificates = std::make_unique<Certificates>(loop, resolved);
    if (Status s = built.certificates->Start(); !s.ok()) return s;
  }
  built.proxy = std::make_unique<HttpProxy>(loop, routes, proxy_options);
  std::string urls;
  for (auto [listeners, scheme] : {std::pair{&*plain, "http://"}, std::pair{&*tls, "https://"}})
    for (Listener& listener : *listeners) {
      SSL_CTX* ctx = listeners == &*tls ? built.certificates->front() : nullptr;
      if (Status s = built.proxy->Serve(listener.fd.get(), ctx); !s.ok()) return s;
      listener.fd.release();  // the proxy owns it now
      urls += scheme + listener.address + "\n";
    }
  Status s = WriteFileAtomically(paths.runtime_dir + "/proxy-listeners", urls, 0644,
                                 Durability::kProcessCrash);
  if (!s.ok()) LogWarn(s.message());
  LogInfo("berthd: the proxy listens on " + urls.substr(0, urls.size() - 1));
  return built;
}

// Defines (or keeps, when unchanged) the apps named by SERVICES, SVC_<i>_* and SERVICE_A_*/B_*,
// at every start, as a container entrypoint expects.
void ProvisionFromEnv(Supervisor* supervisor) {
  std::map<std::string, std::string> env;
  for (char** entry = environ; *entry; ++entry) {
    std::string text = *entry;
    size_t eq = text.find('=');
    if (eq != std::string::npos) env[text.substr(0, eq)] = text.substr(eq + 1);
  }
  ProvisionResult result = ProvisionFromEnvironment(env);
  for (const std::string& error : result.errors) LogError("provisioning: " + error + "; skipped");
  for (AppSpec& spec : result.apps) {
    std::string name = spec.name;
    App* before = supervisor->Find(name);
    if (before && before->spec() == spec) continue;
    bool created = false;
    auto app = supervisor->Put(std::move(spec), &created);
    if (!app.ok())
      LogError("provisioning: app " + name + ": " + app.status().message() + "; skipped");
    else
      LogInfo("provisioning: app " + name + (created ? " defined" : " updated") +
              " from the environment");
  }
}

// Keeps systemd's STATUS= line in step with the apps, one update per loop turn at most.
void KeepStatusCurrent(EventLoop* loop, Supervisor* supervisor, SystemdNotifier* notifier) {
  if (!notifier->enabled()) return;
  auto queued = std::make_shared<bool>(false);
  auto update = [loop, supervisor, notifier, queued] {
    if (*queued) return;
    *queued = true;
    loop->Defer([supervisor, notifier, queued] {
      *queued = false;
      notifier->Status(supervisor->Summary());
    });
  };
  supervisor->bus().SubscribeTransitions([update](const TransitionEvent&) { update(); });
  supervisor->bus().SubscribeConfig([update](const ConfigEvent&) { update(); });
  notifier->Status(supervisor->Summary());
}

// nginx mode's options from berthd's, checked (before anything starts).
Result<NginxModeOptions> NginxModeOptionsFrom(const Options& options, const BerthPaths& paths) {
  NginxModeOptions nginx{.dir = options.nginx_dir,
                         .main_conf = options.nginx_conf,
                         .nginx = options.nginx,
                         .probe = options.nginx_probe,
                         .tls_dir = options.tls_dir};
  std::istringstream reload(options.nginx_reload);
  for (std::string arg; reload >> arg;) nginx.reload.push_back(arg);
  nginx.render.listen = options.nginx_listen;
  nginx.render.listen_tls = options.nginx_listen_tls;
  nginx.render.acme_webroot =
      options.acme_webroot.empty() ? paths.state_dir + "/acme" : options.acme_webroot;
  if (nginx.probe.empty()) nginx.probe = DefaultNginxProbe(options.nginx_listen);
  if (Status s = CheckNginxModeOptions(nginx); !s.ok()) return s;
  return nginx;
}

// nginx mode: an NginxManager that keeps nginx serving the routes `feed` follows.
Result<std::unique_ptr<NginxManager>> StartNginxMode(EventLoop* loop, ChildReaper* reaper,
                                                     RouteFeed* feed, NginxModeOptions options) {
  std::string dir = options.dir;
  auto manager = std::make_unique<NginxManager>(loop, reaper, feed, std::move(options));
  if (Status s = manager->Start(); !s.ok()) return s;
  LogInfo("berthd: nginx mode: routes go to " + dir + "/live/");
  return manager;
}

int Fail(const std::string& message) {
  LogError("berthd: " + message);
  return 1;
}

int Run(const Options& options) {
  LogLevel level;
  LogTarget target;
  if (!ParseLogLevel(options.log_level, &level) || !ParseLogTarget(options.log_target, &target)) {
    std::cerr << "berthd: --log-level must be debug, info, warn or error, and --log-target "
                 "auto, journal or stderr\n";
    return 2;
  }
  if (options.log_forward != "yes" && options.log_forward != "no") {
    std::cerr << "berthd: --log-forward must be yes or no\n";
    return 2;
  }
  SetLogLevel(level);
  SetLogTarget(target);
  SetLogForward(options.log_forward == "yes");
  umask(077);
  size_t open_files = RaiseOpenFilesLimit();
  IgnoreSignal(SIGPIPE);
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  auto paths = PreparePaths(options);
  if (!paths.ok()) return Fail(paths.status().message());
  Result<NginxModeOptions> nginx_options = NginxModeOptionsFrom(options, *paths);
  if (options.proxy == "nginx" && !nginx_options.ok())
    return Fail(nginx_options.status().message());
  auto lock = StateDirLock::Acquire(paths->state_dir);
  if (!lock.ok()) return Fail(lock.status().message());
  EndLeftoverGroups(ProcessGroupLedger::PathIn(paths->runtime_dir));
  auto db = Database::Open(paths->state_dir + "/berth.db");
  if (!db.ok()) return Fail(db.status().message());
  auto token = LoadAdminToken(paths->state_dir);
  if (!token.ok()) return Fail(token.status().message());

  EventLoop loop;
  // Watched from here on, though answered only once the loop runs, after every piece below is
  // in place: a SIGTERM that comes while berthd is still starting is a clean stop, not a
  // death. Ignored first, because the watchers' teardown gives each signal back the action it
  // had before them: one more SIGTERM from an impatient admin while berthd leaves must not
  // turn a clean exit into a death by signal, whichever thread it lands on.
  std::function<void()> shutdown;
  std::function<void()> reload;
  for (int signo : {SIGTERM, SIGINT, SIGHUP}) IgnoreSignal(signo);
  SignalWatcher sigterm(&loop, SIGTERM, [&] { shutdown(); });
  SignalWatcher sigint(&loop, SIGINT, [&] { shutdown(); });
  SignalWatcher sighup(&loop, SIGHUP, [&] { reload(); });
  SystemdNotifier notifier(&loop);
  ChildReaper reaper(&loop);
  Supervisor supervisor(&loop, &reaper, db->get(), *paths);
  if (Status s = supervisor.Load(); !s.ok()) return Fail(s.message());
  ProvisionFromEnv(&supervisor);
  AppsDirectory apps_dir(&loop, &supervisor, paths->apps_dir);
  apps_dir.Scan();
  if (auto file_apps = apps_dir.FileAppNames()) supervisor.ForgetStacksOfAppsGone(*file_apps);
  ApiOptions api_options;
  api_options.admin_token = *token;
  api_options.metrics_public = Env("BERTH_METRICS_PUBLIC") == "1";
  api_options.supervisor_api_key = Env("SUPERVISOR_API_KEY");
  if (int seconds = atoi(Env("BERTH_HTTP_TIMEOUT").c_str()); seconds > 0)
    api_options.idle_timeout_seconds = seconds;
  api_options.header_timeout_seconds = options.header_timeout;
  api_options.max_connections = options.max_connections;
  if (api_options.max_connections == 0)
    api_options.max_connections = std::min<size_t>(open_files / 2, kDefaultMaxConnections);
  AccountsOptions accounts_options;
  if (int seconds = atoi(Env("BERTH_SESSION_IDLE_SECONDS").c_str()); seconds > 0)
    accounts_options.session_idle_ms = int64_t{seconds} * 1000;
  Accounts accounts(&loop, db->get(), accounts_options);
  if (Status s = accounts.Load(); !s.ok()) return Fail(s.message());
  auto admin_password = LoadAdminPassword();
  if (!admin_password.ok()) return Fail(admin_password.status().message());
  if (!admin_password->empty()) {
    if (Status s = accounts.BootstrapAdmin(*admin_password); !s.ok()) return Fail(s.message());
  }
  AuditTrail audit_trail(&loop, db->get(), options.audit_days);
  Api api(&loop, &supervisor, &accounts, api_options);
  api.SetAuditTrail(&audit_trail);
  auto activated = TakeActivatedSockets();
  if (!activated.ok()) return Fail(activated.status().message());
  auto listeners = ApiListeners(options, *paths, &*activated);
  if (!listeners.ok()) return Fail(listeners.status().message());
  if (Status s = ServeApi(&api, std::move(listeners).value(), *paths); !s.ok())
    return Fail(s.message());
  RouteFeed routes(&loop, &supervisor);
  Result<BuiltinProxy> proxy = BuiltinProxy();
  if (options.proxy == "builtin")
    proxy = StartBuiltinProxy(options, *paths, &loop, &routes, &*activated);
  else if (!options.proxy_listen.empty() || !options.proxy_tls_listen.empty())
    return Fail("--proxy-listen and --proxy-tls-listen are for the built-in proxy, not with --proxy " +
                options.proxy);
  if (!proxy.ok()) return Fail(proxy.status().message());
  if (proxy->proxy) {
    api.SetProxyMetrics(&proxy->proxy->metrics());
    supervisor.SetTrafficDrain(proxy->proxy.get());
  }
  for (const auto& [name, sockets] : *activated)
    LogWarn("ignoring the sockets named \"" + name + "\" systemd passed");
  supervisor.StartAutostartApps();
  std::unique_ptr<NginxManager> nginx;
  if (options.proxy == "nginx") {
    auto started = StartNginxMode(&loop, &reaper, &routes, std::move(nginx_options).value());
    if (!started.ok()) return Fail(started.status().message());
    nginx = std::move(started).value();
    supervisor.SetTrafficDrain(nginx.get());
  }
  notifier.Ready();
  KeepStatusCurrent(&loop, &supervisor, &notifier);

  bool shutting_down = false;
  shutdown = [&] {
    if (shutting_down) return;
    shutting_down = true;
    notifier.Stopping();
    LogInfo("berthd: stopping every app");
    supervisor.StopAll([&] {
      LogInfo("berthd: every app stopped; exiting");
      api.CloseStreams([&] { loop.Exit(); });
    });
  };
  reload = [&] {
    if (shutting_down) return;
    notifier.Reloading();
    LogInfo("berthd: reloading: rescanning " + apps_dir.dir());
    apps_dir.Scan();
    notifier.Ready();
  };
  loop.Run();
  supervisor.SetTrafficDrain(nullptr);  // the proxy goes first
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
