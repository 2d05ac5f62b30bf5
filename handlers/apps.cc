// /v1/apps and /v1/apps/{name}: list, create, read, replace, patch and delete apps.
#include "handlers/api.h"
#include "supervise/app_spec.h"

namespace berth {
namespace {

using ExchangePtr = std::shared_ptr<Exchange>;

// env and secrets are edit_env; every other field of the spec is edit_configuration.
bool IsEnvField(const std::string& field) { return field == "env" || field == "secrets"; }

// A PATCH needs what the fields it names need.
std::vector<Need> NeedsOfPatch(Api&, const Exchange& exchange) {
  std::vector<Need> needs;
  bool env = false, configuration = false;
  if (exchange.json().is_object())
    for (const auto& [field, value] : exchange.json().items())
      (IsEnvField(field) ? env : configuration) = true;
  if (env) needs.push_back({Action::kEditEnv, Over::kApp});
  if (configuration || !env) needs.push_back({Action::kEditConfiguration, Over::kApp});
  return needs;
}

// A PUT creates (create_apps) or needs what the fields it changes need.
std::vector<Need> NeedsOfPut(Api& api, const Exchange& exchange) {
  App* app = api.supervisor()->Find(exchange.param("name"));
  if (!app) return {{Action::kCreateApps}};
  auto spec = ParseAppSpec(exchange.json(), exchange.param("name"));
  if (!spec.ok()) return {{Action::kEditConfiguration, Over::kApp}};
  api.supervisor()->KeepSecrets(app, &*spec);  // "***" keeps a secret as it is
  nlohmann::json before = AppSpecToJson(app->spec(), true);
  nlohmann::json after = AppSpecToJson(*spec, true);
  std::vector<Need> needs;
  bool env = false;
  for (const char* field : {"env", "secrets"}) {
    env = env || before.value(field, nlohmann::json()) != after.value(field, nlohmann::json());
    before.erase(field);
    after.erase(field);
  }
  if (env) needs.push_back({Action::kEditEnv, Over::kApp});
  if (before != after || !env) needs.push_back({Action::kEditConfiguration, Over::kApp});
  return needs;
}

void ListApps(Api& api, const ExchangePtr& exchange) {
  std::string body = "[";
  const Principal& caller = exchange->principal();
  for (const auto& [name, app] : api.supervisor()->apps()) {
    if (!caller.Allows(Action::kView, name)) continue;
    if (body.size() > 1) body += ',';
    body += app->JsonText();
  }
  body += "]\n";
  exchange->ReplyText(200, "application/json", body);
}

void CreateApp(Api& api, const ExchangePtr& exchange) {
  const nlohmann::json& body = exchange->json();
  std::string name;
  if (body.is_object() && body.contains("name") && body["name"].is_string())
    name = body["name"].get<std::string>();
  if (name.empty()) return exchange->ReplyError(422, "invalid", "name is required", "name");
  auto spec = ParseAppSpec(body, name);
  if (!spec.ok()) return exchange->ReplyStatus(spec.status());
  Supervisor* supervisor = api.supervisor();
  supervisor->CheckWithDocker(*spec, [exchange, supervisor, spec = *spec](Status free) {
    if (!free.ok()) return exchange->ReplyStatus(free);
    auto app = supervisor->Create(spec);
    if (!app.ok()) return exchange->ReplyStatus(app.status());
    exchange->AddHeader("Location", "/v1/apps/" + spec.name);
    exchange->Reply(201, (*app)->ToJson());
  });
}

void GetApp(Api& api, const ExchangePtr& exchange) {
  if (App* app = FindAppOr404(api, *exchange)) exchange->Reply(200, app->ToJson());
}

void PutApp(Api& api, const ExchangePtr& exchange) {
  auto spec = ParseAppSpec(exchange->json(), exchange->param("name"));
  if (!spec.ok()) return exchange->ReplyStatus(spec.status());
  Supervisor* supervisor = api.supervisor();
  supervisor->CheckWithDocker(*spec, [exchange, supervisor, spec = *spec](Status free) {
    if (!free.ok()) return exchange->ReplyStatus(free);
    bool created = false;
    auto app = supervisor->Put(spec, &created);
    if (!app.ok()) return exchange->ReplyStatus(app.status());
    if (created) exchange->AddHeader("Location", "/v1/apps/" + spec.name);
    exchange->Reply(created ? 201 : 200, (*app)->ToJson());
  });
}

void PatchApp(Api& api, const ExchangePtr& exchange) {
  if (!FindAppOr404(api, *exchange)) return;
  const nlohmann::json& patch = exchange->json();
  if (patch.is_object() && patch.contains("name") && patch["name"] != exchange->param("name"))
    return exchange->ReplyError(422, "invalid", "name cannot be changed", "name");
  auto app = api.supervisor()->Patch(exchange->param("name"), patch);
  if (!app.ok()) return exchange->ReplyStatus(app.status());
  exchange->Reply(200, (*app)->ToJson());
}

void DeleteApp(Api& api, const ExchangePtr& exchange) {
  if (!FindAppOr404(api, *exchange)) return;
  const auto& query = exchange->query();
  auto purge = query.find("purge");
  if (purge != query.end() && purge->second != "true" && purge->second != "false")
    return exchange->ReplyError(400, "bad_request", "purge must be true or false");
  bool wants_purge = purge != query.end() && purge->second == "true";
  exchange->set_on_close(nullptr);  // the answer comes once the app stopped
  api.supervisor()->Remove(exchange->param("name"), wants_purge, [exchange](Status status) {
    if (status.ok()) return exchange->ReplyEmpty(204);
    exchange->ReplyStatus(status);
  });
}

}  // namespace

void AddAppRoutes(Router* router) {
  // Listed: the apps the caller may view.
  router->Add({.method = "GET", .pattern = "/v1/apps", .handler = ListApps, .needs_of = NoNeeds});
  router->Add({.method = "POST",
               .pattern = "/v1/apps",
               .handler = CreateApp,
               .takes_json = true,
               .needs = {{Action::kCreateApps}}});
  router->Add({.method = "GET",
               .pattern = "/v1/apps/{name}",
               .handler = GetApp,
               .needs = {{Action::kView, Over::kApp}}});
  router->Add({.method = "PUT",
               .pattern = "/v1/apps/{name}",
               .handler = PutApp,
               .takes_json = true,
               .needs_of = NeedsOfPut});
  router->Add({.method = "PATCH",
               .pattern = "/v1/apps/{name}",
               .handler = PatchApp,
               .takes_json = true,
               .needs_of = NeedsOfPatch});
  router->Add({.method = "DELETE",
               .pattern = "/v1/apps/{name}",
               .handler = DeleteApp,
               .query_keys = {"purge"},
               .needs = {{Action::kManage, Over::kApp}}});
}

}  // namespace berth
