// AuditRepository: SQL for the `audit` table.
#include "store/audit_repository.h"

#include <array>
#include <limits>
#include <string_view>

namespace berth {
namespace {

constexpr std::string_view kAppendSql =
    "INSERT INTO audit (ts_ms, principal, user, client, method, route, app, status, outcome, "
    "summary) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";

// The query for a combination of the app and user filters: indexed by (app set) + 2 * (user set).
// Every variant names ?1..?5 (?5 being the limit) so that Find binds them all alike.
const std::string& FindSql(size_t variant) {
  static const std::array<std::string, 4> kSql = [] {
    const std::string select =
        "SELECT id, ts_ms, principal, user, client, method, route, app, status, outcome, "
        "summary FROM audit WHERE ts_ms BETWEEN ?1 AND ?2";
    const std::string order = " ORDER BY ts_ms DESC, id DESC LIMIT ?5";
    return std::array<std::string, 4>{select + order, select + " AND app = ?3" + order,
                                      select + " AND user = ?4" + order,
                                      select + " AND app = ?3 AND user = ?4" + order};
  }();
  return kSql[variant];
}

constexpr std::string_view kPruneSql = "DELETE FROM audit WHERE ts_ms < ?1";

std::optional<std::string> OrNull(const std::string& text) {
  if (text.empty()) return std::nullopt;
  return text;
}

AuditEntry Read(const Statement& stmt) {
  return AuditEntry{.id = stmt.ColumnInt64(0),
                    .ts_ms = stmt.ColumnInt64(1),
                    .principal = stmt.ColumnText(2),
                    .user = stmt.ColumnText(3),
                    .client = stmt.ColumnText(4),
                    .method = stmt.ColumnText(5),
                    .route = stmt.ColumnText(6),
                    .app = stmt.ColumnText(7),
                    .status = static_cast<int>(stmt.ColumnInt64(8)),
                    .outcome = stmt.ColumnText(9),
                    .summary = stmt.ColumnText(10)};
}

}  // namespace

AuditRepository::AuditRepository(Database* db) : db_(db) {}

Status AuditRepository::Append(const AuditEntry& entry) {
  std::optional<std::string> user = OrNull(entry.user);
  std::optional<std::string> app = OrNull(entry.app);
  Result<Query> query =
      Query::Start(db_, append_, kAppendSql,
                   {entry.ts_ms, entry.principal, user, entry.client, entry.method, entry.route,
                    app, int64_t{entry.status}, entry.outcome, entry.summary});
  return query.ok() ? query->Run() : query.status();
}

Result<std::vector<AuditEntry>> AuditRepository::Find(const AuditFilter& filter) {
  size_t variant = (filter.app.empty() ? 0 : 1) + (filter.user.empty() ? 0 : 2);
  int64_t since = filter.since_ms.value_or(std::numeric_limits<int64_t>::min());
  int64_t until = filter.until_ms.value_or(std::numeric_limits<int64_t>::max());
  Result<Query> query =
      Query::Start(db_, find_[variant], FindSql(variant),
                   {since, until, filter.app, filter.user, int64_t{filter.limit}});
  if (!query.ok()) return query.status();
  std::vector<AuditEntry> entries;
  while (true) {
    Result<bool> row = (*query)->Step();
    if (!row.ok()) return row.status();
    if (!*row) return entries;
    entries.push_back(Read(**query));
  }
}

Result<int64_t> AuditRepository::PruneBefore(int64_t ts_ms) {
  Result<Query> query = Query::Start(db_, prune_, kPruneSql, {ts_ms});
  if (!query.ok()) return query.status();
  if (Status s = query->Run(); !s.ok()) return s;
  return db_->changes();
}

}  // namespace berth
