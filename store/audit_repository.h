// AuditRepository: the `audit` table, one row per API request that was recorded: who asked, what,
// about which app, and how it ended.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "store/database.h"

namespace berth {

struct AuditEntry {
  int64_t id = 0;         // set by the table; ignored by Append
  int64_t ts_ms = 0;      // wall clock, milliseconds since the epoch
  std::string principal;  // "admin", "user:alice", "token:alice/laptop", "webhook:shop"
  std::string user;       // the user behind the principal; empty = none (admin, webhook)
  std::string client;     // the peer address
  std::string method;     // "POST"
  std::string route;      // the path asked for: "/v1/apps/shop/control"
  std::string app;        // the app it was about; empty = none
  int status = 0;         // the HTTP status answered
  std::string outcome;    // "ok", "refused", "failed"
  std::string summary;    // a one-line summary of the body, secrets masked
};

// Which entries Find returns: those matching every filter that is set (an empty string is
// unset), at most `limit` of them.
struct AuditFilter {
  std::string app;
  std::string user;
  std::optional<int64_t> since_ms;  // ts_ms >= since_ms
  std::optional<int64_t> until_ms;  // ts_ms <= until_ms
  int limit = 100;
};

// Reads and writes the audit trail. Does not own the Database, which must outlive it.
class AuditRepository {
 public:
  explicit AuditRepository(Database* db);

  // Adds `entry` (its id is chosen by the table).
  [[nodiscard]] Status Append(const AuditEntry& entry);
  // The entries matching `filter`, newest first (by ts_ms, then id).
  Result<std::vector<AuditEntry>> Find(const AuditFilter& filter);
  // Deletes every entry older than `ts_ms`; the number deleted.
  Result<int64_t> PruneBefore(int64_t ts_ms);

 private:
  Database* db_;
  std::optional<Statement> append_;
  // One statement per combination of the app and user filters, so that each uses its index.
  std::array<std::optional<Statement>, 4> find_;
  std::optional<Statement> prune_;
};

}  // namespace berth
