// StacksRepository: the `stacks` table (the uuid by which the Supervisor-compatible /stacks API
// knows a compose app) and `stack_jobs` (the control commands run through it, for its job log).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "store/database.h"

namespace berth {

struct StoredStack {
  int64_t id = 0;
  std::string app;
  std::string uuid;
  std::string created_at;  // RFC 3339 UTC with milliseconds, set by the caller
  std::string updated_at;
};

// One control command that finished: "start", "stop", "restart", "pause" or "unpause", with
// "succeeded" or "failed" and what berth said of it.
struct StackJob {
  int64_t id = 0;
  std::string app;
  std::string run_at;  // when it finished
  std::string action;
  std::string status;
  std::string message;
};

// How many jobs of an app finished, how many of those failed, and the newest one.
struct StackJobCounts {
  int64_t processed = 0;
  int64_t failed = 0;
  std::optional<StackJob> last;
};

// Reads and writes both tables. Does not own the Database, which must outlive it. Prepared
// statements are cached on first use.
class StacksRepository {
 public:
  explicit StacksRepository(Database* db);

  // The row of `app`, first inserted with `uuid` and `now` when there is none.
  Result<StoredStack> Ensure(const std::string& app, const std::string& uuid,
                             const std::string& now);
  // The row with this uuid, or nullopt.
  Result<std::optional<StoredStack>> FindByUuid(const std::string& uuid);
  // Every row, by app name.
  Result<std::vector<StoredStack>> List();
  // Sets updated_at of `app`'s row (when the stack was changed through /stacks).
  Status Touch(const std::string& app, const std::string& now);

  Status AddJob(const StackJob& job);
  // The newest `limit` jobs of `app`, newest first.
  Result<std::vector<StackJob>> Jobs(const std::string& app, int64_t limit);
  Result<StackJobCounts> CountJobs(const std::string& app);

  // Deletes `app`'s row and jobs; Ok if there are none.
  Status RemoveForApp(const std::string& app);
  // Runs `body` in one transaction: one commit, all or nothing.
  Status Atomically(const std::function<Status()>& body);

 private:
  Result<std::optional<StoredStack>> FindOne(std::optional<Statement>& slot, std::string_view sql,
                                             const std::string& key);

  Database* db_;
  std::optional<Statement> insert_;
  std::optional<Statement> by_app_;
  std::optional<Statement> by_uuid_;
  std::optional<Statement> list_;
  std::optional<Statement> touch_;
  std::optional<Statement> add_job_;
  std::optional<Statement> jobs_;
  std::optional<Statement> count_jobs_;
  std::optional<Statement> remove_;
  std::optional<Statement> remove_jobs_;
};

}  // namespace berth
