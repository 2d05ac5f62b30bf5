// NginxManager: nginx mode. Follows the routing table and keeps nginx serving it, one
// transaction per change: render the whole set into a new directory, `nginx -t` a copy of
// nginx's main config that includes the candidate instead of the live set, swap `live` to it,
// reload nginx, and probe through nginx that it serves the new set; on any failure the last
// good set goes back and nginx reloads it. Failures reach the apps' status (proxy_error) and
// /v1/events with nginx's own message. Nothing blocks the loop: nginx runs as a child process
// and the probe goes through berthd's HttpClient.
#pragma once

#include <list>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "proxy/nginx_config.h"
#include "proxy/nginx_set_store.h"
#include "proxy/route_feed.h"
#include "reactor/child_process.h"
#include "reactor/directory_watcher.h"
#include "reactor/http_client.h"
#include "supervise/traffic_drain.h"

namespace berth {

struct NginxModeOptions {
  std::string dir = "/etc/nginx/berth";             // the managed directory (absolute)
  std::string main_conf = "/etc/nginx/nginx.conf";  // includes <dir>/live/*.conf
  std::string nginx = "nginx";                      // the binary, for `nginx -t`
  std::vector<std::string> reload;                  // empty: {nginx, "-s", "reload"}
  std::string probe;             // URL base: DefaultNginxProbe(render.listen) unless told
  std::string tls_dir;           // <host>.pem and <host>.key; empty: no TLS
  NginxRenderOptions render;     // listen addresses and the ACME webroot
  long probe_timeout_ms = 5000;  // how long nginx has to serve a new set
};

// Where berth asks nginx listening on `listen` ("80", "203.0.113.5:80", "[::]:8080") which set
// it serves: that address, or 127.0.0.1 for a wildcard one.
std::string DefaultNginxProbe(const std::string& listen);

// Invalid, naming the flag, when an option cannot be used (a relative path, a character nginx
// would read as syntax).
[[nodiscard]] Status CheckNginxModeOptions(const NginxModeOptions& options);

class NginxManager final : public TrafficDrain {
 public:
  // REQUIRES: everything passed outlives the manager.
  NginxManager(EventLoop* loop, ChildReaper* reaper, RouteFeed* feed, NginxModeOptions options);
  ~NginxManager() override;
  NginxManager(const NginxManager&) = delete;
  NginxManager& operator=(const NginxManager&) = delete;

  // Prepares the managed directory, reports hand-edited files in the live set, follows the
  // feed and applies the current routes (when they differ from the live set).
  [[nodiscard]] Status Start();
  // Applies the routes as they are now. While an apply runs, one more is queued (bursts
  // coalesce into it). `reload`: even when the set would say what nginx has (a certificate
  // file changed under the same name: nginx reads it at a reload).
  void Apply(bool reload = false);
  // A zero-downtime deploy switched an app's routes: done once nginx serves a set that no
  // longer sends anything to `endpoints` (nginx's old workers finish what they have), or
  // after `seconds`.
  void Drain(const std::vector<std::string>& endpoints, int seconds,
             std::function<void()> done) override;

 private:
  struct DrainWait {
    uint64_t id;
    std::vector<std::string> endpoints;
    std::function<void()> done;
    std::unique_ptr<Timer> deadline;
    bool settling = false;  // nginx serves a set without them; its old workers finish
  };
  // Whether the set nginx serves names the file `path` (a certificate or key).
  bool Names(const std::string& path) const;
  // Whether the set nginx serves sends requests to one of `endpoints`.
  bool Serves(const std::vector<std::string>& endpoints) const;
  // Ends the drains nginx no longer serves, and drain `expired` whatever it serves.
  void CheckDrains(uint64_t expired = 0);
  enum class Phase { kIdle, kTesting, kReloading, kProbing, kRestoring };
  static const char* to_string(Phase phase);
  // A rendered set: its files and, per host file, the host and the apps it serves.
  struct RenderedSet {
    int number = 0;
    std::vector<NginxFile> files;
    std::map<std::string, std::string> host_of;
    std::map<std::string, std::set<std::string>> apps_of;
    std::map<std::string, std::string> left_out;  // app: why a route of it is not in the set
  };
  using ChildDone = std::function<void(const Status&)>;

  void SetPhase(Phase phase);
  bool CheckLive();
  RenderedSet Render(int number) const;
  std::pair<std::string, std::string> CertificateFor(const std::string& host) const;
  // What differs between the candidate and the last good set: the apps and a host to probe.
  void Compare();
  Result<std::string> WriteTestConfig() const;
  void RunNginx(std::vector<std::string> argv, ChildDone done);
  void OnTested(const Status& status);
  void OnReloaded(const Status& status);
  void SendProbe();
  void OnProbed(Result<HttpResponse> response);
  void Succeed();
  // nginx serves the routes as they are: no app has an error, no retry is due.
  void ClearErrors();
  // What the candidate set could not say (a route left out) shows as the app's proxy_error,
  // and in the log once.
  void ReportLeftOut();
  void Restore(const std::string& error);
  void OnRestored(const Status& status);
  // Reports `error` on the changed apps (status and event) and in the log, then finishes.
  void Fail(const std::string& error);
  void Finish();

  EventLoop* loop_;
  ChildReaper* reaper_;
  RouteFeed* feed_;
  NginxModeOptions options_;
  NginxSetStore store_;
  Phase phase_ = Phase::kIdle;
  bool queued_ = false;
  bool queued_reload_ = false;
  RenderedSet last_good_;
  RenderedSet candidate_;
  std::set<std::string> changed_apps_;
  std::string probe_host_;
  std::string failure_;  // why the candidate failed, while the last good set is restored
  int64_t probe_deadline_ms_ = 0;
  std::string probe_answer_;  // what the last probe got, for the message when time runs out
  std::set<std::string> apps_with_error_;
  std::set<std::string> reported_tampered_;
  std::set<std::string> reported_left_out_;
  std::string child_output_;
  std::unique_ptr<ChildProcess> child_;
  Timer child_timer_;  // a hung `nginx -t` or reload is killed: applies must not stall
  bool child_timed_out_ = false;
  std::unique_ptr<HttpCall> probe_call_;
  Timer probe_timer_;
  // After a failure the same routes are applied again later (nginx may have been down, a
  // certificate replaced), sooner at first: retry_ms_ doubles up to kMaxRetryMs.
  Timer retry_timer_;
  long retry_ms_;
  DirectoryWatcher tls_watcher_;  // --tls-dir: a new or renewed certificate applies again
  std::list<DrainWait> drains_;
  uint64_t next_drain_ = 1;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace berth
