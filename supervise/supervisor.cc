// The app registry and its persistence.
#include "supervise/supervisor.h"

#include <unistd.h>

#include <algorithm>
#include <climits>

#include "reactor/clock.h"
#include "reactor/log.h"
#include "supervise/compose_runtime.h"
#include "supervise/swarm_runtime.h"
#include "supervise/swarm_stack.h"
#include "supervise/container_runtime.h"
#include "supervise/foreign_container.h"

namespace berth {
namespace {

// berth-fetch sits beside berthd.
std::string FetchProgram() {
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  std::string path = n > 0 ? std::string(self, n) : "/usr/bin/berthd";
  return path.substr(0, path.rfind('/') + 1) + "berth-fetch";
}

// The member `path` names in `json` ({"source", "git", "token"}) when it is a non-empty string.
nlohmann::json* StringAt(nlohmann::json* json, std::initializer_list<const char*> path) {
  for (const char* key : path) {
    if (!json->is_object() || !json->contains(key)) return nullptr;
    json = &(*json)[key];
  }
  return json->is_string() && !json->get<std::string>().empty() ? json : nullptr;
}

// Every secret of a stored definition: a git token, a registry password, a webhook secret, the
// app's secrets.
std::vector<nlohmann::json*> StoredSecrets(nlohmann::json* spec) {
  std::vector<nlohmann::json*> found;
  for (auto* secret : {StringAt(spec, {"source", "git", "token"}),
                       StringAt(spec, {"registry_auth", "password"}),
                       StringAt(spec, {"deploy", "secret"})})
    if (secret) found.push_back(secret);
  if (spec->contains("secrets") && (*spec)["secrets"].is_object())
    for (auto& [name, value] : (*spec)["secrets"].items())
      if (value.is_string()) found.push_back(&value);
  return found;
}

// The host ports an app takes, each with the field that names it.
std::vector<std::pair<int, std::string>> HostPorts(const AppSpec& spec) {
  std::vector<std::pair<int, std::string>> ports;
  if (const ProcessSpec* process = spec.process(); process && process->port)
    ports.emplace_back(*process->port, "port");
  if (const ContainerSpec* container = spec.container())
    for (size_t i = 0; i < container->ports.size(); ++i)
      ports.emplace_back(container->ports[i].host, "ports[" + std::to_string(i) + "].host");
  return ports;
}

}  // namespace

Supervisor::Supervisor(EventLoop* loop, ChildReaper* reaper, Database* db, BerthPaths paths,
                       RuntimeFactory runtimes)
    : loop_(loop),
      reaper_(reaper),
      paths_(std::move(paths)),
      repository_(db),
      deployments_(db),
      stacks_(db),
      admin_(loop, reaper),
      deploy_context_{loop, reaper, &admin_, &paths_, &bus_, &deployments_, FetchProgram(),
                      [this] { return Docker(); }},
      groups_(ProcessGroupLedger::PathIn(paths_.runtime_dir), loop),
      http_(loop),
      registries_(loop, &http_, db, [this] { return Secrets(); }),
      runtimes_(runtimes ? std::move(runtimes) : DefaultRuntimes()),
      context_{loop, &paths_, &bus_, &deploy_context_, &runtimes_, &registries_, &http_} {
  reaper_->set_after_reap([this] { group_waiters_.OnAnyReaped(); });
  bus_.SubscribeDeploys([this](const DeployEvent& event) { deployment_counters_.Observe(event); });
}

RuntimeFactory Supervisor::DefaultRuntimes() {
  return [this](const AppSpec& spec, Runtime::Events events) -> std::unique_ptr<Runtime> {
    if (spec.container())
      return std::make_unique<ContainerRuntime>(
          ContainerContext{.loop = loop_,
                           .engine = Docker(),
                           .paths = &paths_,
                           .credentials =
                               [this](const ContainerSpec& container) {
                                 return registries_.CredentialsFor(container);
                               }},
          std::move(events));
    if (spec.compose()) {
      ComposeContext compose{.loop = loop_,
                             .reaper = reaper_,
                             .engine = [this] { return Docker(); },
                             .docker_host = paths_.docker_host};
      if (IsSwarmStack(spec))
        return std::make_unique<SwarmRuntime>(std::move(compose), std::move(events));
      return std::make_unique<ComposeRuntime>(std::move(compose), std::move(events));
    }
    return std::make_unique<ProcessRuntime>(
        ProcessContext{loop_, reaper_, &admin_, &paths_, &groups_, &group_waiters_},
        std::move(events));
  };
}

docker::DockerEngine* Supervisor::Docker() {
  if (!docker_) {
    docker_ = std::make_unique<docker::DockerEngine>(loop_, &http_, paths_.docker_host);
    docker_->Connect();
  }
  return docker_.get();
}

Supervisor::~Supervisor() { reaper_->set_after_reap(nullptr); }

Status Supervisor::Load() {
  auto rows = repository_.List();
  if (!rows.ok()) return rows.status();
  std::string now = FormatRfc3339(WallClockMs());
  if (Status s = deployments_.FailRunning("berthd stopped during the deployment", now); !s.ok())
    LogError("cannot close the deployments left running: " + s.message());
  if (Status s = deployment_counters_.Load(&deployments_); !s.ok())
    LogError("cannot count the stored deployments for /metrics: " + s.message());
  for (const auto& row : *rows) {
    nlohmann::json json = nlohmann::json::parse(row.spec_json, nullptr, false);
    if (Status s = UnsealSecrets(&json); !s.ok()) {
      LogError("app " + row.name + ": " + s.message() + "; skipping it");
      continue;
    }
    auto spec = ParseAppSpec(json, row.name);
    if (!spec.ok()) {
      LogError("app " + row.name +
               ": stored definition is not valid, skipping it: " + spec.status().message());
      continue;
    }
    apps_[row.name] = std::make_unique<App>(&context_, std::move(spec).value(), "api");
  }
  LogInfo("loaded " + std::to_string(apps_.size()) + " apps");
  return Status::Ok();
}

void Supervisor::ForgetStacksOfAppsGone(const std::set<std::string>& file_apps) {
  std::vector<StoredStack> gone;
  Status forgotten = stacks_.Atomically([&]() -> Status {
    auto stored = repository_.List();
    if (!stored.ok()) return stored.status();
    std::set<std::string> known = file_apps;
    for (const auto& row : *stored) known.insert(row.name);
    auto stacks = stacks_.List();
    if (!stacks.ok()) return stacks.status();
    for (StoredStack& stack : *stacks) {
      if (known.count(stack.app)) continue;
      if (Status s = stacks_.RemoveForApp(stack.app); !s.ok()) return s;
      gone.push_back(std::move(stack));
    }
    return Status::Ok();
  });
  if (!forgotten.ok())
    return LogError("cannot forget the /stacks rows of apps that are gone: " +
                    forgotten.message());
  for (const StoredStack& stack : gone)
    LogInfo("app " + stack.app + " is gone (its apps.d file was removed while berthd was down); "
            "its /stacks uuid " + stack.uuid + " is forgotten");
}

void Supervisor::StartAutostartApps() {
  autostart_done_ = true;
  for (const auto& group : ByPriority(/*highest_first=*/false))
    for (const std::string& name : group) {
      App* app = Find(name);
      if (!app) continue;
      app->Recover([this, name](bool adopted) {
        App* found = Find(name);
        if (!adopted && found && found->spec().autostart && !IsBeingRemoved(name)) found->Start();
      });
    }
}

std::vector<std::vector<std::string>> Supervisor::ByPriority(bool highest_first) const {
  std::map<int, std::vector<std::string>> groups;
  for (const auto& [name, app] : apps_) groups[app->spec().priority].push_back(name);
  std::vector<std::vector<std::string>> ordered;
  for (auto& [priority, names] : groups) ordered.push_back(std::move(names));
  if (highest_first) std::reverse(ordered.begin(), ordered.end());
  return ordered;
}

Status Supervisor::CheckRuntime(const AppSpec& spec) {
  if ((spec.container() || spec.compose()) && !Docker()->up())
    return Status::Unavailable(Docker()->error());
  return Status::Ok();
}

App* Supervisor::Find(const std::string& name) const {
  auto it = apps_.find(name);
  return it == apps_.end() ? nullptr : it->second.get();
}

std::string Supervisor::Summary() const {
  if (apps_.empty()) return "no apps";
  std::map<AppState, size_t> counts;
  for (const auto& [name, app] : apps_) ++counts[app->state()];
  std::string text = std::to_string(apps_.size()) + (apps_.size() == 1 ? " app: " : " apps: ");
  bool first = true;
  for (const auto& [state, count] : counts) {
    text += (first ? "" : ", ") + std::to_string(count) + " " + to_string(state);
    first = false;
  }
  return text;
}

Status Supervisor::CheckPortFree(const AppSpec& spec) const {
  for (const auto& [port, field] : HostPorts(spec))
    for (const auto& [name, app] : apps_) {
      if (name == spec.name) continue;
      for (const auto& [taken, unused] : HostPorts(app->spec()))
        if (taken == port)
          return Status::Conflict(
              "port " + std::to_string(port) + " is already used by app '" + name + "'", field);
    }
  return Status::Ok();
}

Status Supervisor::CheckRoutesFree(const AppSpec& spec) const {
  for (size_t i = 0; i < spec.routes.size(); ++i) {
    const RouteSpec& route = spec.routes[i];
    for (const auto& [name, app] : apps_) {
      if (name == spec.name) continue;
      for (const RouteSpec& taken : app->spec().routes)
        if (taken.host == route.host && taken.path == route.path)
          return Status::Conflict("the route " + RouteName(route) + " already goes to app '" +
                                      name + "'",
                                  "routes[" + std::to_string(i) + "]");
    }
  }
  return Status::Ok();
}

Status Supervisor::CheckSameKind(const App& app, const AppSpec& spec) {
  // Another runtime too: the App keeps the one it was made with.
  if (app.spec().kind() == spec.kind() && IsSwarmStack(app.spec()) != IsSwarmStack(spec))
    return Status::Conflict("app '" + spec.name + "' runs with compose.target " +
                                to_string(app.spec().compose()->target) +
                                " and cannot change it; delete it (its stack is removed) and "
                                "create it again",
                            "compose.target");
  if (app.spec().kind() == spec.kind()) return Status::Ok();
  return Status::Conflict("app '" + spec.name + "' is a " + to_string(app.spec().kind()) +
                              " app and cannot become a " + to_string(spec.kind()) +
                              " app; delete it and create it again",
                          "kind");
}

Status Supervisor::CheckUserExists(const AppSpec& spec) const {
  if (!spec.process()) return Status::Ok();  // only a process runs as a user of its own
  AppIdentity identity = IdentityFor(paths_, spec);
  if (identity.default_user) return Status::Ok();  // berth creates svc_<name> itself
  Status found = LookupIdentity(&identity);
  if (found.code() == Status::Code::kNotFound)
    return Status::Invalid("user '" + spec.process()->user +
                               "' does not exist; create it first, or leave out \"user\" to run "
                               "the app as its own system user",
                           "user");
  return found;
}

Result<SecretBox*> Supervisor::Secrets() {
  if (!secrets_) {
    auto box = SecretBox::Open(paths_.state_dir + "/secret.key");
    if (!box.ok()) return box.status();
    secrets_.emplace(std::move(box).value());
  }
  return &*secrets_;
}

Status Supervisor::UnsealSecrets(nlohmann::json* stored) {
  for (nlohmann::json* secret : StoredSecrets(stored)) {
    if (!SecretBox::IsSealed(secret->get<std::string>())) continue;
    auto box = Secrets();
    if (!box.ok()) return box.status();
    auto plain = (*box)->Unseal(secret->get<std::string>());
    if (!plain.ok())
      return Status::IOError("cannot unseal its secrets: " + plain.status().message());
    *secret = *plain;
  }
  return Status::Ok();
}

void Supervisor::KeepSecrets(const App* app, AppSpec* spec) const {
  if (!app) return;
  const AppSpec& old = app->spec();
  if (spec->source && spec->source->token == kMaskedSecret)
    spec->source->token = old.source ? old.source->token : "";
  if (spec->deploy.secret == kMaskedSecret) spec->deploy.secret = old.deploy.secret;
  for (auto& [name, value] : spec->secrets)
    if (value == kMaskedSecret && old.secrets.count(name)) value = old.secrets.at(name);
  ContainerSpec* container = spec->container();
  if (container && container->registry_auth &&
      container->registry_auth->password == kMaskedSecret && old.container() &&
      old.container()->registry_auth)
    container->registry_auth->password = old.container()->registry_auth->password;
}

Status Supervisor::Persist(const AppSpec& spec) {
  std::string now = FormatRfc3339(WallClockMs());
  nlohmann::json stored = AppSpecToJson(spec, /*reveal_secrets=*/true);
  for (nlohmann::json* secret : StoredSecrets(&stored)) {
    auto box = Secrets();
    if (!box.ok()) return box.status();
    *secret = (*box)->Seal(secret->get<std::string>());
  }
  return repository_.Put({spec.name, stored.dump(), now, now});
}

Status Supervisor::CheckWritableByApi(const App* app) const {
  if (!app || app->source() != "file") return Status::Ok();
  return Status::Conflict("app '" + app->spec().name + "' is defined by the file " +
                          paths_.apps_dir + "/" + app->spec().name +
                          ".json; change or delete that file instead");
}

App* Supervisor::Add(AppSpec spec, const std::string& source) {
  std::string name = spec.name;
  auto app = std::make_unique<App>(&context_, std::move(spec), source);
  App* raw = app.get();
  apps_[name] = std::move(app);
  bus_.Publish(ConfigEvent{name, "created", WallClockMs()});
  if (autostart_done_ && raw->spec().autostart) raw->Start();
  return raw;
}

Result<App*> Supervisor::Create(AppSpec spec) {
  if (App* app = Find(spec.name)) {
    if (Status s = CheckWritableByApi(app); !s.ok()) return s;
    return Status::Conflict("an app named '" + spec.name + "' exists");
  }
  if (spec.source && spec.source->token == kMaskedSecret)
    return Status::Invalid("source.git.token must be the token itself, not \"***\"",
                           "source.git.token");
  if (spec.deploy.secret == kMaskedSecret)
    return Status::Invalid("deploy.secret must be the secret itself, not \"***\"",
                           "deploy.secret");
  if (Status s = CheckPortFree(spec); !s.ok()) return s;
  if (Status s = CheckRoutesFree(spec); !s.ok()) return s;
  if (Status s = CheckUserExists(spec); !s.ok()) return s;
  if (Status s = Persist(spec); !s.ok()) return s;
  return Add(std::move(spec), "api");
}

void Supervisor::CheckWithDocker(const AppSpec& spec, std::function<void(Status)> done) {
  bool swarm = IsSwarmStack(spec);
  if (!swarm && (!spec.container() || Find(spec.name))) return done(Status::Ok());
  // At the first container app the engine is still connecting: ask once it answered or not.
  Docker()->WhenReady([this, swarm, app = spec.name, done = std::move(done)]() mutable {
    if (!docker_->up()) return done(Status::Ok());
    uint64_t id = next_docker_check_++;
    auto checked = [this, id, swarm, done](Status s) {
      loop_->Defer([call = std::shared_ptr<HttpCall>(std::move(docker_checks_[id]))] {});
      docker_checks_.erase(id);
      // A swarm that cannot be asked now is the deployment's to report.
      done(swarm && s.code() != Status::Code::kInvalid ? Status::Ok() : s);
    };
    docker_checks_[id] = swarm ? CheckSwarmManager(docker_.get(), checked)
                               : AskForForeignContainer(docker_.get(), app, checked);
  });
}

Result<App*> Supervisor::Put(AppSpec spec, bool* created) {
  App* app = Find(spec.name);
  *created = app == nullptr;
  KeepSecrets(app, &spec);
  if (!app) return Create(std::move(spec));
  if (Status s = CheckWritableByApi(app); !s.ok()) return s;
  if (IsBeingRemoved(spec.name))
    return Status::Conflict("app '" + spec.name + "' is being deleted");
  if (Status s = CheckSameKind(*app, spec); !s.ok()) return s;
  if (Status s = CheckPortFree(spec); !s.ok()) return s;
  if (Status s = CheckRoutesFree(spec); !s.ok()) return s;
  if (Status s = CheckUserExists(spec); !s.ok()) return s;
  if (Status s = Persist(spec); !s.ok()) return s;
  bus_.Publish(ConfigEvent{spec.name, "replaced", WallClockMs()});
  app->Replace(std::move(spec));
  return app;
}

Result<App*> Supervisor::Patch(const std::string& name, const nlohmann::json& patch) {
  App* app = Find(name);
  if (!app) return Status::NotFound("no app named '" + name + "'");
  if (Status s = CheckWritableByApi(app); !s.ok()) return s;
  if (!patch.is_object()) return Status::Invalid("a merge patch must be a JSON object");
  nlohmann::json merged = AppSpecToJson(app->spec());
  merged.merge_patch(patch);
  auto spec = ParseAppSpec(merged, name);
  if (!spec.ok()) return spec.status();
  bool created = false;
  return Put(std::move(spec).value(), &created);
}

void Supervisor::Remove(const std::string& name, bool purge, std::function<void(Status)> done) {
  App* app = Find(name);
  if (!app) return done(Status::NotFound("no app named '" + name + "'"));
  if (Status s = CheckWritableByApi(app); !s.ok()) return done(s);
  Forget(name, purge, std::move(done));
}

void Supervisor::Forget(const std::string& name, bool purge, std::function<void(Status)> done) {
  App* app = Find(name);
  if (IsBeingRemoved(name)) return done(Status::Conflict("app '" + name + "' is being deleted"));
  removing_.insert(name);
  bool stored = app->source() == "api";
  app->Stop([this, app, name, purge, stored, done = std::move(done)]() mutable {
    app->RemoveRuntimeState([this, name, purge, stored, done = std::move(done)] {
      ForgetStopped(name, purge, stored, done);
    });
  });
}

void Supervisor::ForgetStopped(const std::string& name, bool purge, bool stored,
                               std::function<void(Status)> done) {
  // The app's /stacks rows go in the same transaction: never a uuid without its app.
  Status removed = stacks_.Atomically([&] {
    if (Status s = stored ? repository_.Remove(name) : Status::Ok(); !s.ok()) return s;
    return stacks_.RemoveForApp(name);
  });
  auto it = apps_.find(name);
  AppSpec spec = it->second->spec();
  if (!removed.ok()) {
    removing_.erase(name);
    return done(removed);
  }
  // We are inside the app's own callback: free it on the next loop turn.
  loop_->Defer([app = std::shared_ptr<App>(std::move(it->second))] {});
  apps_.erase(it);
  removing_.erase(name);
  bus_.Publish(ConfigEvent{name, "deleted", WallClockMs()});
  if (!purge) return done(Status::Ok());
  if (Status s = deployments_.RemoveForApp(name); !s.ok())
    LogError("app " + name + ": cannot remove its deployments: " + s.message());
  deployment_counters_.Forget(name);
  Purge(spec, done);
}

void Supervisor::Purge(const AppSpec& spec, std::function<void(Status)> done) {
  std::vector<std::string> remove = {"rm", "-rf", "--one-file-system",
                                     paths_.runtime_dir + "/apps/" + spec.name};
  if (!spec.process()) {  // no user and no directories of its own but its source's
    remove.push_back(AppRootDir(paths_, spec.name));
    return admin_.Run(remove, std::move(done));
  }
  // A directory the admin named is theirs; berth removes only its own.
  if (spec.process()->directory.empty()) remove.push_back(DirsFor(paths_, spec).home);
  AppIdentity identity = IdentityFor(paths_, spec);
  admin_.Run(remove, [this, identity, done](Status status) mutable {
    if (!status.ok() || !identity.default_user) return done(status);
    if (Status s = LookupIdentity(&identity); s.code() == Status::Code::kNotFound)
      return done(Status::Ok());
    admin_.Run({"userdel", identity.user}, done);
  });
}

Result<App*> Supervisor::ApplyFile(AppSpec spec) {
  App* app = Find(spec.name);
  if (app && app->source() != "file")
    return Status::Conflict("an app named '" + spec.name +
                            "' was defined through the API; delete it there first");
  if (app && IsBeingRemoved(spec.name))
    return Status::Conflict("app '" + spec.name + "' is being deleted");
  if (app) {
    if (Status s = CheckSameKind(*app, spec); !s.ok()) return s;
  }
  if (Status s = CheckPortFree(spec); !s.ok()) return s;
  if (Status s = CheckRoutesFree(spec); !s.ok()) return s;
  if (Status s = CheckUserExists(spec); !s.ok()) return s;
  if (!app) return Add(std::move(spec), "file");
  app->SetConfigError("");
  if (app->spec() == spec) return app;
  bus_.Publish(ConfigEvent{spec.name, "replaced", WallClockMs()});
  app->Replace(std::move(spec));
  return app;
}

void Supervisor::RemoveFile(const std::string& name, std::function<void(Status)> done) {
  App* app = Find(name);
  if (!app || app->source() != "file") return done(Status::Ok());
  Forget(name, false, std::move(done));
}

void Supervisor::StopAll(std::function<void()> done) {
  StopGroups(ByPriority(/*highest_first=*/true), 0, std::move(done));
}

void Supervisor::StopGroups(std::vector<std::vector<std::string>> groups, size_t next,
                            std::function<void()> done) {
  if (next == groups.size()) return done();
  // Each app of the group is stopped (within its stop_timeout) before the next group starts.
  auto remaining = std::make_shared<size_t>(1);
  auto shared = std::make_shared<std::vector<std::vector<std::string>>>(std::move(groups));
  auto one_done = [this, remaining, shared, next, done] {
    if (--*remaining == 0) StopGroups(std::move(*shared), next + 1, done);
  };
  for (const std::string& name : (*shared)[next]) {
    if (App* app = Find(name)) {
      // A swarm keeps its stacks running by itself, on every node; berthd's own stop must not
      // take them down across the cluster. The next berthd adopts them.
      if (IsSwarmStack(app->spec())) {
        LogInfo("app " + name + ": left running: the swarm keeps its services");
        continue;
      }
      ++*remaining;
      app->Stop(one_done);
    }
  }
  one_done();
}

}  // namespace berth
