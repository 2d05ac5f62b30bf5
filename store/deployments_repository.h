// DeploymentsRepository: the `deployments` table, one row per run of fetch -> install ->
// (re)start of an app, with its trigger, revision, outcome, duration and capped log.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/database.h"
#include "base/status.h"

namespace berth {

// kRolledBack: the deployment failed after it had touched what runs, and the last good release
// was put back (the app serves what it served before).
enum class DeployOutcome { kRunning, kSucceeded, kFailed, kSkipped, kRolledBack };

// "running", "succeeded", "failed", "skipped", "rolled_back": the values stored and shown by
// the API.
const char* to_string(DeployOutcome outcome);
std::optional<DeployOutcome> ParseDeployOutcome(std::string_view text);

// What is known when a deployment starts. Unset optionals are stored as NULL.
struct NewDeployment {
  std::string app;
  std::string trigger;                  // "create", "redeploy", "rollback", "change", "start"...
  std::string started_at;               // RFC 3339 UTC with milliseconds, set by the caller
  std::optional<std::string> revision;  // known up front by e.g. a rollback
  std::optional<std::string> ref;
  std::optional<std::string> release;
};

struct Deployment {
  int64_t id = 0;
  std::string app;
  std::string trigger;
  std::optional<std::string> revision;  // git commit sha or tarball sha256, once known
  std::optional<std::string> ref;       // the resolved ref name, once known
  std::optional<std::string> release;   // the release directory id, once created
  std::string started_at;
  std::optional<std::string> finished_at;
  DeployOutcome outcome = DeployOutcome::kRunning;
  std::optional<std::string> error;
  std::optional<int64_t> duration_ms;
  std::string log;  // empty unless asked for
};

struct DeployStats {
  struct LastRun {
    std::string started_at;
    DeployOutcome outcome = DeployOutcome::kRunning;
  };
  int64_t processed = 0;        // finished deployments: any outcome but running
  int64_t succeeded = 0;        // of those, by outcome
  int64_t failed = 0;
  int64_t rolled_back = 0;
  int64_t skipped = 0;
  std::optional<LastRun> last;  // the newest deployment, running or not; unset if none
};

// A finished deployment as counted at startup: whose, how it ended and how long it took.
struct FinishedDeployment {
  std::string app;
  DeployOutcome outcome = DeployOutcome::kFailed;
  std::optional<int64_t> duration_ms;  // unset for runs that ended with an earlier berthd
};

// Reads and writes deployments. Does not own the Database, which must outlive it. Prepared
// statements are cached on first use. Every write is one statement or one transaction, so it
// is durable when the call returns (the Database runs with synchronous=FULL). Rows are kept
// after the app is deleted, until RemoveForApp purges them.
class DeploymentsRepository {
 public:
  // The stored log never exceeds kLogCapBytes. When an append would pass it, the log keeps its
  // first kLogHeadBytes, then a line "[... N bytes cut ...]" (N counts every byte cut so far),
  // then its newest part, trimmed to about kLogTrimmedBytes in all so that the appends that
  // follow are plain concatenations again. Cuts fall on UTF-8 character boundaries.
  static constexpr size_t kLogCapBytes = size_t{1} << 20;
  static constexpr size_t kLogHeadBytes = size_t{64} << 10;
  static constexpr size_t kLogTrimmedBytes = size_t{768} << 10;

  explicit DeploymentsRepository(Database* db);

  // Inserts a deployment with outcome "running" and an empty log; returns its id. Ids only
  // grow, even across deletions.
  Result<int64_t> Begin(const NewDeployment& deployment);

  // Appends `text` to the log of deployment `id` (capped, see kLogCapBytes); NotFound if there
  // is no such deployment. Appending nothing does nothing.
  // Cost: SQLite rewrites the whole row, so each call writes (and syncs) about the current log
  // size, up to kLogCapBytes; a cut additionally reads the log once, at most every
  // kLogCapBytes - kLogTrimmedBytes appended bytes. Callers should batch output (e.g. flush a
  // buffer every few hundred milliseconds or kilobytes) rather than append line by line.
  Status AppendLog(int64_t id, std::string_view text);

  // Records the revision and resolved ref that deployment `id` is deploying. An empty `ref` is
  // stored as NULL. NotFound if there is no such deployment.
  Status SetRevision(int64_t id, std::string_view revision, std::string_view ref);
  // Records the release directory id of deployment `id`. NotFound if there is none.
  Status SetRelease(int64_t id, std::string_view release);

  // Ends a running deployment, after appending `last_log` to its log in the same transaction
  // (one commit, one sync). An empty `error` is stored as NULL. Invalid if `outcome` is
  // kRunning, NotFound if there is no deployment `id`, Conflict if it has already finished.
  Status Finish(int64_t id, DeployOutcome outcome, std::string_view error,
                std::string_view finished_at, int64_t duration_ms, std::string_view last_log = {});

  // Runs `body` (calls of this repository) in one transaction: one commit, all or nothing.
  Status Atomically(const std::function<Status()>& body);

  // Marks every deployment still "running" as failed with `error`, finished at `finished_at`
  // and no duration. berthd calls it at startup: those runs died with a previous daemon.
  Status FailRunning(std::string_view error, std::string_view finished_at);

  // The newest `limit` deployments of `app` (all of them if `limit` is negative), newest
  // first, without their logs.
  Result<std::vector<Deployment>> ListForApp(const std::string& app, int64_t limit);
  // Deployment `id` if it belongs to `app`, else nullopt. The log is read only if `with_log`.
  Result<std::optional<Deployment>> Get(const std::string& app, int64_t id, bool with_log);
  // The newest succeeded deployment of `app` (older than `before_id` when given), without its
  // log, or nullopt: what a rollback goes back to.
  Result<std::optional<Deployment>> LastSucceeded(const std::string& app,
                                                  std::optional<int64_t> before_id);
  // Counts of `app`'s deployments and its newest one.
  Result<DeployStats> Stats(const std::string& app);
  // Calls `fn` for every finished deployment of every app, oldest first, without reading logs:
  // one pass over the table, for counters that start from what is stored.
  Status ForEachFinished(const std::function<void(const FinishedDeployment&)>& fn);

  // Deletes every deployment of `app`, when the app is purged. Ok if there is none.
  Status RemoveForApp(const std::string& app);

 private:
  // Runs an UPDATE of deployment `id`; NotFound when it changed no row.
  Status Update(std::optional<Statement>& slot, std::string_view sql,
                std::initializer_list<SqlParam> params, int64_t id);
  Status CutAndAppendLog(int64_t id, std::string_view text);
  Status FinishRow(int64_t id, DeployOutcome outcome, std::string_view error,
                   std::string_view finished_at, int64_t duration_ms);
  Result<std::string> ReadLog(int64_t id);

  Database* db_;
  std::optional<Statement> begin_;
  std::optional<Statement> append_log_;
  std::optional<Statement> read_log_;
  std::optional<Statement> write_log_;
  std::optional<Statement> set_revision_;
  std::optional<Statement> set_release_;
  std::optional<Statement> finish_;
  std::optional<Statement> outcome_;
  std::optional<Statement> fail_running_;
  std::optional<Statement> list_;
  std::optional<Statement> get_;
  std::optional<Statement> last_succeeded_;
  std::optional<Statement> stats_;
  std::optional<Statement> finished_;
  std::optional<Statement> remove_;
};

}  // namespace berth
