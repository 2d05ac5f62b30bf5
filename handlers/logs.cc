// GET /v1/apps/{name}/logs: the last lines of an app, or a live SSE stream of them.
#include <cstdlib>

#include "handlers/api.h"
#include "handlers/sse.h"
#include "reactor/clock.h"

namespace berth {
namespace {

using ExchangePtr = std::shared_ptr<Exchange>;

nlohmann::json EntryJson(const LogEntry& entry) {
  nlohmann::json json = {{"seq", entry.seq},
                         {"ts", FormatRfc3339(entry.ts_ms)},
                         {"stream", to_string(entry.stream)},
                         {"line", entry.line}};
  if (!entry.service.empty()) json["service"] = entry.service;
  return json;
}

// Parses a whole number in [min, max]; false if `text` is anything else.
bool ParseCount(const std::string& text, long min, long max, long* out) {
  if (text.empty() || text.size() > 18) return false;
  char* end = nullptr;
  long value = strtol(text.c_str(), &end, 10);
  if (*end != '\0' || value < min || value > max) return false;
  *out = value;
  return true;
}

void FollowLogs(Api& api, const ExchangePtr& exchange, App* app, long entries) {
  uint64_t after = 0;
  size_t limit = entries;
  if (const char* last = exchange->header("Last-Event-ID")) {
    long id = 0;
    if (!ParseCount(last, 0, std::numeric_limits<long>::max() / 2, &id))
      return exchange->ReplyError(400, "bad_request", "Last-Event-ID must be a log seq number");
    after = id;
    limit = app->logs().size();
  }
  SseStream* stream = OpenSseStream(api, exchange);
  if (!stream) return;
  app->logs().ForEachSince(after, limit, [stream](const LogEntry& entry) {
    stream->Send(entry.seq, "log", DumpJson(EntryJson(entry)));
  });
  EventBus* bus = &api.supervisor()->bus();
  uint64_t id = bus->SubscribeLogs(app->spec().name, [stream](const LogEntry& entry) {
    stream->Send(entry.seq, "log", DumpJson(EntryJson(entry)));
  });
  stream->set_on_end([bus, id] { bus->Unsubscribe(id); });
}

void GetLogs(Api& api, const ExchangePtr& exchange) {
  App* app = FindAppOr404(api, *exchange);
  if (!app) return;
  const auto& query = exchange->query();
  long entries = 100;
  if (auto it = query.find("entries");
      it != query.end() && !ParseCount(it->second, 1, 1000, &entries))
    return exchange->ReplyError(400, "bad_request",
                                "entries must be a whole number from 1 to 1000");
  bool follow = false;
  if (auto it = query.find("follow"); it != query.end()) {
    if (it->second != "true" && it->second != "false")
      return exchange->ReplyError(400, "bad_request", "follow must be true or false");
    follow = it->second == "true";
  }
  if (follow) return FollowLogs(api, exchange, app, entries);
  nlohmann::json lines = nlohmann::json::array();
  app->logs().ForEachSince(0, entries,
                           [&](const LogEntry& entry) { lines.push_back(EntryJson(entry)); });
  exchange->Reply(200, lines);
}

}  // namespace

void AddLogRoutes(Router* router) {
  router->Add({.method = "GET",
               .pattern = "/v1/apps/{name}/logs",
               .handler = GetLogs,
               .query_keys = {"entries", "follow"},
               .needs = {{Action::kViewLogs, Over::kApp}}});
}

}  // namespace berth
