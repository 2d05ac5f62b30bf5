// POST /v1/apps/{name}/control, POST /v1/control (several or all apps at once, like
// `supervisorctl start all`) and GET /v1/apps/{name}/stats.
#include "handlers/api.h"

namespace berth {
namespace {

using ExchangePtr = std::shared_ptr<Exchange>;

enum class Command { kStart, kStop, kRestart };

// Reads {"command": ...}; answers 400 and returns false when it is missing or unknown.
bool ParseCommand(Exchange& exchange, Command* command) {
  const nlohmann::json& body = exchange.json();
  if (!body.is_object() || !body.contains("command") || !body["command"].is_string()) {
    exchange.ReplyError(400, "bad_request",
                        "send {\"command\": \"start\" | \"stop\" | \"restart\"}");
    return false;
  }
  std::string name = body["command"].get<std::string>();
  if (name == "start") {
    *command = Command::kStart;
  } else if (name == "stop") {
    *command = Command::kStop;
  } else if (name == "restart") {
    *command = Command::kRestart;
  } else {
    exchange.ReplyError(400, "bad_request",
                        "unknown command '" + name + "': use start, stop or restart");
    return false;
  }
  return true;
}

void Apply(Command command, App* app) {
  switch (command) {
    case Command::kStart:
      return app->Start();
    case Command::kStop:
      return app->Stop();
    case Command::kRestart:
      return app->Restart();
  }
}

void Control(Api& api, const ExchangePtr& exchange) {
  App* app = FindAppOr404(api, *exchange);
  Command command;
  if (!app || !ParseCommand(*exchange, &command)) return;
  if (api.supervisor()->IsBeingRemoved(app->spec().name))
    return exchange->ReplyError(409, "conflict", "app '" + app->spec().name + "' is being deleted");
  Apply(command, app);
  exchange->Reply(202, app->ToJson());
}

// Collects the apps named in "apps" (every app when absent); answers 4xx and returns false
// when one is unknown, so that nothing happens unless all are there.
bool CollectApps(Api& api, Exchange& exchange, std::vector<App*>* apps) {
  const nlohmann::json& body = exchange.json();
  if (!body.contains("apps")) {
    for (const auto& [name, app] : api.supervisor()->apps())
      if (!api.supervisor()->IsBeingRemoved(name)) apps->push_back(app.get());
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
  if (!ParseCommand(*exchange, &command) || !CollectApps(api, *exchange, &apps)) return;
  for (App* app : apps) Apply(command, app);
  std::string body = "[";
  for (App* app : apps) body += (body.size() > 1 ? "," : "") + app->JsonText();
  exchange->ReplyText(202, "application/json", body + "]\n");
}

void Stats(Api& api, const ExchangePtr& exchange) {
  if (App* app = FindAppOr404(api, *exchange)) exchange->Reply(200, app->StatsJson());
}

}  // namespace

void AddControlRoutes(Router* router) {
  router->Add({.method = "POST",
               .pattern = "/v1/apps/{name}/control",
               .handler = Control,
               .takes_json = true});
  router->Add(
      {.method = "POST", .pattern = "/v1/control", .handler = ControlMany, .takes_json = true});
  router->Add({.method = "GET", .pattern = "/v1/apps/{name}/stats", .handler = Stats});
}

}  // namespace berth
