// AuditTrail: the record of who asked the API to do what, kept for a number of days; and
// AuditSummary, the one-line, secret-free summary of a request body stored with each entry.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "reactor/event_loop.h"
#include "store/audit_repository.h"

namespace berth {

class Exchange;
struct Route;

// The longest summary AuditSummary returns, in bytes (the cut ends in "…").
inline constexpr size_t kMaxAuditSummaryBytes = 1000;

// "ok" for a 2xx or 3xx status, "refused" for 401, 403 and 429, else "failed".
std::string AuditOutcome(int status);

// The body of a `method` request as one line of compact JSON for the audit trail, with every
// secret masked as "***": the value of any key named (in any case, at any depth) password,
// token, secret, webhook_secret, api_key, apikey, private_key or credentials, or ending in
// _password, _token or _secret, and each value of a `secrets` object (its names stay). `env`
// values are not secret and stay. Empty for GET and HEAD and for a null body. A summary over
// kMaxAuditSummaryBytes is cut (at a character boundary) and ends in "…".
std::string AuditSummary(std::string_view method, const nlohmann::json& body);

// Whether the answer `status` to a `method` request goes into the audit trail: every request
// that may change something (not GET, HEAD or OPTIONS), and every refused one (401, 403, 429).
bool IsAudited(std::string_view method, int status);

// The entry for `exchange`, answered `status`, at `ts_ms`: its principal, client, method and
// path, the app it was about (the {name} of an /v1/apps/{name} route, or the name in the body
// of POST /v1/apps) and the summary of its JSON body. `route` is null when none matched.
AuditEntry AuditEntryOf(const Exchange& exchange, const Route* route, int status, int64_t ts_ms);

// Appends entries to the `audit` table and reads them back; at construction and then every
// hour it deletes the entries older than `keep_days`. Does not own the loop or the Database,
// which must outlive it.
class AuditTrail {
 public:
  // Anonymous callers' entries wait at most this long, and at most kMaxPending of them.
  static constexpr long kFlushMs = 1000;
  static constexpr size_t kMaxPending = 1000;

  AuditTrail(EventLoop* loop, Database* db, int keep_days);
  // Writes what still waits.
  ~AuditTrail();

  // Stores `entry` (an empty outcome is filled from its status). A failed write is logged as
  // an error, never thrown: the request it records has already been answered. An anonymous
  // caller's entry (a request without valid credentials) is written with the others of the
  // same second in one transaction, so that a flood of them costs one write a second, not one
  // each; past kMaxPending in a second they are counted, and one entry says how many.
  void Record(AuditEntry entry);
  // Writes the anonymous entries waiting now.
  void Flush();
  // The entries matching `filter`, newest first.
  Result<std::vector<AuditEntry>> Find(const AuditFilter& filter);
  AuditRepository& repository() { return repository_; }

 private:
  void Prune();

  void Write(const AuditEntry& entry);

  Database* db_;
  AuditRepository repository_;
  int keep_days_;
  Timer prune_timer_;
  std::vector<AuditEntry> pending_;
  int64_t dropped_ = 0;
  Timer flush_timer_;
};

}  // namespace berth
