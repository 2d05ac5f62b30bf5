// What the /stacks route files (stacks.cc, stack_log.cc) share: finding the stack a request
// names, Supervisor-shaped answers, and the stack's jobs (deployments and control commands).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "handlers/api.h"
#include "handlers/stack_json.h"

namespace berth {

using ExchangePtr = std::shared_ptr<Exchange>;

// Whether /stacks shows the app: a compose app with a git source.
bool IsStack(const App& app);

// The app a /stacks/{uuid} request names, its row in `*stack`. Null, with 404 {"error": "Stack
// not found"} answered, when there is none or the caller may not view it (one answer for both:
// it never tells a uuid exists). Sets the {name} param, the audit trail's app.
App* FindStackOr404(Api& api, Exchange& exchange, StoredStack* stack);

// False, with 403 {"error": "<berth's message>"} answered, when the caller may not do `action`
// on `app`.
bool CheckStackAllowed(Exchange& exchange, Action action, const std::string& app);

// {"error": "<message>"}.
void ReplyStackError(Exchange& exchange, int status, const std::string& message);
// `body` as its text, keys in its order.
void ReplyOrdered(Exchange& exchange, int status, const nlohmann::ordered_json& body);

// One job of a stack's log: a deployment or a control command that finished.
struct StackLogEntry {
  std::string run_at;
  std::string action;  // polling, webhook, deploy, start, stop, restart, pause, unpause
  std::string status;  // succeeded, failed
  std::string message;
};
nlohmann::ordered_json StackLogEntryJson(const StackLogEntry& entry);
StackLogEntry StackLogEntryOf(const Deployment& deployment);
StackLogEntry StackLogEntryOf(const StackJob& job);

// The newest `entries` jobs of `app`, oldest first; messages read only `with_messages`.
Result<std::vector<StackLogEntry>> StackLog(Api& api, const std::string& app, long entries,
                                            bool with_messages);
// The stats upstream keeps, counted over the same jobs.
Result<StackStats> StackStatsOf(Api& api, const std::string& app);

void AddStackLogRoutes(Router* router);

}  // namespace berth
