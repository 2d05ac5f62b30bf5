// GET /v1/audit: the audit trail, newest first, filtered by app, user and time.
#include "handlers/api.h"
#include "handlers/audit_trail.h"
#include "reactor/clock.h"

namespace berth {
namespace {

using ExchangePtr = std::shared_ptr<Exchange>;

constexpr long kMaxEntries = 1000;

nlohmann::json OrNull(const std::string& text) {
  return text.empty() ? nlohmann::json(nullptr) : nlohmann::json(text);
}

nlohmann::json AuditEntryJson(const AuditEntry& entry) {
  return {{"id", entry.id},
          {"ts", FormatRfc3339(entry.ts_ms)},
          {"principal", entry.principal},
          {"user", OrNull(entry.user)},
          {"client", entry.client},
          {"method", entry.method},
          {"route", entry.route},
          {"app", OrNull(entry.app)},
          {"status", entry.status},
          {"outcome", entry.outcome},
          {"summary", entry.summary}};
}

// Reads the query into `filter`; false (and a 400 naming the parameter sent) when one is bad.
bool ParseAuditFilter(Exchange& exchange, AuditFilter* filter) {
  const std::map<std::string, std::string>& query = exchange.query();
  for (auto [key, member] : {std::pair{"app", &filter->app}, std::pair{"user", &filter->user}}) {
    if (auto it = query.find(key); it != query.end()) *member = it->second;
  }
  for (auto [key, member] :
       {std::pair{"since", &filter->since_ms}, std::pair{"until", &filter->until_ms}}) {
    auto it = query.find(key);
    if (it == query.end()) continue;
    if (!(*member = ParseRfc3339(it->second))) {
      exchange.ReplyError(400, "bad_request",
                          std::string(key) +
                              " must be an RFC 3339 time such as "
                              "2026-11-25T08:00:00Z, not '" +
                              it->second + "'");
      return false;
    }
  }
  long limit = filter->limit;
  if (auto it = query.find("limit");
      it != query.end() && !ParseCount(it->second, 1, kMaxEntries, &limit)) {
    exchange.ReplyError(400, "bad_request", "limit must be a whole number from 1 to 1000");
    return false;
  }
  filter->limit = static_cast<int>(limit);
  return true;
}

void ListAudit(Api& api, const ExchangePtr& exchange) {
  if (!api.audit_trail())
    return exchange->ReplyError(503, "unavailable", "this berthd keeps no audit trail");
  AuditFilter filter;
  if (!ParseAuditFilter(*exchange, &filter)) return;
  Result<std::vector<AuditEntry>> entries = api.audit_trail()->Find(filter);
  if (!entries.ok()) return exchange->ReplyStatus(entries.status());
  nlohmann::json out = nlohmann::json::array();
  for (const AuditEntry& entry : *entries) out.push_back(AuditEntryJson(entry));
  exchange->Reply(200, out);
}

}  // namespace

void AddAuditRoutes(Router* router) {
  router->Add({.method = "GET",
               .pattern = "/v1/audit",
               .handler = ListAudit,
               .query_keys = {"app", "user", "since", "until", "limit"},
               .needs = {{Action::kManageUsers}}});
}

}  // namespace berth
