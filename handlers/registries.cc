// /v1/registries: named registry credentials (password always "***" out), the tags of a
// repository at one of them, and /v1/apps/{name}/image/tags for a container app's image.
#include "handlers/api.h"
#include "supervise/app_spec.h"

namespace berth {
namespace {

using ExchangePtr = std::shared_ptr<Exchange>;

nlohmann::json RegistryJson(const StoredRegistry& registry) {
  return {{"host", registry.host},
          {"username", registry.username},
          {"password", kMaskedSecret},
          {"created", registry.created_at},
          {"updated", registry.updated_at}};
}

// Reads {"host", "username", "password"}; a 422 naming the field at fault is sent when one is
// missing or not a string, or when `host` differs from the path's.
bool ParseRegistry(Exchange& exchange, const std::string& path_host, StoredRegistry* registry) {
  const nlohmann::json& body = exchange.json();
  if (!body.is_object()) {
    exchange.ReplyError(422, "invalid", "send {\"host\", \"username\", \"password\"}");
    return false;
  }
  for (auto [field, value] : {std::pair{"host", &registry->host},
                              std::pair{"username", &registry->username},
                              std::pair{"password", &registry->password}}) {
    if (!path_host.empty() && std::string_view(field) == "host" && !body.contains("host")) {
      *value = path_host;
      continue;
    }
    if (!body.contains(field) || !body[field].is_string()) {
      exchange.ReplyError(422, "invalid", std::string(field) + " must be a string", field);
      return false;
    }
    *value = body[field].get<std::string>();
  }
  if (!path_host.empty() && registry->host != path_host) {
    exchange.ReplyError(422, "invalid", "host must match the path", "host");
    return false;
  }
  return true;
}

void ListRegistries(Api& api, const ExchangePtr& exchange) {
  auto registries = api.supervisor()->registries().List();
  if (!registries.ok()) return exchange->ReplyStatus(registries.status());
  nlohmann::json out = nlohmann::json::array();
  for (const StoredRegistry& registry : *registries) out.push_back(RegistryJson(registry));
  exchange->Reply(200, out);
}

void CreateRegistry(Api& api, const ExchangePtr& exchange) {
  StoredRegistry registry;
  if (!ParseRegistry(*exchange, "", &registry)) return;
  auto created = api.supervisor()->registries().Create(std::move(registry));
  if (!created.ok()) return exchange->ReplyStatus(created.status());
  exchange->AddHeader("Location", "/v1/registries/" + created->host);
  exchange->Reply(201, RegistryJson(*created));
}

void GetRegistry(Api& api, const ExchangePtr& exchange) {
  auto registry = api.supervisor()->registries().Get(exchange->param("host"));
  if (!registry.ok()) return exchange->ReplyStatus(registry.status());
  exchange->Reply(200, RegistryJson(*registry));
}

void PutRegistry(Api& api, const ExchangePtr& exchange) {
  StoredRegistry registry;
  if (!ParseRegistry(*exchange, exchange->param("host"), &registry)) return;
  bool created = false;
  auto stored = api.supervisor()->registries().Put(std::move(registry), &created);
  if (!stored.ok()) return exchange->ReplyStatus(stored.status());
  if (created) exchange->AddHeader("Location", "/v1/registries/" + stored->host);
  exchange->Reply(created ? 201 : 200, RegistryJson(*stored));
}

void DeleteRegistry(Api& api, const ExchangePtr& exchange) {
  Status removed = api.supervisor()->registries().Remove(exchange->param("host"));
  if (!removed.ok()) return exchange->ReplyStatus(removed);
  exchange->ReplyEmpty(204);
}

void ReplyTags(const ExchangePtr& exchange, Result<TagList> list) {
  if (!list.ok()) return exchange->ReplyStatus(list.status());
  exchange->Reply(200, {{"registry", list->registry},
                        {"repository", list->repository},
                        {"tags", list->tags}});
}

void ListRegistryTags(Api& api, const ExchangePtr& exchange) {
  auto repository = exchange->query().find("repository");
  if (repository == exchange->query().end())
    return exchange->ReplyError(400, "bad_request", "say which repository: ?repository=acme/app");
  api.supervisor()->registries().ListTags(
      exchange->param("host"), repository->second,
      [exchange](Result<TagList> list) { ReplyTags(exchange, std::move(list)); });
}

void ListImageTags(Api& api, const ExchangePtr& exchange) {
  App* app = FindAppOr404(api, *exchange);
  if (!app) return;
  const ContainerSpec* container = app->spec().container();
  if (!container)
    return exchange->ReplyError(409, "conflict",
                                "app '" + app->spec().name + "' is not a container: it has no image");
  api.supervisor()->registries().ListImageTags(
      *container, [exchange](Result<TagList> list) { ReplyTags(exchange, std::move(list)); });
}

}  // namespace

void AddRegistryRoutes(Router* router) {
  // Registry credentials serve every app: changing them is manage on global.
  router->Add({.method = "GET",
               .pattern = "/v1/registries",
               .handler = ListRegistries,
               .needs = {{Action::kView}}});
  router->Add({.method = "POST",
               .pattern = "/v1/registries",
               .handler = CreateRegistry,
               .takes_json = true,
               .needs = {{Action::kManage}}});
  router->Add({.method = "GET",
               .pattern = "/v1/registries/{host}",
               .handler = GetRegistry,
               .needs = {{Action::kView}}});
  router->Add({.method = "PUT",
               .pattern = "/v1/registries/{host}",
               .handler = PutRegistry,
               .takes_json = true,
               .needs = {{Action::kManage}}});
  router->Add({.method = "DELETE",
               .pattern = "/v1/registries/{host}",
               .handler = DeleteRegistry,
               .needs = {{Action::kManage}}});
  router->Add({.method = "GET",
               .pattern = "/v1/registries/{host}/tags",
               .handler = ListRegistryTags,
               .query_keys = {"repository"},
               .needs = {{Action::kView}}});
  router->Add({.method = "GET",
               .pattern = "/v1/apps/{name}/image/tags",
               .handler = ListImageTags,
               .needs = {{Action::kView, Over::kApp}}});
}

}  // namespace berth
