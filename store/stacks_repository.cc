// StacksRepository: SQL for the `stacks` and `stack_jobs` tables.
#include "store/stacks_repository.h"

namespace berth {
namespace {

constexpr std::string_view kInsertSql =
    "INSERT INTO stacks (app, uuid, created_at, updated_at) VALUES (?1, ?2, ?3, ?3) "
    "ON CONFLICT (app) DO NOTHING";
constexpr std::string_view kByAppSql =
    "SELECT id, app, uuid, created_at, updated_at FROM stacks WHERE app = ?1";
constexpr std::string_view kByUuidSql =
    "SELECT id, app, uuid, created_at, updated_at FROM stacks WHERE uuid = ?1";
constexpr std::string_view kListSql =
    "SELECT id, app, uuid, created_at, updated_at FROM stacks ORDER BY app";
constexpr std::string_view kTouchSql = "UPDATE stacks SET updated_at = ?2 WHERE app = ?1";
constexpr std::string_view kAddJobSql =
    "INSERT INTO stack_jobs (app, run_at, action, status, message) VALUES (?1, ?2, ?3, ?4, ?5)";
constexpr std::string_view kJobsSql =
    "SELECT id, app, run_at, action, status, message FROM stack_jobs WHERE app = ?1 "
    "ORDER BY id DESC LIMIT ?2";
constexpr std::string_view kCountJobsSql =
    "SELECT COUNT(*), COALESCE(SUM(status = 'failed'), 0), MAX(id) FROM stack_jobs WHERE app = ?1";
constexpr std::string_view kRemoveSql = "DELETE FROM stacks WHERE app = ?1";
constexpr std::string_view kRemoveJobsSql = "DELETE FROM stack_jobs WHERE app = ?1";

StoredStack ReadStack(const Statement& stmt) {
  return {stmt.ColumnInt64(0), stmt.ColumnText(1), stmt.ColumnText(2), stmt.ColumnText(3),
          stmt.ColumnText(4)};
}

StackJob ReadJob(const Statement& stmt) {
  return {stmt.ColumnInt64(0), stmt.ColumnText(1), stmt.ColumnText(2),
          stmt.ColumnText(3),  stmt.ColumnText(4), stmt.ColumnText(5)};
}

}  // namespace

StacksRepository::StacksRepository(Database* db) : db_(db) {}

Result<std::optional<StoredStack>> StacksRepository::FindOne(std::optional<Statement>& slot,
                                                             std::string_view sql,
                                                             const std::string& key) {
  Result<Query> query = Query::Start(db_, slot, sql, {key});
  if (!query.ok()) return query.status();
  Result<bool> row = (*query)->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<StoredStack>();
  return std::optional<StoredStack>(ReadStack(**query));
}

Result<StoredStack> StacksRepository::Ensure(const std::string& app, const std::string& uuid,
                                             const std::string& now) {
  auto found = FindOne(by_app_, kByAppSql, app);
  if (!found.ok()) return found.status();
  if (*found) return **found;
  Result<Query> query = Query::Start(db_, insert_, kInsertSql, {app, uuid, now});
  if (!query.ok()) return query.status();
  if (Status s = query->Run(); !s.ok()) return s;
  found = FindOne(by_app_, kByAppSql, app);
  if (!found.ok()) return found.status();
  if (!*found) return Status::Internal("the stack of app '" + app + "' was not stored");
  return **found;
}

Result<std::optional<StoredStack>> StacksRepository::FindByUuid(const std::string& uuid) {
  return FindOne(by_uuid_, kByUuidSql, uuid);
}

Result<std::vector<StoredStack>> StacksRepository::List() {
  Result<Query> query = Query::Start(db_, list_, kListSql);
  if (!query.ok()) return query.status();
  std::vector<StoredStack> stacks;
  while (true) {
    Result<bool> row = (*query)->Step();
    if (!row.ok()) return row.status();
    if (!*row) return stacks;
    stacks.push_back(ReadStack(**query));
  }
}

Status StacksRepository::Touch(const std::string& app, const std::string& now) {
  Result<Query> query = Query::Start(db_, touch_, kTouchSql, {app, now});
  return query.ok() ? query->Run() : query.status();
}

Status StacksRepository::AddJob(const StackJob& job) {
  Result<Query> query = Query::Start(db_, add_job_, kAddJobSql,
                                     {job.app, job.run_at, job.action, job.status, job.message});
  return query.ok() ? query->Run() : query.status();
}

Result<std::vector<StackJob>> StacksRepository::Jobs(const std::string& app, int64_t limit) {
  Result<Query> query = Query::Start(db_, jobs_, kJobsSql, {app, limit});
  if (!query.ok()) return query.status();
  std::vector<StackJob> jobs;
  while (true) {
    Result<bool> row = (*query)->Step();
    if (!row.ok()) return row.status();
    if (!*row) return jobs;
    jobs.push_back(ReadJob(**query));
  }
}

Result<StackJobCounts> StacksRepository::CountJobs(const std::string& app) {
  StackJobCounts counts;
  {
    Result<Query> query = Query::Start(db_, count_jobs_, kCountJobsSql, {app});
    if (!query.ok()) return query.status();
    Result<bool> row = (*query)->Step();
    if (!row.ok()) return row.status();
    if (!*row || (*query)->ColumnInt64(0) == 0) return counts;
    counts.processed = (*query)->ColumnInt64(0);
    counts.failed = (*query)->ColumnInt64(1);
  }
  auto newest = Jobs(app, 1);
  if (!newest.ok()) return newest.status();
  if (!newest->empty()) counts.last = newest->front();
  return counts;
}

Status StacksRepository::RemoveForApp(const std::string& app) {
  return Atomically([&] {
    Result<Query> stack = Query::Start(db_, remove_, kRemoveSql, {app});
    if (!stack.ok()) return stack.status();
    if (Status s = stack->Run(); !s.ok()) return s;
    Result<Query> jobs = Query::Start(db_, remove_jobs_, kRemoveJobsSql, {app});
    return jobs.ok() ? jobs->Run() : jobs.status();
  });
}

Status StacksRepository::Atomically(const std::function<Status()>& body) {
  return db_->Transaction(body);
}

}  // namespace berth
