// DeploymentsRepository: SQL for the `deployments` table, with its statements prepared once and
// reused, and the cutting of logs that grow past their cap.
#include "store/deployments_repository.h"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <limits>
#include <utility>

namespace berth {
namespace {

using Repo = DeploymentsRepository;

constexpr std::string_view kBeginSql =
    "INSERT INTO deployments (app, trigger, started_at, revision, ref, release, outcome) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'running') RETURNING id";
// The common case: SQLite concatenates, as long as the result stays within the cap.
constexpr std::string_view kAppendLogSql =
    "UPDATE deployments SET log = log || ?2 "
    "WHERE id = ?1 AND length(CAST(log AS BLOB)) + ?3 <= ?4";
constexpr std::string_view kReadLogSql = "SELECT log FROM deployments WHERE id = ?1";
constexpr std::string_view kWriteLogSql = "UPDATE deployments SET log = ?2 WHERE id = ?1";
constexpr std::string_view kSetRevisionSql =
    "UPDATE deployments SET revision = ?2, ref = ?3 WHERE id = ?1";
constexpr std::string_view kSetReleaseSql = "UPDATE deployments SET release = ?2 WHERE id = ?1";
constexpr std::string_view kFinishSql =
    "UPDATE deployments SET outcome = ?2, error = ?3, finished_at = ?4, duration_ms = ?5 "
    "WHERE id = ?1 AND outcome = 'running'";
constexpr std::string_view kOutcomeSql = "SELECT outcome FROM deployments WHERE id = ?1";
constexpr std::string_view kFailRunningSql =
    "UPDATE deployments SET outcome = 'failed', error = ?1, finished_at = ?2 "
    "WHERE outcome = 'running'";
constexpr std::string_view kListSql =
    "SELECT id, app, trigger, revision, ref, release, started_at, finished_at, outcome, error, "
    "duration_ms, '' FROM deployments WHERE app = ?1 ORDER BY id DESC LIMIT ?2";
constexpr std::string_view kGetSql =
    "SELECT id, app, trigger, revision, ref, release, started_at, finished_at, outcome, error, "
    "duration_ms, CASE WHEN ?3 THEN log ELSE '' END FROM deployments WHERE app = ?1 AND id = ?2";
constexpr std::string_view kLastSucceededSql =
    "SELECT id, app, trigger, revision, ref, release, started_at, finished_at, outcome, error, "
    "duration_ms, '' FROM deployments WHERE app = ?1 AND id < ?2 AND outcome = 'succeeded' "
    "ORDER BY id DESC LIMIT 1";
// With exactly one max() in the query, SQLite reads the bare columns from the row holding it.
constexpr std::string_view kStatsSql =
    "SELECT coalesce(sum(outcome <> 'running'), 0), coalesce(sum(outcome = 'succeeded'), 0), "
    "coalesce(sum(outcome = 'failed'), 0), coalesce(sum(outcome = 'rolled_back'), 0), "
    "coalesce(sum(outcome = 'skipped'), 0), max(id), started_at, outcome "
    "FROM deployments WHERE app = ?1";
constexpr std::string_view kFinishedSql =
    "SELECT id, app, outcome, duration_ms FROM deployments WHERE outcome <> 'running' "
    "ORDER BY id";
constexpr std::string_view kRemoveSql = "DELETE FROM deployments WHERE app = ?1";

// The marker a cut leaves between the head and the newest part of a log.
constexpr std::string_view kCutPrefix = "\n[... ";
constexpr std::string_view kCutSuffix = " bytes cut ...]\n";
constexpr size_t kCutMarkerMaxBytes = kCutPrefix.size() + 20 + kCutSuffix.size();
// The longest run of continuation bytes in a UTF-8 character.
constexpr size_t kUtf8MaxTail = 3;

Status NoDeployment(int64_t id) { return Status::NotFound("no deployment " + std::to_string(id)); }

std::optional<std::string> OptionalText(const Statement& stmt, int col) {
  if (stmt.ColumnIsNull(col)) {
    return std::nullopt;
  }
  return stmt.ColumnText(col);
}

Result<DeployOutcome> ReadOutcome(const Statement& stmt, int col, int64_t id) {
  std::string text = stmt.ColumnText(col);
  std::optional<DeployOutcome> outcome = ParseDeployOutcome(text);
  if (!outcome) {
    return Status::IOError("deployment " + std::to_string(id) + " has an unknown outcome '" + text +
                           "' in the database");
  }
  return *outcome;
}

// Reads the current row of a statement selecting (id, app, trigger, revision, ref, release,
// started_at, finished_at, outcome, error, duration_ms, log).
Result<Deployment> ReadDeployment(const Statement& stmt) {
  Deployment d;
  d.id = stmt.ColumnInt64(0);
  d.app = stmt.ColumnText(1);
  d.trigger = stmt.ColumnText(2);
  d.revision = OptionalText(stmt, 3);
  d.ref = OptionalText(stmt, 4);
  d.release = OptionalText(stmt, 5);
  d.started_at = stmt.ColumnText(6);
  d.finished_at = OptionalText(stmt, 7);
  Result<DeployOutcome> outcome = ReadOutcome(stmt, 8, d.id);
  if (!outcome.ok()) {
    return outcome.status();
  }
  d.outcome = *outcome;
  d.error = OptionalText(stmt, 9);
  if (!stmt.ColumnIsNull(10)) {
    d.duration_ms = stmt.ColumnInt64(10);
  }
  d.log = stmt.ColumnText(11);
  return d;
}

// Steps a bound statement selecting at most one deployment.
Result<std::optional<Deployment>> ReadOne(Statement* stmt) {
  Result<bool> row = stmt->Step();
  if (!row.ok()) {
    return row.status();
  }
  if (!*row) {
    return std::optional<Deployment>();
  }
  Result<Deployment> deployment = ReadDeployment(*stmt);
  if (!deployment.ok()) {
    return deployment.status();
  }
  return std::optional<Deployment>(std::move(deployment).value());
}

bool IsUtf8Continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Moves `pos` back, if needed, so that it does not split a character.
size_t Utf8Floor(std::string_view text, size_t pos) {
  for (size_t i = 0; i < kUtf8MaxTail && pos > 0 && pos < text.size(); ++i) {
    if (!IsUtf8Continuation(text[pos])) {
      break;
    }
    --pos;
  }
  return pos;
}

// Moves `pos` forward, if needed, so that it does not split a character.
size_t Utf8Ceil(std::string_view text, size_t pos) {
  for (size_t i = 0; i < kUtf8MaxTail && pos < text.size(); ++i) {
    if (!IsUtf8Continuation(text[pos])) {
      break;
    }
    ++pos;
  }
  return pos;
}

// A log seen as the head it keeps forever, then the body whose oldest part a cut drops.
struct LogSplit {
  size_t head_end = 0;    // the head is [0, head_end)
  size_t body_begin = 0;  // head_end, or after the marker of an earlier cut
  uint64_t cut = 0;       // bytes dropped by earlier cuts
};

// An earlier cut left its marker right after the head, which ends at most kUtf8MaxTail bytes
// before kLogHeadBytes.
std::optional<LogSplit> FindEarlierCut(std::string_view log) {
  for (size_t at = Repo::kLogHeadBytes - kUtf8MaxTail; at <= Repo::kLogHeadBytes; ++at) {
    if (log.substr(std::min(at, log.size())).substr(0, kCutPrefix.size()) != kCutPrefix) {
      continue;
    }
    const char* digits = log.data() + at + kCutPrefix.size();
    uint64_t cut = 0;
    auto [end, error] = std::from_chars(digits, log.data() + log.size(), cut);
    size_t suffix = end - log.data();
    if (error == std::errc() && log.substr(suffix).substr(0, kCutSuffix.size()) == kCutSuffix) {
      return LogSplit{at, suffix + kCutSuffix.size(), cut};
    }
  }
  return std::nullopt;
}

LogSplit SplitLog(std::string_view log) {
  if (std::optional<LogSplit> earlier = FindEarlierCut(log)) {
    return *earlier;
  }
  size_t head_end = Utf8Floor(log, std::min(log.size(), Repo::kLogHeadBytes));
  return LogSplit{head_end, head_end, 0};
}

// `log` followed by `text`, cut down to at most kLogTrimmedBytes.
// REQUIRES: together they are longer than kLogCapBytes.
std::string CutLog(std::string_view log, std::string_view text) {
  std::string all;
  all.reserve(log.size() + text.size());
  all.append(log).append(text);
  assert(all.size() > Repo::kLogCapBytes);
  LogSplit split = SplitLog(all);
  size_t tail_budget = Repo::kLogTrimmedBytes - split.head_end - kCutMarkerMaxBytes;
  size_t tail_begin = Utf8Ceil(all, std::max(split.body_begin, all.size() - tail_budget));
  uint64_t cut = split.cut + (tail_begin - split.body_begin);

  std::string kept;
  kept.reserve(split.head_end + kCutMarkerMaxBytes + (all.size() - tail_begin));
  kept.append(all, 0, split.head_end);
  kept.append(kCutPrefix).append(std::to_string(cut)).append(kCutSuffix);
  kept.append(all, tail_begin);
  return kept;
}

}  // namespace

const char* to_string(DeployOutcome outcome) {
  switch (outcome) {
    case DeployOutcome::kRunning:
      return "running";
    case DeployOutcome::kSucceeded:
      return "succeeded";
    case DeployOutcome::kFailed:
      return "failed";
    case DeployOutcome::kSkipped:
      return "skipped";
    case DeployOutcome::kRolledBack:
      return "rolled_back";
  }
  return "unknown";
}

std::optional<DeployOutcome> ParseDeployOutcome(std::string_view text) {
  for (DeployOutcome outcome : {DeployOutcome::kRunning, DeployOutcome::kSucceeded,
                                DeployOutcome::kFailed, DeployOutcome::kSkipped,
                                DeployOutcome::kRolledBack}) {
    if (text == to_string(outcome)) {
      return outcome;
    }
  }
  return std::nullopt;
}

DeploymentsRepository::DeploymentsRepository(Database* db) : db_(db) {}

Result<int64_t> DeploymentsRepository::Begin(const NewDeployment& deployment) {
  Result<Query> query = Query::Start(db_, begin_, kBeginSql,
                                     {deployment.app, deployment.trigger, deployment.started_at,
                                      deployment.revision, deployment.ref, deployment.release});
  if (!query.ok()) {
    return query.status();
  }
  Result<bool> row = (*query)->Step();
  if (!row.ok()) {
    return row.status();
  }
  if (!*row) {
    return Status::Internal("inserting a deployment returned no id");
  }
  int64_t id = (*query)->ColumnInt64(0);
  // The insert commits when the statement completes.
  if (Status s = query->Run(); !s.ok()) {
    return s;
  }
  return id;
}

Status DeploymentsRepository::AppendLog(int64_t id, std::string_view text) {
  if (text.empty()) {
    return Status::Ok();
  }
  if (text.size() <= kLogCapBytes) {
    Result<Query> query = Query::Start(
        db_, append_log_, kAppendLogSql,
        {id, text, static_cast<int64_t>(text.size()), static_cast<int64_t>(kLogCapBytes)});
    if (!query.ok()) {
      return query.status();
    }
    if (Status s = query->Run(); !s.ok()) {
      return s;
    }
    if (db_->changes() > 0) {
      return Status::Ok();
    }
  }
  // Either there is no such deployment or the log would pass its cap.
  return db_->Transaction([&] { return CutAndAppendLog(id, text); });
}

Result<std::string> DeploymentsRepository::ReadLog(int64_t id) {
  Result<Query> query = Query::Start(db_, read_log_, kReadLogSql, {id});
  if (!query.ok()) {
    return query.status();
  }
  Result<bool> row = (*query)->Step();
  if (!row.ok()) {
    return row.status();
  }
  if (!*row) {
    return NoDeployment(id);
  }
  return (*query)->ColumnText(0);
}

Status DeploymentsRepository::CutAndAppendLog(int64_t id, std::string_view text) {
  Result<std::string> log = ReadLog(id);
  if (!log.ok()) {
    return log.status();
  }
  std::string kept =
      log->size() + text.size() > kLogCapBytes ? CutLog(*log, text) : *log + std::string(text);
  Result<Query> query = Query::Start(db_, write_log_, kWriteLogSql, {id, kept});
  return query.ok() ? query->Run() : query.status();
}

Status DeploymentsRepository::Update(std::optional<Statement>& slot, std::string_view sql,
                                     std::initializer_list<SqlParam> params, int64_t id) {
  Result<Query> query = Query::Start(db_, slot, sql, params);
  if (!query.ok()) {
    return query.status();
  }
  if (Status s = query->Run(); !s.ok()) {
    return s;
  }
  return db_->changes() > 0 ? Status::Ok() : NoDeployment(id);
}

Status DeploymentsRepository::SetRevision(int64_t id, std::string_view revision,
                                          std::string_view ref) {
  std::optional<std::string_view> stored_ref;
  if (!ref.empty()) {
    stored_ref = ref;
  }
  return Update(set_revision_, kSetRevisionSql, {id, revision, stored_ref}, id);
}

Status DeploymentsRepository::SetRelease(int64_t id, std::string_view release) {
  return Update(set_release_, kSetReleaseSql, {id, release}, id);
}

Status DeploymentsRepository::Finish(int64_t id, DeployOutcome outcome, std::string_view error,
                                     std::string_view finished_at, int64_t duration_ms,
                                     std::string_view last_log) {
  if (outcome == DeployOutcome::kRunning) {
    return Status::Invalid("a deployment cannot finish as running");
  }
  if (last_log.empty()) {
    return FinishRow(id, outcome, error, finished_at, duration_ms);
  }
  return db_->Transaction([&] {
    if (Status s = AppendLog(id, last_log); !s.ok()) {
      return s;
    }
    return FinishRow(id, outcome, error, finished_at, duration_ms);
  });
}

Status DeploymentsRepository::Atomically(const std::function<Status()>& body) {
  return db_->Transaction(body);
}

Status DeploymentsRepository::FinishRow(int64_t id, DeployOutcome outcome, std::string_view error,
                                        std::string_view finished_at, int64_t duration_ms) {
  std::optional<std::string_view> stored_error;
  if (!error.empty()) {
    stored_error = error;
  }
  Status updated = Update(finish_, kFinishSql,
                          {id, to_string(outcome), stored_error, finished_at, duration_ms}, id);
  if (updated.code() != Status::Code::kNotFound) {
    return updated;
  }
  // Nothing changed: tell a missing deployment from a finished one.
  Result<Query> lookup = Query::Start(db_, outcome_, kOutcomeSql, {id});
  if (!lookup.ok()) {
    return lookup.status();
  }
  Result<bool> row = (*lookup)->Step();
  if (!row.ok()) {
    return row.status();
  }
  if (!*row) {
    return NoDeployment(id);
  }
  return Status::Conflict("deployment " + std::to_string(id) + " has already finished (" +
                          (*lookup)->ColumnText(0) + ")");
}

Status DeploymentsRepository::FailRunning(std::string_view error, std::string_view finished_at) {
  Result<Query> query = Query::Start(db_, fail_running_, kFailRunningSql, {error, finished_at});
  return query.ok() ? query->Run() : query.status();
}

Result<std::vector<Deployment>> DeploymentsRepository::ListForApp(const std::string& app,
                                                                  int64_t limit) {
  Result<Query> query = Query::Start(db_, list_, kListSql, {app, limit});
  if (!query.ok()) {
    return query.status();
  }
  std::vector<Deployment> deployments;
  while (true) {
    Result<std::optional<Deployment>> next = ReadOne(&**query);
    if (!next.ok()) {
      return next.status();
    }
    if (!next->has_value()) {
      return deployments;
    }
    deployments.push_back(std::move(**next));
  }
}

Result<std::optional<Deployment>> DeploymentsRepository::Get(const std::string& app, int64_t id,
                                                             bool with_log) {
  Result<Query> query = Query::Start(db_, get_, kGetSql, {app, id, int64_t{with_log}});
  return query.ok() ? ReadOne(&**query) : query.status();
}

Result<std::optional<Deployment>> DeploymentsRepository::LastSucceeded(
    const std::string& app, std::optional<int64_t> before_id) {
  int64_t before = before_id.value_or(std::numeric_limits<int64_t>::max());
  Result<Query> query = Query::Start(db_, last_succeeded_, kLastSucceededSql, {app, before});
  return query.ok() ? ReadOne(&**query) : query.status();
}

Result<DeployStats> DeploymentsRepository::Stats(const std::string& app) {
  Result<Query> query = Query::Start(db_, stats_, kStatsSql, {app});
  if (!query.ok()) {
    return query.status();
  }
  Statement& stmt = **query;
  Result<bool> row = stmt.Step();
  if (!row.ok()) {
    return row.status();
  }
  DeployStats stats;
  if (!*row) {  // an aggregate always returns a row; stay safe anyway
    return stats;
  }
  stats.processed = stmt.ColumnInt64(0);
  stats.succeeded = stmt.ColumnInt64(1);
  stats.failed = stmt.ColumnInt64(2);
  stats.rolled_back = stmt.ColumnInt64(3);
  stats.skipped = stmt.ColumnInt64(4);
  if (!stmt.ColumnIsNull(5)) {
    Result<DeployOutcome> outcome = ReadOutcome(stmt, 7, stmt.ColumnInt64(5));
    if (!outcome.ok()) {
      return outcome.status();
    }
    stats.last = DeployStats::LastRun{stmt.ColumnText(6), *outcome};
  }
  return stats;
}

Status DeploymentsRepository::ForEachFinished(
    const std::function<void(const FinishedDeployment&)>& fn) {
  Result<Query> query = Query::Start(db_, finished_, kFinishedSql);
  if (!query.ok()) {
    return query.status();
  }
  Statement& stmt = **query;
  while (true) {
    Result<bool> row = stmt.Step();
    if (!row.ok()) {
      return row.status();
    }
    if (!*row) {
      return Status::Ok();
    }
    Result<DeployOutcome> outcome = ReadOutcome(stmt, 2, stmt.ColumnInt64(0));
    if (!outcome.ok()) {
      return outcome.status();
    }
    FinishedDeployment finished{.app = stmt.ColumnText(1), .outcome = *outcome};
    if (!stmt.ColumnIsNull(3)) {
      finished.duration_ms = stmt.ColumnInt64(3);
    }
    fn(finished);
  }
}

Status DeploymentsRepository::RemoveForApp(const std::string& app) {
  Result<Query> query = Query::Start(db_, remove_, kRemoveSql, {app});
  return query.ok() ? query->Run() : query.status();
}

}  // namespace berth
