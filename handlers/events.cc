// GET /v1/events: a live SSE stream of app state changes, definition changes, deployments,
// health changes and what the proxy did with the routes.
#include "handlers/api.h"
#include "handlers/sse.h"
#include "reactor/clock.h"

namespace berth {
namespace {

nlohmann::json OrNull(const std::string& s) {
  return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s);
}

nlohmann::json TransitionJson(const TransitionEvent& event) {
  return {
      {"app", event.app},
      {"from", to_string(event.from)},
      {"to", to_string(event.to)},
      {"ts", FormatRfc3339(event.ts_ms)},
      {"pid", event.pid ? nlohmann::json(event.pid) : nlohmann::json(nullptr)},
      {"exit_code", event.exit_code ? nlohmann::json(*event.exit_code) : nlohmann::json(nullptr)}};
}

nlohmann::json DeployEventJson(const DeployEvent& event) {
  return {{"app", event.app},
          {"id", event.id},
          {"trigger", event.trigger},
          {"phase", event.phase},
          {"revision", OrNull(event.revision)},
          {"release", OrNull(event.release)},
          {"error", OrNull(event.error)},
          {"ts", FormatRfc3339(event.ts_ms)}};
}

nlohmann::json ProxyEventJson(const ProxyEvent& event) {
  return {{"app", OrNull(event.app)},
          {"action", event.action},
          {"error", OrNull(event.error)},
          {"file", OrNull(event.file)},
          {"ts", FormatRfc3339(event.ts_ms)}};
}

void StreamEvents(Api& api, const std::shared_ptr<Exchange>& exchange) {
  SseStream* stream = OpenSseStream(api, exchange);
  if (!stream) return;
  EventBus* bus = &api.supervisor()->bus();
  // What the caller may see is fixed when the stream opens.
  auto sees = [caller = exchange->principal()](const std::string& app) {
    return caller.Allows(Action::kView, app);
  };
  uint64_t transitions = bus->SubscribeTransitions([stream, sees](const TransitionEvent& event) {
    if (!sees(event.app)) return;
    stream->Send(std::nullopt, "app", DumpJson(TransitionJson(event)));
  });
  uint64_t config = bus->SubscribeConfig([stream, sees](const ConfigEvent& event) {
    if (!sees(event.app)) return;
    nlohmann::json data = {
        {"app", event.app}, {"action", event.action}, {"ts", FormatRfc3339(event.ts_ms)}};
    if (!event.error.empty()) data["error"] = event.error;
    stream->Send(std::nullopt, "config", DumpJson(data));
  });
  uint64_t deploys = bus->SubscribeDeploys([stream, sees](const DeployEvent& event) {
    if (!sees(event.app)) return;
    stream->Send(std::nullopt, "deploy", DumpJson(DeployEventJson(event)));
  });
  uint64_t proxy = bus->SubscribeProxy([stream, sees](const ProxyEvent& event) {
    if (!sees(event.app)) return;  // "" (the whole route set): global view
    stream->Send(std::nullopt, "proxy", DumpJson(ProxyEventJson(event)));
  });
  uint64_t health = bus->SubscribeHealth([stream, sees](const HealthEvent& event) {
    if (!sees(event.app)) return;
    nlohmann::json data = {
        {"app", event.app}, {"health", event.health}, {"ts", FormatRfc3339(event.ts_ms)}};
    stream->Send(std::nullopt, "health", DumpJson(data));
  });
  stream->set_on_end([bus, transitions, config, deploys, proxy, health] {
    for (uint64_t id : {transitions, config, deploys, proxy, health}) bus->Unsubscribe(id);
  });
}

}  // namespace

void AddEventRoutes(Router* router) {
  // Streamed: the events of the apps the caller may view (and berthd's own with global view).
  router->Add({.method = "GET",
               .pattern = "/v1/events",
               .handler = StreamEvents,
               .needs_of = NoNeeds});
}

}  // namespace berth
