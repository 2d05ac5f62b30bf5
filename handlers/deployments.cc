// GET /v1/apps/{name}/deployments and /v1/apps/{name}/deployments/{id} (?log=true).
#include "handlers/api.h"

namespace berth {
namespace {

using ExchangePtr = std::shared_ptr<Exchange>;

template <class T>
nlohmann::json OrNull(const std::optional<T>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

nlohmann::json DeploymentJson(const Deployment& d) {
  return {{"id", d.id},
          {"app", d.app},
          {"trigger", d.trigger},
          {"revision", OrNull(d.revision)},
          {"ref", OrNull(d.ref)},
          {"release", OrNull(d.release)},
          {"started", d.started_at},
          {"finished", OrNull(d.finished_at)},
          {"outcome", to_string(d.outcome)},
          {"error", OrNull(d.error)},
          {"duration_ms", OrNull(d.duration_ms)}};
}

void List(Api& api, const ExchangePtr& exchange) {
  App* app = FindAppOr404(api, *exchange);
  if (!app) return;
  auto rows = api.supervisor()->deployments().ListForApp(app->spec().name, 100);
  if (!rows.ok()) return exchange->ReplyStatus(rows.status());
  nlohmann::json out = nlohmann::json::array();
  for (const Deployment& d : *rows) out.push_back(DeploymentJson(d));
  exchange->Reply(200, out);
}

void Show(Api& api, const ExchangePtr& exchange) {
  App* app = FindAppOr404(api, *exchange);
  if (!app) return;
  const std::string& id_text = exchange->param("id");
  bool digits = !id_text.empty() && id_text.size() < 18 &&
                id_text.find_first_not_of("0123456789") == std::string::npos;
  auto log = exchange->query().find("log");
  bool with_log = log != exchange->query().end() && log->second == "true";
  if (log != exchange->query().end() && log->second != "true" && log->second != "false")
    return exchange->ReplyError(400, "bad_request", "log must be true or false");
  std::optional<Deployment> found;
  if (digits) {
    auto row = api.supervisor()->deployments().Get(app->spec().name, std::stoll(id_text), with_log);
    if (!row.ok()) return exchange->ReplyStatus(row.status());
    found = *row;
  }
  if (!found)
    return exchange->ReplyError(404, "not_found",
                                "app '" + app->spec().name + "' has no deployment " + id_text);
  nlohmann::json out = DeploymentJson(*found);
  if (with_log) out["log"] = found->log;
  exchange->Reply(200, out);
}

}  // namespace

void AddDeploymentRoutes(Router* router) {
  router->Add({.method = "GET",
               .pattern = "/v1/apps/{name}/deployments",
               .handler = List,
               .needs = {{Action::kView, Over::kApp}}});
  // The log of a deployment is a log: view_logs.
  router->Add({.method = "GET",
               .pattern = "/v1/apps/{name}/deployments/{id}",
               .handler = Show,
               .query_keys = {"log"},
               .needs_of = [](Api&, const Exchange& exchange) {
                 auto log = exchange.query().find("log");
                 bool wants_log = log != exchange.query().end() && log->second == "true";
                 return std::vector<Need>{
                     {wants_log ? Action::kViewLogs : Action::kView, Over::kApp}};
               }});
}

}  // namespace berth
