// POST /v1/apps/{name}/webhook: a Git host's push, authenticated by its signature (the app's
// deploy.secret) instead of the bearer token. Parses and verifies here; what the push does is
// decided by supervise/webhook_intake.
#include <optional>
#include <span>
#include <string>

#include "handlers/api.h"
#include "handlers/webhook_signature.h"
#include "reactor/clock.h"

namespace berth {
namespace {

using ExchangePtr = std::shared_ptr<Exchange>;

// The headers each host names its event and its delivery with.
constexpr const char* kEventHeaders[] = {"X-GitHub-Event", "X-Gitea-Event", "X-Forgejo-Event",
                                         "X-Gitlab-Event", "X-Event-Key"};
constexpr const char* kDeliveryHeaders[] = {"X-GitHub-Delivery", "X-Gitea-Delivery",
                                            "X-Forgejo-Delivery", "X-Gitlab-Event-UUID",
                                            "X-Request-Id"};

std::string FirstHeader(const Exchange& exchange, std::span<const char* const> names) {
  for (const char* name : names)
    if (const char* value = exchange.header(name)) return value;
  return "";
}

std::string StringAt(const nlohmann::json& json, const nlohmann::json::json_pointer& pointer) {
  if (!json.contains(pointer)) return "";
  const nlohmann::json& value = json.at(pointer);
  return value.is_string() ? value.get<std::string>() : "";
}

// The payload as JSON: the body itself, or a form's `payload` field. Null and answered when
// it is neither.
std::optional<nlohmann::json> Payload(const ExchangePtr& exchange) {
  std::string text(exchange->body());
  const char* type = exchange->header("Content-Type");
  if (IsContentType(type, "application/x-www-form-urlencoded")) {
    auto fields = ParseFormFields(text);
    if (!fields || !fields->count("payload")) {
      exchange->ReplyError(400, "bad_request", "a form-encoded webhook needs a payload= field");
      return std::nullopt;
    }
    text = fields->at("payload");
  } else if (!IsContentType(type, "application/json")) {
    exchange->ReplyError(415, "unsupported_media_type",
                         "send the webhook as application/json (or a form with payload=)");
    return std::nullopt;
  }
  nlohmann::json json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    exchange->ReplyError(400, "bad_json", "the webhook payload is not a JSON object");
    return std::nullopt;
  }
  return json;
}

WebhookDelivery ReadDelivery(const Exchange& exchange, const nlohmann::json& payload) {
  using Pointer = nlohmann::json::json_pointer;
  WebhookDelivery delivery{.event = FirstHeader(exchange, kEventHeaders),
                           .delivery = FirstHeader(exchange, kDeliveryHeaders),
                           .ref = StringAt(payload, Pointer("/ref")),
                           .default_branch = StringAt(payload, Pointer("/repository/default_branch"))};
  // Bitbucket Server names the pushed refs in changes[].
  if (delivery.ref.empty()) delivery.ref = StringAt(payload, Pointer("/changes/0/ref/id"));
  return delivery;
}

void Render(const ExchangePtr& exchange, const std::string& app, const WebhookOutcome& outcome) {
  switch (outcome.result) {
    case WebhookResult::kPing:
      return exchange->Reply(200, {{"ping", true}});
    case WebhookResult::kDuplicate:
      return exchange->Reply(200, {{"duplicate", outcome.message}});
    case WebhookResult::kSkipped:
      return exchange->Reply(202, {{"skipped", outcome.message}});
    case WebhookResult::kConflict:
    case WebhookResult::kUnauthorized:
      return exchange->ReplyError(409, "conflict", outcome.message);
    case WebhookResult::kAccepted:
    case WebhookResult::kQueued:
      break;
  }
  exchange->AddHeader("Location", "/v1/apps/" + app + "/deployments/" +
                                      std::to_string(outcome.deploy.deployment));
  nlohmann::json body = {{"deployment", outcome.deploy.deployment}};
  if (outcome.result == WebhookResult::kQueued) body["queued"] = true;
  exchange->Reply(202, body);
}

void Receive(Api& api, const ExchangePtr& exchange) {
  // The signature, checked below, is the caller's credential.
  Principal caller;
  caller.kind = PrincipalKind::kWebhook;
  caller.label = "webhook:" + exchange->param("name");
  exchange->set_principal(std::move(caller));
  App* app = FindAppOr404(api, *exchange);
  if (!app || !api.CheckBodySize(*exchange)) return;
  const DeploySpec& deploy = app->spec().deploy;
  if (deploy.secret.empty()) {
    // Nothing to check a signature against: the app takes no webhooks at all.
    app->CountWebhook(WebhookResult::kConflict);
    return exchange->ReplyError(409, "conflict",
                                "app '" + app->spec().name +
                                    "' has no deploy.secret: it does not take webhooks");
  }
  HeaderLookup headers = [&](std::string_view name) -> std::optional<std::string_view> {
    const char* value = exchange->header(std::string(name).c_str());
    return value ? std::optional<std::string_view>(value) : std::nullopt;
  };
  if (Status s = VerifyWebhookSignature(headers, exchange->body(), deploy.secret,
                                        deploy.signature_header);
      !s.ok()) {
    api.supervisor()->webhooks().Unauthorized(app);
    return exchange->ReplyError(401, "unauthorized", s.message());
  }
  std::optional<nlohmann::json> payload = Payload(exchange);
  if (!payload) return;
  std::string name = app->spec().name;
  if (api.supervisor()->IsBeingRemoved(name))
    return exchange->ReplyError(409, "conflict", "app '" + name + "' is being deleted");
  WebhookOutcome outcome =
      api.supervisor()->webhooks().Take(app, ReadDelivery(*exchange, *payload), WallClockMs());
  Render(exchange, name, outcome);
}

}  // namespace

void AddWebhookRoutes(Router* router) {
  // Public: the signature, checked by the handler, stands in for the bearer token.
  router->Add({.method = "POST",
               .pattern = "/v1/apps/{name}/webhook",
               .handler = Receive,
               .public_route = true});
}

}  // namespace berth
