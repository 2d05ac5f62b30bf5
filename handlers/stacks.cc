// /stacks: the API of Supervisor (tschaefer/supervisor) over berth's compose apps. A stack is a
// compose app with a git source, known there by a uuid; creating one is PUT /v1/apps/{name}
// with its attributes mapped onto the app's definition. docs/stacks-compat.md says where and
// why it differs from upstream.
#include "handlers/stacks.h"

#include <set>

#include "handlers/stack_jobs.h"
#include "handlers/webhook_signature.h"
#include "reactor/clock.h"

namespace berth {
namespace {

void ReplyBadRequest(Exchange& exchange) {
  ReplyOrdered(exchange, 400, {{"status", 400}, {"error", "Bad Request"}});
}

// The request's stack attributes, or nullopt with Rails' 400 answered.
std::optional<nlohmann::json> ReadParams(Api& api, Exchange& exchange) {
  if (!api.CheckBodySize(exchange)) return std::nullopt;
  std::optional<nlohmann::json> params = StackParams(exchange.body());
  if (!params) {
    ReplyBadRequest(exchange);
    return std::nullopt;
  }
  exchange.set_json(*params);  // what the audit trail summarises, secrets masked
  return params;
}

void ReplyInvalid(Exchange& exchange, const nlohmann::ordered_json& errors) {
  ReplyOrdered(exchange, 422, {{"error", errors}});
}

// A refusal from berth: an invalid field on the attribute it concerns, anything else with its
// own status.
void ReplyRefused(Exchange& exchange, const Status& status) {
  if (status.code() != Status::Code::kInvalid)
    return ReplyStackError(exchange, HttpStatusOf(status), status.message());
  nlohmann::ordered_json errors;
  errors[StackAttributeOf(status.field())].push_back(status.message());
  ReplyInvalid(exchange, errors);
}

void ReplyStack(Api& api, Exchange& exchange, int status, const App& app,
                const StoredStack& stack) {
  auto stats = StackStatsOf(api, app.spec().name);
  if (!stats.ok()) return ReplyStackError(exchange, 500, stats.status().message());
  ReplyOrdered(exchange, status, StackJson(app.spec(), stack, *stats, app.healthy(), true));
}

void ListStacks(Api& api, const ExchangePtr& exchange) {
  StacksRepository& stacks = api.supervisor()->stacks();
  auto rows = stacks.List();
  if (!rows.ok()) return ReplyStackError(*exchange, 500, rows.status().message());
  std::map<std::string, std::string> uuids;
  for (const StoredStack& row : *rows) uuids[row.app] = row.uuid;
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const auto& [name, app] : api.supervisor()->apps()) {
    if (!IsStack(*app) || !exchange->principal().Allows(Action::kView, name)) continue;
    if (!uuids.count(name)) {
      // First seen by /stacks: its uuid from now on.
      auto row = stacks.Ensure(name, NewStackUuid(), FormatRfc3339(WallClockMs()));
      if (!row.ok()) return ReplyStackError(*exchange, 500, row.status().message());
      uuids[name] = row->uuid;
    }
    list.push_back({{"name", name}, {"uuid", uuids[name]}});
  }
  ReplyOrdered(*exchange, 200, list);
}

void CreateStack(Api& api, const ExchangePtr& exchange) {
  if (!CheckStackAllowed(*exchange, Action::kCreateApps, "")) return;
  std::optional<nlohmann::json> params = ReadParams(api, *exchange);
  if (!params) return;
  Supervisor* supervisor = api.supervisor();
  std::string name = params->value("name", nlohmann::json()).is_string()
                         ? (*params)["name"].get<std::string>()
                         : "";
  nlohmann::ordered_json errors = ValidateStack(*params, supervisor->Find(name) != nullptr);
  if (!errors.empty()) return ReplyInvalid(*exchange, errors);
  auto spec = ParseAppSpec(StackAppJson(*params, nlohmann::json::object()), name);
  if (!spec.ok()) return ReplyRefused(*exchange, spec.status());
  // The app and its uuid are stored together or not at all.
  Result<StoredStack> stack = Status::Internal("not stored");
  App* app = nullptr;
  Status stored = supervisor->stacks().Atomically([&] {
    stack = supervisor->stacks().Ensure(name, NewStackUuid(), FormatRfc3339(WallClockMs()));
    if (!stack.ok()) return stack.status();
    auto created = supervisor->Create(*spec);
    if (!created.ok()) return created.status();
    app = *created;
    return Status::Ok();
  });
  if (!stored.ok()) return ReplyRefused(*exchange, stored);
  exchange->AddHeader("Location", "/stacks/" + stack->uuid);
  ReplyStack(api, *exchange, 201, *app, *stack);
}

void ShowStack(Api& api, const ExchangePtr& exchange) {
  StoredStack stack;
  App* app = FindStackOr404(api, *exchange, &stack);
  if (!app) return;
  ReplyOrdered(*exchange, 200, StackJson(app->spec(), stack, {}, app->healthy(), false));
}

void UpdateStack(Api& api, const ExchangePtr& exchange) {
  StoredStack stack;
  App* app = FindStackOr404(api, *exchange, &stack);
  if (!app || !CheckStackAllowed(*exchange, Action::kEditConfiguration, app->spec().name)) return;
  std::optional<nlohmann::json> params = ReadParams(api, *exchange);
  if (!params) return;
  std::string name = app->spec().name;
  if (params->contains("name") && (*params)["name"] != name)
    return ReplyInvalid(*exchange, {{"name", {"cannot be changed"}}});
  nlohmann::json merged = StackAttributes(app->spec());
  for (const auto& [key, value] : params->items()) merged[key] = value;
  nlohmann::ordered_json errors = ValidateStack(merged, false);
  if (!errors.empty()) return ReplyInvalid(*exchange, errors);
  auto spec = ParseAppSpec(StackAppJson(merged, AppSpecToJson(app->spec(), true)), name);
  if (!spec.ok()) return ReplyRefused(*exchange, spec.status());
  Supervisor* supervisor = api.supervisor();
  supervisor->KeepSecrets(app, &*spec);  // "***" (a GET body sent back) keeps a secret
  bool created = false;
  auto replaced = supervisor->Put(*spec, &created);
  if (!replaced.ok()) return ReplyRefused(*exchange, replaced.status());
  stack.updated_at = FormatRfc3339(WallClockMs());
  if (Status s = supervisor->stacks().Touch(name, stack.updated_at); !s.ok())
    return ReplyStackError(*exchange, 500, s.message());
  ReplyStack(api, *exchange, 200, **replaced, stack);
}

void DeleteStack(Api& api, const ExchangePtr& exchange) {
  StoredStack stack;
  App* app = FindStackOr404(api, *exchange, &stack);
  if (!app || !CheckStackAllowed(*exchange, Action::kManage, app->spec().name)) return;
  exchange->set_on_close(nullptr);  // the answer comes once the app stopped
  api.supervisor()->Remove(app->spec().name, false, [exchange](Status status) {
    if (status.ok()) return exchange->ReplyEmpty(204);
    ReplyStackError(*exchange, HttpStatusOf(status), status.message());
  });
}

// "command" at the top level or inside "stack"; "" when neither is a string.
std::string ControlCommand(std::string_view body) {
  nlohmann::json json = nlohmann::json::parse(body, nullptr, false);
  if (!json.is_object()) return "";
  if (json.contains("stack") && json["stack"].is_object() && !json.contains("command"))
    json = json["stack"];
  return json.contains("command") && json["command"].is_string()
             ? json["command"].get<std::string>()
             : "";
}

void ControlStack(Api& api, const ExchangePtr& exchange) {
  StoredStack stack;
  App* app = FindStackOr404(api, *exchange, &stack);
  if (!app || !api.CheckBodySize(*exchange)) return;
  std::string command = ControlCommand(exchange->body());
  const std::string& name = app->spec().name;
  Action needed = command == "redeploy" ? Action::kDeploy : Action::kControl;
  if (!CheckStackAllowed(*exchange, needed, name)) return;
  exchange->set_json({{"command", command}});
  static const std::set<std::string> kCommands = {"start", "stop",    "restart",
                                                  "pause", "unpause", "redeploy"};
  if (!kCommands.count(command)) return ReplyStackError(*exchange, 400, "Invalid control command");
  Supervisor* supervisor = api.supervisor();
  if (supervisor->IsBeingRemoved(name))
    return ReplyStackError(*exchange, 409, "app '" + name + "' is being deleted");
  // As upstream's jobs: the answer does not wait; what came of it shows in the stack's log.
  std::string action = command == "redeploy" ? "deploy" : command;
  if (Status s = supervisor->CheckRuntime(app->spec()); !s.ok()) {
    api.stack_jobs().Record(name, action, false, s.message());
  } else if (command != "redeploy") {
    api.stack_jobs().Run(app, command);
  } else if (Status s = app->Redeploy(true); !s.ok()) {
    api.stack_jobs().Record(name, action, false, s.message());
  }
  exchange->ReplyEmpty(204);
}

// Public: the stack's uuid is the hook's address and its signature the credential.
void ReceiveWebhook(Api& api, const ExchangePtr& exchange) {
  Principal caller;
  caller.kind = PrincipalKind::kWebhook;
  caller.label = "webhook:stack";
  exchange->set_principal(std::move(caller));
  auto row = api.supervisor()->stacks().FindByUuid(exchange->param("uuid"));
  if (!row.ok()) return ReplyStackError(*exchange, 500, row.status().message());
  App* app = *row ? api.supervisor()->Find((*row)->app) : nullptr;
  if (!app || !IsStack(*app)) return ReplyStackError(*exchange, 404, "Stack not found");
  const std::string& name = app->spec().name;
  Principal named = exchange->principal();
  named.label = "webhook:" + name;
  exchange->set_principal(std::move(named));
  auto params = exchange->params();
  params["name"] = name;
  exchange->set_params(std::move(params));
  if (!api.CheckBodySize(*exchange)) return;
  const DeploySpec& deploy = app->spec().deploy;
  HeaderLookup headers = [&](std::string_view header) -> std::optional<std::string_view> {
    const char* value = exchange->header(std::string(header).c_str());
    return value ? std::optional<std::string_view>(value) : std::nullopt;
  };
  if (deploy.signature_header.empty() ||
      !VerifyWebhookSignature(headers, exchange->body(), deploy.secret, deploy.signature_header)
           .ok())
    return ReplyStackError(*exchange, 400, "Payload signature is invalid");
  if (deploy.strategy != DeployStrategy::kWebhook)
    return ReplyStackError(*exchange, 409, "Stack strategy is not webhook");
  if (api.supervisor()->IsBeingRemoved(name))
    return ReplyStackError(*exchange, 409, "app '" + name + "' is being deleted");
  auto deployed = app->DeployOnPush();
  if (!deployed.ok())
    return ReplyStackError(*exchange, HttpStatusOf(deployed.status()), deployed.status().message());
  ReplyOrdered(*exchange, 202, {{"message", "Webhook received"}});
}

}  // namespace

bool IsStack(const App& app) {
  const AppSpec& spec = app.spec();
  return spec.kind() == AppKind::kCompose && spec.source &&
         spec.source->type == SourceSpec::Type::kGit;
}

App* FindStackOr404(Api& api, Exchange& exchange, StoredStack* stack) {
  auto row = api.supervisor()->stacks().FindByUuid(exchange.param("uuid"));
  if (!row.ok()) {
    ReplyStackError(exchange, 500, row.status().message());
    return nullptr;
  }
  App* app = *row ? api.supervisor()->Find((*row)->app) : nullptr;
  if (!app || !IsStack(*app) || !exchange.principal().Allows(Action::kView, app->spec().name)) {
    ReplyStackError(exchange, 404, "Stack not found");
    return nullptr;
  }
  *stack = **row;
  auto params = exchange.params();
  params["name"] = stack->app;
  exchange.set_params(std::move(params));
  return app;
}

bool CheckStackAllowed(Exchange& exchange, Action action, const std::string& app) {
  if (exchange.principal().Allows(action, app)) return true;
  ReplyStackError(exchange, 403, exchange.ForbiddenMessage(action, app));
  return false;
}

void ReplyStackError(Exchange& exchange, int status, const std::string& message) {
  ReplyOrdered(exchange, status, {{"error", message}});
}

void ReplyOrdered(Exchange& exchange, int status, const nlohmann::ordered_json& body) {
  exchange.ReplyText(
      status, "application/json",
      body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n");
}

void AddStackRoutes(Router* router) {
  // Every /stacks route checks in its handler: the uuid names the app only once looked up.
  auto add = [router](std::string method, std::string pattern, Handler handler) {
    router->Add({.method = std::move(method),
                 .pattern = std::move(pattern),
                 .handler = std::move(handler),
                 .supervisor_compat = true,
                 .needs_of = NoNeeds});
  };
  add("GET", "/stacks", ListStacks);
  add("POST", "/stacks", CreateStack);
  add("GET", "/stacks/{uuid}", ShowStack);
  add("PATCH", "/stacks/{uuid}", UpdateStack);
  add("PUT", "/stacks/{uuid}", UpdateStack);
  add("DELETE", "/stacks/{uuid}", DeleteStack);
  add("POST", "/stacks/{uuid}/control", ControlStack);
  router->Add({.method = "POST",
               .pattern = "/stacks/{uuid}/webhook",
               .handler = ReceiveWebhook,
               .public_route = true,
               .supervisor_compat = true});
  AddStackLogRoutes(router);
}

}  // namespace berth
