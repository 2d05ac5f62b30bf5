// POST /v1/apps/{name}/control, POST /v1/control (several or all apps at once, like
// `supervisorctl start all`) and GET /v1/apps/{name}/stats.
#include <cmath>

#include "handlers/api.h"

namespace berth {
namespace {

using ExchangePtr = std::shared_ptr<Exchange>;

enum class Command { kStart, kStop, kRestart, kPause, kUnpause, kRedeploy, kRollback };

// Reads {"command": ...}; answers 400 and returns false when it is missing or unknown.
// `one_app`: redeploy and rollback are allowed too.
bool ParseCommand(Exchange& exchange, Command* command, bool one_app) {
  const char* known = one_app ? "start, stop, restart, pause, unpause, redeploy or rollback"
                              : "start, stop, restart, pause or unpause";
  const nlohmann::json& body = exchange.json();
  if (!body.is_object() || !body.contains("command") || !body["command"].is_string()) {
    exchange.ReplyError(400, "bad_request", std::string("send {\"command\": ...}: ") + known);
    return false;
  }
  std::string name = body["command"].get<std::string>();
  if (name == "start") {
    *command = Command::kStart;
  } else if (name == "stop") {
    *command = Command::kStop;
  } else if (name == "restart") {
    *command = Command::kRestart;
  } else if (name == "pause") {
    *command = Command::kPause;
  } else if (name == "unpause") {
    *command = Command::kUnpause;
  } else if (one_app && name == "redeploy") {
    *command = Command::kRedeploy;
  } else if (one_app && name == "rollback") {
    *command = Command::kRollback;
  } else {
    exchange.ReplyError(400, "bad_request", "unknown command '" + name + "': use " + known);
    return false;
  }
  return true;
}

// redeploy {"force": bool} and rollback {"release": "<id>"}: a Status for the reply.
Status Deploy(Command command, Exchange& exchange, App* app) {
  const nlohmann::json& body = exchange.json();
  if (command == Command::kRedeploy) {
    bool force = false;
    if (body.contains("force")) {
      if (!body["force"].is_boolean())
        return Status::Invalid("force must be true or false", "force");
      force = body["force"].get<bool>();
    }
    return app->Redeploy(force);
  }
  std::string release;
  if (body.contains("release") && !body["release"].is_null()) {
    const nlohmann::json& r = body["release"];
    if (r.is_number_unsigned()) {
      release = std::to_string(r.get<uint64_t>());
    } else if (r.is_string()) {
      release = r.get<std::string>();
    } else {
      return Status::Invalid("release must be a release id such as \"7\"", "release");
    }
  }
  return app->Rollback(release);
}

// Pause and unpause answer Conflict when the app is not running (paused).
Status Apply(Command command, App* app) {
  switch (command) {
    case Command::kStart:
      app->Start();
      break;
    case Command::kStop:
      app->Stop();
      break;
    case Command::kRestart:
      app->Restart();
      break;
    case Command::kPause:
      return app->Pause();
    case Command::kUnpause:
      return app->Resume();
    case Command::kRedeploy:
    case Command::kRollback:
      break;  // one app at a time, see Deploy()
  }
  return Status::Ok();
}

// start, stop, restart, pause and unpause are control; redeploy and rollback are deploy. An
// unknown command needs control, then gets its 400.
std::vector<Need> NeedsOfControl(Api&, const Exchange& exchange) {
  const nlohmann::json& body = exchange.json();
  std::string command = body.is_object() && body.contains("command") && body["command"].is_string()
                            ? body["command"].get<std::string>()
                            : "";
  bool deploy = command == "redeploy" || command == "rollback";
  return {{deploy ? Action::kDeploy : Action::kControl, Over::kApp}};
}

void Control(Api& api, const ExchangePtr& exchange) {
  App* app = FindAppOr404(api, *exchange);
  Command command;
  if (!app || !ParseCommand(*exchange, &command, true)) return;
  if (api.supervisor()->IsBeingRemoved(app->spec().name))
    return exchange->ReplyError(409, "conflict", "app '" + app->spec().name + "' is being deleted");
  if (Status s = api.supervisor()->CheckRuntime(app->spec()); !s.ok())
    return exchange->ReplyStatus(s);
  if (command == Command::kRedeploy || command == Command::kRollback) {
    if (Status s = Deploy(command, *exchange, app); !s.ok()) return exchange->ReplyStatus(s);
  } else if (Status s = Apply(command, app); !s.ok()) {
    return exchange->ReplyStatus(s);
  }
  exchange->Reply(202, app->ToJson());
}

// Collects the apps named in "apps" (every app when absent); answers 4xx and returns false
// when one is unknown, so that nothing happens unless all are there.
bool CollectApps(Api& api, Exchange& exchange, std::vector<App*>* apps) {
  const nlohmann::json& body = exchange.json();
  const Principal& caller = exchange.principal();
  if (!body.contains("apps")) {
    // "All" is every app the caller may control.
    for (const auto& [name, app] : api.supervisor()->apps())
      if (!api.supervisor()->IsBeingRemoved(name) && caller.Allows(Action::kControl, name))
        apps->push_back(app.get());
    return true;
  }
  const nlohmann::json& names = body["apps"];
  if (!names.is_array()) {
    exchange.ReplyError(422, "invalid", "apps must be an array of app names", "apps");
    return false;
  }
  for (size_t i = 0; i < names.size(); ++i) {
    std::string field = "apps[" + std::to_string(i) + "]";
    App* app = names[i].is_string() ? api.supervisor()->Find(names[i].get<std::string>()) : nullptr;
    if (names[i].is_string() && !caller.Allows(Action::kControl, names[i].get<std::string>())) {
      exchange.ReplyForbidden(Action::kControl, names[i].get<std::string>());
      return false;
    }
    if (!app) {
      exchange.ReplyError(404, "not_found", "no app named " + names[i].dump(), field);
      return false;
    }
    apps->push_back(app);
  }
  return true;
}

void ControlMany(Api& api, const ExchangePtr& exchange) {
  Command command;
  std::vector<App*> apps;
  if (!ParseCommand(*exchange, &command, false) || !CollectApps(api, *exchange, &apps)) return;
  // Like supervisorctl: an app that cannot do it (pause a stopped one) is left as it is.
  for (App* app : apps) (void)Apply(command, app);
  std::string body = "[";
  for (App* app : apps) body += (body.size() > 1 ? "," : "") + app->JsonText();
  exchange->ReplyText(202, "application/json", body + "]\n");
}

template <class T>
nlohmann::json OrNull(const std::optional<T>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

// What the app uses now, beside its counters; nulls when it does not run or its kind cannot tell.
void AddUsage(const Result<RuntimeStats>& usage, nlohmann::json* stats) {
  RuntimeStats none;
  const RuntimeStats& now = usage.ok() ? usage.value() : none;
  double cpu = now.cpu_percent ? std::round(*now.cpu_percent * 100) / 100 : 0;
  (*stats)["cpu_percent"] = now.cpu_percent ? nlohmann::json(cpu) : nlohmann::json(nullptr);
  (*stats)["memory_bytes"] = OrNull(now.memory_bytes);
  (*stats)["memory_limit_bytes"] = OrNull(now.memory_limit_bytes);
  (*stats)["pids"] = OrNull(now.pids);
  (*stats)["net_rx_bytes"] = OrNull(now.net_rx_bytes);
  (*stats)["net_tx_bytes"] = OrNull(now.net_tx_bytes);
  (*stats)["block_read_bytes"] = OrNull(now.block_read_bytes);
  (*stats)["block_write_bytes"] = OrNull(now.block_write_bytes);
  if (!now.services.is_null()) (*stats)["services"] = now.services;
}

void Stats(Api& api, const ExchangePtr& exchange) {
  App* app = FindAppOr404(api, *exchange);
  if (!app) return;
  app->Stats([exchange, stats = app->StatsJson()](Result<RuntimeStats> usage) mutable {
    AddUsage(usage, &stats);
    exchange->Reply(200, stats);
  });
}

}  // namespace

void AddControlRoutes(Router* router) {
  router->Add({.method = "POST",
               .pattern = "/v1/apps/{name}/control",
               .handler = Control,
               .takes_json = true,
               .needs_of = NeedsOfControl});
  // Checked per app in the handler: control on each named app, or acts on those it may.
  router->Add({.method = "POST",
               .pattern = "/v1/control",
               .handler = ControlMany,
               .takes_json = true,
               .needs_of = NoNeeds});
  router->Add({.method = "GET",
               .pattern = "/v1/apps/{name}/stats",
               .handler = Stats,
               .needs = {{Action::kView, Over::kApp}}});
}

}  // namespace berth
