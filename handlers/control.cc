// POST /v1/apps/{name}/control and GET /v1/apps/{name}/stats.
#include "handlers/api.h"

namespace berth {
namespace {

using ExchangePtr = std::shared_ptr<Exchange>;

void Control(Api& api, const ExchangePtr& exchange) {
  App* app = FindAppOr404(api, *exchange);
  if (!app) return;
  const nlohmann::json& body = exchange->json();
  if (!body.is_object() || !body.contains("command") || !body["command"].is_string())
    return exchange->ReplyError(400, "bad_request",
                                "send {\"command\": \"start\" | \"stop\" | \"restart\"}");
  std::string command = body["command"].get<std::string>();
  if (api.supervisor()->IsBeingRemoved(app->spec().name))
    return exchange->ReplyError(409, "conflict", "app '" + app->spec().name + "' is being deleted");
  if (command == "start") {
    app->Start();
  } else if (command == "stop") {
    app->Stop();
  } else if (command == "restart") {
    app->Restart();
  } else {
    return exchange->ReplyError(400, "bad_request",
                                "unknown command '" + command + "': use start, stop or restart");
  }
  exchange->Reply(202, app->ToJson());
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
  router->Add({.method = "GET", .pattern = "/v1/apps/{name}/stats", .handler = Stats});
}

}  // namespace berth
