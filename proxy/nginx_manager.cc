// nginx mode's transactions: render, test, swap, reload, probe, restore (see nginx_manager.h).
#include "proxy/nginx_manager.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "reactor/atomic_file.h"
#include "reactor/clock.h"
#include "reactor/log.h"

extern char** environ;

namespace berth {
namespace {

constexpr size_t kMaxNginxOutput = 4096;
constexpr long kProbeRetryMs = 100;
constexpr long kNginxTimeoutMs = 60000;
constexpr long kFirstRetryMs = 10000;
constexpr long kMaxRetryMs = 600000;
// How long a drain still waits once nginx serves a set without the old instance: its old
// workers finish what their clients send until the master's signal reaches them.
constexpr long kOldWorkersMs = 1000;

bool IsFile(const std::string& path) {
  struct stat info {};
  return stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

std::vector<std::string> Environment() {
  std::vector<std::string> env;
  for (char** entry = environ; *entry; ++entry) env.emplace_back(*entry);
  return env;
}

std::string Trimmed(std::string text) {
  while (!text.empty() && isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  size_t start = 0;
  while (start < text.size() && isspace(static_cast<unsigned char>(text[start]))) ++start;
  return text.substr(start);
}

// The host files of a set, without the http-level file (which holds the set's label).
std::vector<NginxFile> Sites(const std::vector<NginxFile>& files) {
  std::vector<NginxFile> sites;
  for (const NginxFile& file : files)
    if (file.name != kNginxHttpFile) sites.push_back(file);
  return sites;
}

// A name a request to `host` can carry: a wildcard's "*" becomes a label.
std::string ProbeHostName(const std::string& host) {
  return host.rfind("*.", 0) == 0 ? "berth-probe" + host.substr(1) : host;
}

Status CheckPath(const std::string& path, const char* flag, bool required) {
  if (path.empty() && !required) return Status::Ok();
  if (path.empty() || path[0] != '/' || !IsNginxSafeToken(path))
    return Status::Invalid(std::string(flag) +
                           " must be an absolute path without spaces, quotes or any of ;{}$#\\ "
                           "(got \"" +
                           path + "\")");
  return Status::Ok();
}

Status CheckListen(const std::string& listen, const char* flag) {
  bool ok = !listen.empty();
  for (char c : listen)
    ok = ok && (isalnum(static_cast<unsigned char>(c)) || c == '.' || c == ':' || c == '[' ||
                c == ']' || c == '*' || c == '-');
  if (!ok)
    return Status::Invalid(std::string(flag) +
                           " must be an nginx listen address such as 80, 127.0.0.1:8080 or "
                           "[::]:443 (got \"" +
                           listen + "\")");
  return Status::Ok();
}

}  // namespace

std::string DefaultNginxProbe(const std::string& listen) {
  std::string address = "*", port = "80";
  size_t colon = listen.rfind(':');
  if (listen.find_first_not_of("0123456789") == std::string::npos)
    port = listen;
  else if (colon != std::string::npos && listen.find(']', colon) == std::string::npos)
    address = listen.substr(0, colon), port = listen.substr(colon + 1);
  else
    address = listen;
  if (address == "*" || address == "0.0.0.0" || address == "[::]") address = "127.0.0.1";
  return "http://" + address + ":" + port;
}

Status CheckNginxModeOptions(const NginxModeOptions& options) {
  if (Status s = CheckPath(options.dir, "--nginx-dir", true); !s.ok()) return s;
  if (Status s = CheckPath(options.main_conf, "--nginx-conf", true); !s.ok()) return s;
  if (Status s = CheckPath(options.tls_dir, "--tls-dir", false); !s.ok()) return s;
  if (Status s = CheckPath(options.render.acme_webroot, "--acme-webroot", false); !s.ok()) return s;
  if (Status s = CheckListen(options.render.listen, "--nginx-listen"); !s.ok()) return s;
  if (Status s = CheckListen(options.render.listen_tls, "--nginx-listen-tls"); !s.ok()) return s;
  if (options.nginx.empty()) return Status::Invalid("--nginx must name the nginx binary");
  if (options.probe.rfind("http://", 0) != 0 && options.probe.rfind("https://", 0) != 0)
    return Status::Invalid("--nginx-probe must be a URL such as http://127.0.0.1:80 (got \"" +
                           options.probe + "\")");
  return Status::Ok();
}

const char* NginxManager::to_string(Phase phase) {
  switch (phase) {
    case Phase::kIdle:
      return "idle";
    case Phase::kTesting:
      return "testing";
    case Phase::kReloading:
      return "reloading";
    case Phase::kProbing:
      return "probing";
    case Phase::kRestoring:
      return "restoring";
  }
  return "?";
}

NginxManager::NginxManager(EventLoop* loop, ChildReaper* reaper, RouteFeed* feed,
                           NginxModeOptions options)
    : loop_(loop),
      reaper_(reaper),
      feed_(feed),
      options_(std::move(options)),
      store_(options_.dir),
      child_timer_(loop,
                   [this] {
                     child_timed_out_ = true;
                     if (child_) child_->SignalGroup(SIGKILL);
                   }),
      probe_timer_(loop, [this] { SendProbe(); }),
      retry_timer_(loop, [this] { Apply(); }),
      retry_ms_(kFirstRetryMs),
      tls_watcher_(loop, [this](const std::string& name) {
        // A file the live set names was renewed: only a reload makes nginx read it again. A
        // new one (or one gone) changes the set itself.
        if (name.empty() || name.ends_with(".pem") || name.ends_with(".key"))
          Apply(!name.empty() && Names(options_.tls_dir + "/" + name));
      }) {
  if (options_.reload.empty()) options_.reload = {options_.nginx, "-s", "reload"};
  while (!options_.probe.empty() && options_.probe.back() == '/') options_.probe.pop_back();
}

NginxManager::~NginxManager() = default;

Status NginxManager::Start() {
  if (Status s = store_.Prepare(); !s.ok()) return s;
  // nginx's workers read the webroot: readable by all.
  const std::string& webroot = options_.render.acme_webroot;
  if (!webroot.empty() &&
      ((mkdir(webroot.c_str(), 0755) != 0 && errno != EEXIST) || chmod(webroot.c_str(), 0755) != 0))
    LogWarn("nginx mode: cannot create the ACME webroot " + webroot + ": " + strerror(errno));
  LiveNginxSet live = store_.ReadLive();
  last_good_.number = live.number;
  last_good_.files = std::move(live.intact);  // what of it berth wrote; edited files are out
  CheckLive();
  feed_->Subscribe([this] { Apply(); });
  if (!options_.tls_dir.empty()) {
    if (Status s = tls_watcher_.Watch(options_.tls_dir); !s.ok())
      LogWarn("nginx mode: new certificates in " + options_.tls_dir +
              " are used only at the next change of routes: " + s.message());
  }
  Apply();
  return Status::Ok();
}

void NginxManager::SetPhase(Phase phase) {
  LogDebug(std::string("nginx mode: ") + to_string(phase_) + " -> " + to_string(phase));
  phase_ = phase;
}

void NginxManager::Apply(bool reload) {
  if (phase_ != Phase::kIdle) {
    queued_ = true;
    queued_reload_ = queued_reload_ || reload;
    return;
  }
  bool intact = CheckLive();
  candidate_ = Render(0);
  // nginx serves these routes already (a change undone, a retry after one): nothing to do.
  if (!reload && intact && Sites(candidate_.files) == Sites(last_good_.files) &&
      !last_good_.files.empty()) {
    ClearErrors();
    return ReportLeftOut();
  }
  candidate_ = Render(store_.Reserve());
  Compare();
  if (Status s = store_.Write(candidate_.number, candidate_.files); !s.ok())
    return store_.Remove(candidate_.number), Fail(s.message());
  auto test_config = WriteTestConfig();
  if (!test_config.ok())
    return store_.Remove(candidate_.number), Fail(test_config.status().message());
  SetPhase(Phase::kTesting);
  RunNginx({options_.nginx, "-t", "-q", "-c", *test_config},
           [this, path = *test_config](const Status& status) {
             unlink(path.c_str());
             OnTested(status);
           });
}

// Reports each file of the live set that differs from what berth wrote, once.
bool NginxManager::CheckLive() {
  LiveNginxSet live = store_.ReadLive();
  for (const std::string& path : live.tampered) {
    if (!reported_tampered_.insert(path).second) continue;
    std::string error = path +
                        " differs from what berth wrote (edited, added or removed by "
                        "hand); berth replaces it and never reloads it as it is";
    LogWarn("nginx mode: " + error);
    feed_->supervisor()->bus().Publish(ProxyEvent{
        .app = "", .action = "tampered", .error = error, .file = path, .ts_ms = WallClockMs()});
  }
  return live.tampered.empty();
}

std::pair<std::string, std::string> NginxManager::CertificateFor(const std::string& host) const {
  if (options_.tls_dir.empty()) return {};
  std::vector<std::string> names = {host};
  // "*.example.com.pem" also covers "api.example.com".
  if (size_t dot = host.find('.'); host[0] != '*' && dot != std::string::npos)
    names.push_back("*" + host.substr(dot));
  for (const std::string& name : names) {
    std::string base = options_.tls_dir + "/" + name;
    if (IsFile(base + ".pem") && IsFile(base + ".key")) return {base + ".pem", base + ".key"};
  }
  return {};
}

NginxManager::RenderedSet NginxManager::Render(int number) const {
  Supervisor* supervisor = feed_->supervisor();
  std::map<std::string, std::string> left_out;
  std::vector<NginxSite> sites = CollectNginxSites(
      feed_->table(),
      [supervisor](const RouteEntry& entry) {
        App* app = supervisor->Find(entry.app);
        return app ? app->Endpoints(entry.route) : std::vector<std::string>{};
      },
      [this](const std::string& host) { return CertificateFor(host); }, &left_out);
  NginxRenderOptions render = options_.render;
  render.set_label = std::to_string(number);
  RenderedSet set;
  set.left_out = std::move(left_out);
  set.number = number;
  set.files = RenderNginxSet(sites, render);
  for (const NginxSite& site : sites) {
    std::string file = NginxFileName(site.host);
    set.host_of[file] = site.host;
    for (const NginxRoute& route : site.routes) set.apps_of[file].insert(route.app);
  }
  return set;
}

void NginxManager::Compare() {
  std::map<std::string, std::string> before, after;
  for (const NginxFile& file : Sites(last_good_.files)) before[file.name] = file.text;
  for (const NginxFile& file : Sites(candidate_.files)) after[file.name] = file.text;
  changed_apps_.clear();
  probe_host_.clear();
  for (const auto& [name, text] : after) {
    auto it = before.find(name);
    if (it != before.end() && it->second == text) continue;
    for (const std::string& app : candidate_.apps_of[name]) changed_apps_.insert(app);
    if (probe_host_.empty()) probe_host_ = candidate_.host_of[name];
  }
  for (const auto& [name, text] : before)
    if (!after.count(name))
      for (const std::string& app : last_good_.apps_of[name]) changed_apps_.insert(app);
  if (probe_host_.empty() && !candidate_.host_of.empty())
    probe_host_ = candidate_.host_of.begin()->second;
}

// A copy of nginx's main config with the live set's include pointing at the candidate, beside
// the original so that its relative paths (include mime.types;) resolve the same way.
Result<std::string> NginxManager::WriteTestConfig() const {
  std::ifstream in(options_.main_conf, std::ios::binary);
  if (!in) return Status::IOError("cannot read " + options_.main_conf + ": " + strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  std::string config = text.str();
  std::string live = store_.LivePath() + "/";
  std::string candidate = store_.SetPath(candidate_.number) + "/";
  size_t found = 0;
  for (size_t at = 0; (at = config.find(live, at)) != std::string::npos; at += candidate.size()) {
    config.replace(at, live.size(), candidate);
    ++found;
  }
  if (found == 0)
    return Status::Invalid(options_.main_conf + " does not include " + live +
                           "*.conf: add `include " + live + "*.conf;` to its http block");
  std::string path = options_.main_conf + ".berth-test";
  if (Status s = WriteFileAtomically(path, config, 0644, Durability::kProcessCrash); !s.ok())
    return s;
  return path;
}

void NginxManager::RunNginx(std::vector<std::string> argv, ChildDone done) {
  child_output_.clear();
  child_timed_out_ = false;
  SpawnOptions spawn{.argv = argv, .env = Environment(), .cwd = "/", .umask = 022};
  auto finish = [this, alive = std::weak_ptr<int>(alive_), done](const Status& status) {
    // Not from inside the child's own callback: the child goes away first.
    loop_->Defer([this, alive, done, status] {
      if (alive.expired()) return;
      child_timer_.Stop();
      child_.reset();
      done(status);
    });
  };
  auto child = ChildProcess::Spawn(
      loop_, reaper_, spawn,
      [this](OutputStream, std::string_view data, bool) {
        if (child_output_.size() < kMaxNginxOutput)
          child_output_.append(data.substr(0, kMaxNginxOutput - child_output_.size()));
      },
      [this, finish, argv](int wait_status) {
        if (WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0) return finish(Status::Ok());
        std::string output = Trimmed(child_output_);
        std::string how =
            child_timed_out_ ? "did not end within " + std::to_string(kNginxTimeoutMs / 1000) + " s"
                             : DescribeWaitStatus(wait_status);
        finish(Status::Unavailable("`" + argv[0] + (argv.size() > 1 ? " " + argv[1] : "") + "…` " +
                                   how + (output.empty() ? "" : ": " + output)));
      });
  if (!child.ok()) return finish(child.status());
  child_ = std::move(child).value();
  child_timer_.Start(kNginxTimeoutMs);
}

void NginxManager::OnTested(const Status& status) {
  if (!status.ok()) {
    store_.Remove(candidate_.number);
    return Fail(
        "nginx refused the new configuration, which is not live (nginx serves the "
        "last good one): " +
        status.message());
  }
  if (Status s = store_.MakeLive(candidate_.number); !s.ok()) {
    store_.Remove(candidate_.number);
    return Fail(s.message());
  }
  reported_tampered_.clear();
  SetPhase(Phase::kReloading);
  RunNginx(options_.reload, [this](const Status& s) { OnReloaded(s); });
}

void NginxManager::OnReloaded(const Status& status) {
  if (!status.ok()) return Restore("reloading nginx failed: " + status.message());
  if (probe_host_.empty()) return Succeed();
  SetPhase(Phase::kProbing);
  probe_deadline_ms_ = MonotonicMs() + options_.probe_timeout_ms;
  probe_answer_ = "no answer yet";
  SendProbe();
}

void NginxManager::SendProbe() {
  HttpRequest request{.url = options_.probe + kNginxSetPath,
                      .headers = {"Host: " + ProbeHostName(probe_host_)},
                      .timeout_ms = 2000,
                      .connect_timeout_ms = 1000,
                      .max_body = 4096,
                      .fresh_connection = true};
  probe_call_ = feed_->supervisor()->http().Send(
      std::move(request), [this](Result<HttpResponse> response) { OnProbed(std::move(response)); });
}

void NginxManager::OnProbed(Result<HttpResponse> response) {
  std::string label = std::to_string(candidate_.number);
  if (response.ok() && response->status == 200 && Trimmed(response->body) == label)
    return Succeed();
  if (!response.ok())
    probe_answer_ = response.status().message();
  else
    probe_answer_ = "it answered " + std::to_string(response->status) + " \"" +
                    Trimmed(response->body).substr(0, 80) + "\"";
  if (MonotonicMs() < probe_deadline_ms_) return probe_timer_.Start(kProbeRetryMs);
  Restore("nginx did not serve the new configuration (set " + label + ") within " +
          std::to_string(options_.probe_timeout_ms) + " ms of the reload, asked for " +
          ProbeHostName(probe_host_) + " at " + options_.probe + ": " + probe_answer_ +
          "; nginx's error log says why");
}

void NginxManager::Succeed() {
  store_.RemoveAllBut(candidate_.number);
  ClearErrors();
  ReportLeftOut();
  last_good_ = candidate_;
  LogInfo("nginx mode: nginx serves " + store_.SetPath(candidate_.number));
  feed_->supervisor()->bus().Publish(
      ProxyEvent{.app = "", .action = "applied", .error = "", .file = "", .ts_ms = WallClockMs()});
  Finish();
}

void NginxManager::ClearErrors() {
  for (const std::string& name : apps_with_error_)
    if (App* app = feed_->supervisor()->Find(name)) app->SetProxyError("");
  apps_with_error_.clear();
  retry_timer_.Stop();
  retry_ms_ = kFirstRetryMs;
}

void NginxManager::ReportLeftOut() {
  for (const auto& [name, why] : candidate_.left_out) {
    App* app = feed_->supervisor()->Find(name);
    if (!app) continue;
    app->SetProxyError(why);
    apps_with_error_.insert(name);
    if (reported_left_out_.insert(name + "\n" + why).second)
      LogWarn("nginx mode: app " + name + ": " + why);
  }
}

void NginxManager::Restore(const std::string& error) {
  failure_ = error;
  RenderedSet restored = last_good_;
  restored.number = store_.Reserve();
  Status s = store_.Write(restored.number, restored.files);
  if (s.ok()) s = store_.MakeLive(restored.number);
  if (!s.ok()) return OnRestored(s);
  store_.Remove(candidate_.number);
  last_good_.number = restored.number;
  SetPhase(Phase::kRestoring);
  RunNginx(options_.reload, [this](const Status& status) { OnRestored(status); });
}

void NginxManager::OnRestored(const Status& status) {
  Fail(failure_ +
       (status.ok() ? "; the last good configuration is live again"
                    : "; restoring the last good configuration failed too: " + status.message()));
}

void NginxManager::Fail(const std::string& error) {
  LogError("nginx mode: " + error + "; trying again in " + std::to_string(retry_ms_ / 1000) +
           " s or at the next change");
  retry_timer_.Start(retry_ms_);
  retry_ms_ = std::min(retry_ms_ * 2, kMaxRetryMs);
  EventBus& bus = feed_->supervisor()->bus();
  for (const std::string& name : changed_apps_) {
    App* app = feed_->supervisor()->Find(name);
    if (!app) continue;
    app->SetProxyError(error);
    apps_with_error_.insert(name);
    bus.Publish(ProxyEvent{
        .app = name, .action = "failed", .error = error, .file = "", .ts_ms = WallClockMs()});
  }
  if (changed_apps_.empty())
    bus.Publish(ProxyEvent{
        .app = "", .action = "failed", .error = error, .file = "", .ts_ms = WallClockMs()});
  Finish();
}

void NginxManager::Drain(const std::vector<std::string>& endpoints, int seconds,
                         std::function<void()> done) {
  DrainWait& wait = drains_.emplace_back();
  wait.id = next_drain_++;
  wait.endpoints = endpoints;
  wait.done = std::move(done);
  auto check = [this, alive = std::weak_ptr<int>(alive_)](uint64_t expired) {
    loop_->Defer([this, alive, expired] {
      if (!alive.expired()) CheckDrains(expired);
    });
  };
  wait.deadline = std::make_unique<Timer>(loop_, [check, id = wait.id] { check(id); });
  wait.deadline->Start(seconds * 1000L);
  check(0);
}

bool NginxManager::Names(const std::string& path) const {
  for (const NginxFile& file : last_good_.files)
    if (file.text.find(" " + path + ";\n") != std::string::npos) return true;
  return false;
}

bool NginxManager::Serves(const std::vector<std::string>& endpoints) const {
  for (const NginxFile& file : last_good_.files)
    for (const std::string& endpoint : endpoints)
      if (file.text.find("  server " + endpoint + ";\n") != std::string::npos) return true;
  return false;
}

void NginxManager::CheckDrains(uint64_t expired) {
  for (auto it = drains_.begin(); it != drains_.end();) {
    if (it->id != expired && (it->settling || phase_ != Phase::kIdle || Serves(it->endpoints))) {
      ++it;
      continue;
    }
    if (it->id != expired) {
      // nginx's master tells its old workers to finish 100 ms after the new ones started, and
      // until then they pass their keep-alive clients' requests on as the old set says.
      it->settling = true;
      it->deadline->Start(kOldWorkersMs);
      ++it;
      continue;
    }
    loop_->Defer(std::move(it->done));
    it = drains_.erase(it);
  }
}

void NginxManager::Finish() {
  SetPhase(Phase::kIdle);
  if (!drains_.empty()) CheckDrains();
  if (!queued_) return;
  queued_ = false;
  loop_->Defer([this, reload = std::exchange(queued_reload_, false),
                alive = std::weak_ptr<int>(alive_)] {
    if (!alive.expired()) Apply(reload);
  });
}

}  // namespace berth
