// GET /stacks/{uuid}/stats and /stacks/{uuid}/log (?entries=N, ?follow=true as SSE): a stack's
// jobs, which are berth's deployments of the app and the control commands run through /stacks.
#include <algorithm>

#include "handlers/sse.h"
#include "handlers/stack_jobs.h"
#include "handlers/stacks.h"
#include "reactor/clock.h"

namespace berth {
namespace {

constexpr long kMaxEntries = 100;

const char* ActionOf(const std::string& trigger) {
  if (trigger == "poll") return "polling";
  if (trigger == "webhook") return "webhook";
  return "deploy";
}

void ShowStats(Api& api, const ExchangePtr& exchange) {
  StoredStack stack;
  App* app = FindStackOr404(api, *exchange, &stack);
  if (!app) return;
  auto stats = StackStatsOf(api, stack.app);
  if (!stats.ok()) return ReplyStackError(*exchange, 500, stats.status().message());
  ReplyOrdered(*exchange, 200,
               {{"processed", stats->processed},
                {"failed", stats->failed},
                {"last_run", stats->last_run ? nlohmann::json(*stats->last_run) : nullptr},
                {"last_action", stats->last_action ? nlohmann::json(*stats->last_action) : nullptr},
                {"uuid", stack.uuid}});
}

// Each job that finishes from now on, until the stack is deleted (then a close event).
void Follow(Api& api, const ExchangePtr& exchange, const std::string& app) {
  SseStream* stream = OpenSseStream(api, exchange);
  if (!stream) return;
  stream->set_retry_ms(100);
  auto send = [stream](const StackLogEntry& entry) {
    stream->Send(std::nullopt, "message",
                 StackLogEntryJson(entry).dump(-1, ' ', false,
                                               nlohmann::ordered_json::error_handler_t::replace));
  };
  Supervisor* supervisor = api.supervisor();
  EventBus* bus = &supervisor->bus();
  uint64_t deploys = bus->SubscribeDeploys([supervisor, app, send](const DeployEvent& event) {
    if (event.app != app || event.phase == "started") return;
    auto row = supervisor->deployments().Get(app, event.id, true);
    if (row.ok() && *row && (*row)->finished_at) send(StackLogEntryOf(**row));
  });
  StackJobs* jobs = &api.stack_jobs();
  uint64_t controls = jobs->Subscribe([app, send](const StackJob& job) {
    if (job.app == app) send(StackLogEntryOf(job));
  });
  Api* owner = &api;
  uint64_t config = bus->SubscribeConfig([owner, stream, app](const ConfigEvent& event) {
    if (event.app != app || event.action != "deleted") return;
    nlohmann::ordered_json data = {{"created_at", FormatRfc3339(event.ts_ms)},
                                   {"message", "Log file removed"}};
    stream->Send(std::nullopt, "close", data.dump());
    stream->End([] {});
    owner->DropStream(stream);
  });
  stream->set_on_end([bus, jobs, deploys, controls, config] {
    bus->Unsubscribe(deploys);
    bus->Unsubscribe(config);
    jobs->Unsubscribe(controls);
  });
}

void ShowLog(Api& api, const ExchangePtr& exchange) {
  StoredStack stack;
  App* app = FindStackOr404(api, *exchange, &stack);
  if (!app || !CheckStackAllowed(*exchange, Action::kViewLogs, stack.app)) return;
  const auto& query = exchange->query();
  long entries = 1;
  if (auto it = query.find("entries"); it != query.end()) entries = RubyToInteger(it->second);
  if (entries < 0)
    return ReplyStackError(*exchange, 400, "entries must be a whole number from 0 to 100");
  entries = std::min(entries, kMaxEntries);
  // Upstream follows when the parameter is there at all; "false" and "0" mean no here.
  auto follow = query.find("follow");
  if (follow != query.end() && follow->second != "false" && follow->second != "0")
    return Follow(api, exchange, stack.app);
  auto log = StackLog(api, stack.app, entries, true);
  if (!log.ok()) return ReplyStackError(*exchange, 500, log.status().message());
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const StackLogEntry& entry : *log) out.push_back(StackLogEntryJson(entry));
  ReplyOrdered(*exchange, 200, out);
}

}  // namespace

nlohmann::ordered_json StackLogEntryJson(const StackLogEntry& entry) {
  return {{"run_at", entry.run_at},
          {"action", entry.action},
          {"status", entry.status},
          {"message", entry.message}};
}

StackLogEntry StackLogEntryOf(const Deployment& d) {
  bool failed = d.outcome == DeployOutcome::kFailed || d.outcome == DeployOutcome::kRolledBack;
  std::string message = d.log;
  if (message.empty() && d.error) message = *d.error;
  return {d.finished_at.value_or(d.started_at), ActionOf(d.trigger),
          failed ? "failed" : "succeeded", message};
}

StackLogEntry StackLogEntryOf(const StackJob& job) {
  return {job.run_at, job.action, job.status, job.message};
}

Result<std::vector<StackLogEntry>> StackLog(Api& api, const std::string& app, long entries,
                                            bool with_messages) {
  Supervisor* supervisor = api.supervisor();
  // A running deployment or two are not jobs yet: ask for a few more.
  auto deployments = supervisor->deployments().ListForApp(app, entries + 2);
  if (!deployments.ok()) return deployments.status();
  auto controls = supervisor->stacks().Jobs(app, entries);
  if (!controls.ok()) return controls.status();
  std::vector<StackLogEntry> log;
  for (const Deployment& d : *deployments) {
    if (!d.finished_at || static_cast<long>(log.size()) == entries) continue;
    if (!with_messages) {
      log.push_back(StackLogEntryOf(d));
      continue;
    }
    auto full = supervisor->deployments().Get(app, d.id, true);
    if (!full.ok()) return full.status();
    log.push_back(StackLogEntryOf(full->value_or(d)));
  }
  for (const StackJob& job : *controls) log.push_back(StackLogEntryOf(job));
  std::stable_sort(log.begin(), log.end(), [](const StackLogEntry& a, const StackLogEntry& b) {
    return a.run_at > b.run_at;
  });
  if (static_cast<long>(log.size()) > entries) log.resize(entries);
  std::reverse(log.begin(), log.end());
  return log;
}

Result<StackStats> StackStatsOf(Api& api, const std::string& app) {
  auto deployed = api.supervisor()->deployments().Stats(app);
  if (!deployed.ok()) return deployed.status();
  auto controlled = api.supervisor()->stacks().CountJobs(app);
  if (!controlled.ok()) return controlled.status();
  auto newest = StackLog(api, app, 1, false);
  if (!newest.ok()) return newest.status();
  StackStats stats{.processed = deployed->processed + controlled->processed,
                   .failed = deployed->failed + deployed->rolled_back + controlled->failed};
  if (!newest->empty()) {
    stats.last_run = newest->back().run_at;
    stats.last_action = newest->back().action;
  }
  return stats;
}

void AddStackLogRoutes(Router* router) {
  router->Add({.method = "GET",
               .pattern = "/stacks/{uuid}/stats",
               .handler = ShowStats,
               .supervisor_compat = true,
               .needs_of = NoNeeds});
  router->Add({.method = "GET",
               .pattern = "/stacks/{uuid}/log",
               .handler = ShowLog,
               .supervisor_compat = true,
               .query_keys = {"entries", "follow"},
               .needs_of = NoNeeds});
}

}  // namespace berth
