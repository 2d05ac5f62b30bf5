// Supervisor: the registry of apps. Creates, replaces, patches and removes apps, writing each
// change to the store before it takes effect, and starts autostart apps at boot.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "store/apps_repository.h"
#include "store/deployments_repository.h"
#include "store/secret_box.h"
#include "store/stacks_repository.h"
#include "supervise/app.h"
#include "supervise/deployment_counters.h"
#include "supervise/process_group_ledger.h"
#include "supervise/docker/docker_engine.h"
#include "supervise/process_runtime.h"
#include "supervise/registries.h"
#include "supervise/webhook_intake.h"

namespace berth {

class Supervisor {
 public:
  // `runtimes` builds each app's runtime; empty: the real one for each kind.
  Supervisor(EventLoop* loop, ChildReaper* reaper, Database* db, BerthPaths paths,
             RuntimeFactory runtimes = {});
  ~Supervisor();

  // Reads every stored app. A row that no longer parses is logged and left in place.
  Status Load();
  // Deletes the /stacks rows of apps that are neither stored nor named by a file in
  // `file_apps`: an apps.d file removed while berthd was down. Otherwise a new app of that name
  // would take the old stack's uuid. At start, after the first scan of apps.d.
  void ForgetStacksOfAppsGone(const std::set<std::string>& file_apps);
  // Adopts what of each app still runs after berthd restarted, then starts the autostart apps
  // that were not adopted; from then on a new autostart app starts as soon as it is defined.
  void StartAutostartApps();
  // The built-in proxy, which zero-downtime deploys drain old instances through; null when it
  // goes (then old instances stop at once).
  void SetTrafficDrain(TrafficDrain* drain) { context_.drain = drain; }

  App* Find(const std::string& name) const;
  // Unavailable when what runs apps of this kind cannot be reached (Docker down).
  Status CheckRuntime(const AppSpec& spec);
  // "12 apps: 11 running, 1 backoff", or "no apps": for systemd's STATUS= line.
  std::string Summary() const;
  // Sorted by name.
  const std::map<std::string, std::unique_ptr<App>>& apps() const { return apps_; }
  EventBus& bus() { return bus_; }
  DeploymentsRepository& deployments() { return deployments_; }
  // The /stacks API's uuids and control jobs; an app's rows go with it.
  StacksRepository& stacks() { return stacks_; }
  // Finished deployments by app and outcome, and their durations (from Load() on).
  const DeploymentCounters& deployment_counters() const { return deployment_counters_; }
  const BerthPaths& paths() const { return paths_; }
  // berthd's one outbound HTTP client, on the loop.
  HttpClient& http() { return http_; }
  // Named registry credentials and tag listings.
  Registries& registries() { return registries_; }
  // Where webhook deliveries go once their signature is checked.
  WebhookIntake& webhooks() { return webhooks_; }

  // The API's writes. Conflict when the name or the port is taken, or the app is defined by a
  // file in apps.d. A new autostart app starts.
  Result<App*> Create(AppSpec spec);
  // Creates or replaces; `*created` says which.
  Result<App*> Put(AppSpec spec, bool* created);
  // What only Docker can tell before the API creates or replaces an app. For a container app
  // being created: Conflict when Docker has a container named berth-<app> that berth did not
  // make for it. For a swarm stack (compose.target swarm), new or replacing an app: Invalid
  // when Docker answers but is no swarm manager. Ok otherwise, and when Docker cannot be asked
  // (the app's start then says why). `done` runs once, maybe at once, never after the
  // Supervisor is gone.
  void CheckWithDocker(const AppSpec& spec, std::function<void(Status)> done);
  // Applies a JSON merge patch (RFC 7386) to the app's definition.
  Result<App*> Patch(const std::string& name, const nlohmann::json& patch);
  // Stops the app, forgets it and, with `purge`, removes berth's directory and user for it.
  // `done` runs when all that is over.
  void Remove(const std::string& name, bool purge, std::function<void(Status)> done);
  // Whether the app is on its way out (no changes or commands then).
  bool IsBeingRemoved(const std::string& name) const { return removing_.count(name) > 0; }
  // Stops every app but swarm stacks (the swarm keeps those running); `done` runs once all
  // are stopped.
  void StopAll(std::function<void()> done);

  // Apps defined by files (source "file"), not stored: creates the app, or replaces it when the
  // spec differs (an unchanged spec leaves it alone). Conflict when an API app has the name.
  Result<App*> ApplyFile(AppSpec spec);
  // Forgets a file app once it has stopped; `done` runs then.
  void RemoveFile(const std::string& name, std::function<void(Status)> done);

  // A "***" token in `spec` (a GET body sent back) means: keep the one the app has.
  void KeepSecrets(const App* app, AppSpec* spec) const;

 private:
  // App names grouped by priority, lowest priority first unless `highest_first`; names in
  // alphabetical order within a group.
  std::vector<std::vector<std::string>> ByPriority(bool highest_first) const;
  // Stops groups[next], then the groups after it; `done` runs after the last.
  void StopGroups(std::vector<std::vector<std::string>> groups, size_t next,
                  std::function<void()> done);
  // A ProcessRuntime, a ContainerRuntime or a ComposeRuntime, by the app's kind.
  RuntimeFactory DefaultRuntimes();
  // The Engine, connected on first use (berthd needs no Docker until a container app exists).
  docker::DockerEngine* Docker();
  Status CheckWritableByApi(const App* app) const;
  Status CheckPortFree(const AppSpec& spec) const;
  // Conflict naming the other app when it has one of `spec`'s routes (the same host and path).
  Status CheckRoutesFree(const AppSpec& spec) const;
  // An app keeps its kind: its runtime, releases and deployments are of that kind.
  static Status CheckSameKind(const App& app, const AppSpec& spec);
  // A `user` the spec names must exist (and, when berthd is not root, be berthd's own).
  Status CheckUserExists(const AppSpec& spec) const;
  App* Add(AppSpec spec, const std::string& source);
  void Forget(const std::string& name, bool purge, std::function<void(Status)> done);
  // The rest of Forget() once the app has stopped and its runtime removed what it made.
  void ForgetStopped(const std::string& name, bool purge, bool stored,
                     std::function<void(Status)> done);
  Status Persist(const AppSpec& spec);
  // The box that seals stored credentials, opened (and its key made) on first use.
  Result<SecretBox*> Secrets();
  // Unseals a stored app's credentials in place.
  Status UnsealSecrets(nlohmann::json* stored);
  void Purge(const AppSpec& spec, std::function<void(Status)> done);

  EventLoop* loop_;
  ChildReaper* reaper_;
  BerthPaths paths_;
  AppsRepository repository_;
  DeploymentsRepository deployments_;
  StacksRepository stacks_;
  std::optional<SecretBox> secrets_;
  AdminCommands admin_;
  EventBus bus_;
  DeploymentCounters deployment_counters_;
  DeployContext deploy_context_;
  ProcessGroupLedger groups_;
  GroupWaiters group_waiters_;
  HttpClient http_;
  Registries registries_;
  WebhookIntake webhooks_;
  std::unique_ptr<docker::DockerEngine> docker_;
  std::map<uint64_t, std::unique_ptr<HttpCall>> docker_checks_;  // CheckWithDocker's calls
  uint64_t next_docker_check_ = 0;
  RuntimeFactory runtimes_;
  AppContext context_;
  std::map<std::string, std::unique_ptr<App>> apps_;
  std::set<std::string> removing_;
  bool autostart_done_ = false;
};

}  // namespace berth
