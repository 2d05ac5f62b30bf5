// Tests of DeploymentsRepository: the life of a deployment, queries, stats, log cap, startup
// recovery, and the migration that adds the table to a version 1 database.
#include "store/deployments_repository.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <vector>

namespace berth {
namespace {

namespace fs = std::filesystem;

using Repo = DeploymentsRepository;

constexpr char kT0[] = "2024-01-02T03:04:05.678Z";
constexpr char kT1[] = "2024-01-02T03:05:00.000Z";

NewDeployment MakeNew(std::string app, std::string trigger = "create") {
  NewDeployment deployment;
  deployment.app = std::move(app);
  deployment.trigger = std::move(trigger);
  deployment.started_at = kT0;
  return deployment;
}

// The length of the UTF-8 character that `lead` starts, or 0 if it cannot start one.
size_t Utf8Length(unsigned char lead) {
  if (lead < 0x80) {
    return 1;
  }
  if ((lead >> 5) == 0x6) {
    return 2;
  }
  if ((lead >> 4) == 0xE) {
    return 3;
  }
  return (lead >> 3) == 0x1E ? 4 : 0;
}

// True if `text` is well-formed UTF-8 (no split or stray characters).
bool IsValidUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    size_t length = Utf8Length(static_cast<unsigned char>(text[i]));
    if (length == 0 || i + length > text.size()) {
      return false;
    }
    for (size_t k = 1; k < length; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) {
        return false;
      }
    }
    i += length;
  }
  return true;
}

// The parts of a cut log: head, the count in the marker, and what follows the marker.
struct CutLog {
  std::string head;
  uint64_t cut = 0;
  std::string tail;
};

std::optional<CutLog> ParseCut(const std::string& log) {
  size_t marker = log.find("\n[... ");
  if (marker == std::string::npos) {
    return std::nullopt;
  }
  size_t end = log.find(" bytes cut ...]\n", marker);
  if (end == std::string::npos) {
    return std::nullopt;
  }
  size_t digits = marker + 6;
  return CutLog{log.substr(0, marker), std::stoull(log.substr(digits, end - digits)),
                log.substr(end + 16)};
}

class DeploymentsRepositoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<Database>> db = Database::Open(":memory:");
    ASSERT_TRUE(db.ok()) << db.status().message();
    db_ = std::move(db).value();
    repo_ = std::make_unique<Repo>(db_.get());
  }

  int64_t BeginOrDie(const NewDeployment& deployment) {
    Result<int64_t> id = repo_->Begin(deployment);
    EXPECT_TRUE(id.ok()) << id.status().message();
    return id.ok() ? *id : -1;
  }

  Deployment GetOrDie(const std::string& app, int64_t id, bool with_log = true) {
    Result<std::optional<Deployment>> got = repo_->Get(app, id, with_log);
    EXPECT_TRUE(got.ok()) << got.status().message();
    EXPECT_TRUE(got.ok() && got->has_value()) << app << " " << id;
    return got.ok() && got->has_value() ? **got : Deployment{};
  }

  std::string LogOf(int64_t id) { return GetOrDie("web", id).log; }

  std::unique_ptr<Database> db_;
  std::unique_ptr<Repo> repo_;
};

TEST_F(DeploymentsRepositoryTest, OutcomeNamesRoundTrip) {
  for (DeployOutcome outcome : {DeployOutcome::kRunning, DeployOutcome::kSucceeded,
                                DeployOutcome::kFailed, DeployOutcome::kSkipped}) {
    EXPECT_EQ(ParseDeployOutcome(to_string(outcome)), outcome);
  }
  EXPECT_STREQ(to_string(DeployOutcome::kSucceeded), "succeeded");
  EXPECT_FALSE(ParseDeployOutcome("done").has_value());
}

TEST_F(DeploymentsRepositoryTest, BeginStartsARunningDeploymentWithUnknownFields) {
  int64_t first = BeginOrDie(MakeNew("web"));
  int64_t second = BeginOrDie(MakeNew("web", "redeploy"));
  EXPECT_GT(second, first);

  Deployment d = GetOrDie("web", first);
  EXPECT_EQ(d.id, first);
  EXPECT_EQ(d.app, "web");
  EXPECT_EQ(d.trigger, "create");
  EXPECT_EQ(d.started_at, kT0);
  EXPECT_EQ(d.outcome, DeployOutcome::kRunning);
  EXPECT_FALSE(d.revision.has_value());
  EXPECT_FALSE(d.ref.has_value());
  EXPECT_FALSE(d.release.has_value());
  EXPECT_FALSE(d.finished_at.has_value());
  EXPECT_FALSE(d.error.has_value());
  EXPECT_FALSE(d.duration_ms.has_value());
  EXPECT_EQ(d.log, "");
}

TEST_F(DeploymentsRepositoryTest, BeginStoresWhatIsKnownUpFront) {
  NewDeployment rollback = MakeNew("web", "rollback");
  rollback.revision = "abc123";
  rollback.ref = "main";
  rollback.release = "7";
  Deployment d = GetOrDie("web", BeginOrDie(rollback));
  EXPECT_EQ(d.trigger, "rollback");
  EXPECT_EQ(d.revision, "abc123");
  EXPECT_EQ(d.ref, "main");
  EXPECT_EQ(d.release, "7");
}

TEST_F(DeploymentsRepositoryTest, FullLifeOfASuccessfulDeployment) {
  int64_t id = BeginOrDie(MakeNew("web"));
  ASSERT_TRUE(repo_->AppendLog(id, "cloning\n").ok());
  ASSERT_TRUE(repo_->SetRevision(id, "0123456789abcdef", "main").ok());
  ASSERT_TRUE(repo_->SetRelease(id, "42").ok());
  ASSERT_TRUE(repo_->AppendLog(id, "installing\n").ok());
  ASSERT_TRUE(repo_->Finish(id, DeployOutcome::kSucceeded, "", kT1, 54322).ok());

  Deployment d = GetOrDie("web", id);
  EXPECT_EQ(d.revision, "0123456789abcdef");
  EXPECT_EQ(d.ref, "main");
  EXPECT_EQ(d.release, "42");
  EXPECT_EQ(d.outcome, DeployOutcome::kSucceeded);
  EXPECT_EQ(d.finished_at, kT1);
  EXPECT_EQ(d.duration_ms, 54322);
  EXPECT_FALSE(d.error.has_value());
  EXPECT_EQ(d.log, "cloning\ninstalling\n");
}

TEST_F(DeploymentsRepositoryTest, FailureKeepsItsError) {
  int64_t id = BeginOrDie(MakeNew("web"));
  ASSERT_TRUE(repo_->SetRevision(id, "sha256:ff", "").ok());
  ASSERT_TRUE(repo_->Finish(id, DeployOutcome::kFailed, "npm ci exited with 1", kT1, 10).ok());
  Deployment d = GetOrDie("web", id);
  EXPECT_EQ(d.outcome, DeployOutcome::kFailed);
  EXPECT_EQ(d.error, "npm ci exited with 1");
  EXPECT_FALSE(d.ref.has_value());  // empty ref is stored as NULL
}

TEST_F(DeploymentsRepositoryTest, FinishRefusesRunningTwiceAndMissing) {
  int64_t id = BeginOrDie(MakeNew("web"));
  EXPECT_EQ(repo_->Finish(id, DeployOutcome::kRunning, "", kT1, 1).code(), Status::Code::kInvalid);
  ASSERT_TRUE(repo_->Finish(id, DeployOutcome::kSkipped, "", kT1, 1).ok());

  Status again = repo_->Finish(id, DeployOutcome::kFailed, "late", kT1, 2);
  EXPECT_EQ(again.code(), Status::Code::kConflict);
  EXPECT_NE(again.message().find("already finished (skipped)"), std::string::npos)
      << again.message();
  EXPECT_EQ(GetOrDie("web", id).outcome, DeployOutcome::kSkipped);

  Status missing = repo_->Finish(id + 100, DeployOutcome::kFailed, "", kT1, 2);
  EXPECT_EQ(missing.code(), Status::Code::kNotFound);
  EXPECT_NE(missing.message().find(std::to_string(id + 100)), std::string::npos);
}

TEST_F(DeploymentsRepositoryTest, FinishAppendsTheLastLinesWithTheOutcomeOrNotAtAll) {
  int64_t id = BeginOrDie(MakeNew("web"));
  ASSERT_TRUE(repo_->AppendLog(id, "checking\n").ok());
  ASSERT_TRUE(repo_->Finish(id, DeployOutcome::kSkipped, "", kT1, 3, "nothing to do\n").ok());
  Deployment d = GetOrDie("web", id);
  EXPECT_EQ(d.outcome, DeployOutcome::kSkipped);
  EXPECT_EQ(d.log, "checking\nnothing to do\n");

  Status again = repo_->Finish(id, DeployOutcome::kFailed, "late", kT1, 4, "late line\n");
  EXPECT_EQ(again.code(), Status::Code::kConflict);
  EXPECT_EQ(GetOrDie("web", id).log, "checking\nnothing to do\n") << "rolled back with it";
  EXPECT_EQ(repo_->Finish(id + 100, DeployOutcome::kFailed, "", kT1, 2, "x\n").code(),
            Status::Code::kNotFound);
}

TEST_F(DeploymentsRepositoryTest, WritesToAMissingDeploymentAreNotFound) {
  EXPECT_EQ(repo_->AppendLog(99, "x").code(), Status::Code::kNotFound);
  EXPECT_EQ(repo_->AppendLog(99, std::string(Repo::kLogCapBytes + 1, 'x')).code(),
            Status::Code::kNotFound);
  EXPECT_EQ(repo_->SetRevision(99, "abc", "main").code(), Status::Code::kNotFound);
  EXPECT_EQ(repo_->SetRelease(99, "1").code(), Status::Code::kNotFound);
  EXPECT_TRUE(repo_->AppendLog(99, "").ok());  // nothing to append
}

TEST_F(DeploymentsRepositoryTest, GetIsScopedToTheAppAndReadsTheLogOnRequest) {
  int64_t id = BeginOrDie(MakeNew("web"));
  ASSERT_TRUE(repo_->AppendLog(id, "hello\n").ok());
  EXPECT_EQ(GetOrDie("web", id, /*with_log=*/false).log, "");
  EXPECT_EQ(GetOrDie("web", id, /*with_log=*/true).log, "hello\n");

  Result<std::optional<Deployment>> other = repo_->Get("api", id, true);
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->has_value());
  Result<std::optional<Deployment>> missing = repo_->Get("web", id + 1, true);
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
}

TEST_F(DeploymentsRepositoryTest, ListForAppIsNewestFirstLimitedAndWithoutLogs) {
  std::vector<int64_t> web;
  for (int i = 0; i < 4; ++i) {
    web.push_back(BeginOrDie(MakeNew("web")));
    ASSERT_TRUE(repo_->AppendLog(web.back(), "log").ok());
    BeginOrDie(MakeNew("api"));
  }
  Result<std::vector<Deployment>> all = repo_->ListForApp("web", -1);
  ASSERT_TRUE(all.ok()) << all.status().message();
  ASSERT_EQ(all->size(), 4u);
  for (size_t i = 0; i < all->size(); ++i) {
    EXPECT_EQ((*all)[i].id, web[web.size() - 1 - i]);
    EXPECT_EQ((*all)[i].app, "web");
    EXPECT_EQ((*all)[i].log, "");
  }

  Result<std::vector<Deployment>> two = repo_->ListForApp("web", 2);
  ASSERT_TRUE(two.ok());
  ASSERT_EQ(two->size(), 2u);
  EXPECT_EQ((*two)[0].id, web[3]);
  EXPECT_EQ((*two)[1].id, web[2]);

  Result<std::vector<Deployment>> none = repo_->ListForApp("nope", 10);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_F(DeploymentsRepositoryTest, LastSucceededFindsWhatToRollBackTo) {
  int64_t ok1 = BeginOrDie(MakeNew("web"));
  ASSERT_TRUE(repo_->SetRelease(ok1, "r1").ok());
  ASSERT_TRUE(repo_->Finish(ok1, DeployOutcome::kSucceeded, "", kT1, 1).ok());
  int64_t failed = BeginOrDie(MakeNew("web"));
  ASSERT_TRUE(repo_->Finish(failed, DeployOutcome::kFailed, "boom", kT1, 1).ok());
  int64_t ok2 = BeginOrDie(MakeNew("web"));
  ASSERT_TRUE(repo_->AppendLog(ok2, "log").ok());
  ASSERT_TRUE(repo_->Finish(ok2, DeployOutcome::kSucceeded, "", kT1, 1).ok());
  int64_t other = BeginOrDie(MakeNew("api"));
  ASSERT_TRUE(repo_->Finish(other, DeployOutcome::kSucceeded, "", kT1, 1).ok());
  BeginOrDie(MakeNew("web"));  // running

  Result<std::optional<Deployment>> last = repo_->LastSucceeded("web", std::nullopt);
  ASSERT_TRUE(last.ok() && last->has_value()) << last.status().message();
  EXPECT_EQ((*last)->id, ok2);
  EXPECT_EQ((*last)->log, "");

  last = repo_->LastSucceeded("web", ok2);
  ASSERT_TRUE(last.ok() && last->has_value());
  EXPECT_EQ((*last)->id, ok1);
  EXPECT_EQ((*last)->release, "r1");

  last = repo_->LastSucceeded("web", ok1);
  ASSERT_TRUE(last.ok());
  EXPECT_FALSE(last->has_value());
  last = repo_->LastSucceeded("nope", std::nullopt);
  ASSERT_TRUE(last.ok());
  EXPECT_FALSE(last->has_value());
}

TEST_F(DeploymentsRepositoryTest, StatsCountFinishedByOutcomeAndShowTheNewest) {
  Result<DeployStats> empty = repo_->Stats("web");
  ASSERT_TRUE(empty.ok()) << empty.status().message();
  EXPECT_EQ(empty->processed, 0);
  EXPECT_EQ(empty->failed, 0);
  EXPECT_FALSE(empty->last.has_value());

  const DeployOutcome outcomes[] = {DeployOutcome::kSucceeded, DeployOutcome::kFailed,
                                    DeployOutcome::kSkipped, DeployOutcome::kFailed,
                                    DeployOutcome::kRolledBack};
  for (DeployOutcome outcome : outcomes) {
    int64_t id = BeginOrDie(MakeNew("web"));
    ASSERT_TRUE(repo_->Finish(id, outcome, "", kT1, 1).ok());
  }
  int64_t api = BeginOrDie(MakeNew("api"));
  ASSERT_TRUE(repo_->Finish(api, DeployOutcome::kFailed, "", kT1, 1).ok());
  NewDeployment running = MakeNew("web", "redeploy");
  running.started_at = "2024-02-01T00:00:00.000Z";
  BeginOrDie(running);

  Result<DeployStats> stats = repo_->Stats("web");
  ASSERT_TRUE(stats.ok()) << stats.status().message();
  EXPECT_EQ(stats->processed, 5);
  EXPECT_EQ(stats->succeeded, 1);
  EXPECT_EQ(stats->failed, 2);
  EXPECT_EQ(stats->rolled_back, 1);
  EXPECT_EQ(stats->skipped, 1);
  ASSERT_TRUE(stats->last.has_value());
  EXPECT_EQ(stats->last->started_at, "2024-02-01T00:00:00.000Z");
  EXPECT_EQ(stats->last->outcome, DeployOutcome::kRunning);
}

TEST_F(DeploymentsRepositoryTest, ForEachFinishedVisitsEveryFinishedRunOldestFirst) {
  int64_t web = BeginOrDie(MakeNew("web"));
  ASSERT_TRUE(repo_->Finish(web, DeployOutcome::kSucceeded, "", kT1, 1200).ok());
  int64_t api = BeginOrDie(MakeNew("api"));
  ASSERT_TRUE(repo_->Finish(api, DeployOutcome::kRolledBack, "verify failed", kT1, 300).ok());
  BeginOrDie(MakeNew("api"));
  std::vector<FinishedDeployment> seen;
  auto collect = [&](const FinishedDeployment& d) { seen.push_back(d); };
  ASSERT_TRUE(repo_->ForEachFinished(collect).ok());
  EXPECT_EQ(seen.size(), 2u) << "a running deployment is not counted";

  ASSERT_TRUE(repo_->FailRunning("berthd stopped", kT1).ok());
  seen.clear();
  ASSERT_TRUE(repo_->ForEachFinished(collect).ok());
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].app, "web");
  EXPECT_EQ(seen[0].outcome, DeployOutcome::kSucceeded);
  EXPECT_EQ(seen[0].duration_ms, 1200);
  EXPECT_EQ(seen[1].app, "api");
  EXPECT_EQ(seen[1].outcome, DeployOutcome::kRolledBack);
  EXPECT_EQ(seen[1].duration_ms, 300);
  EXPECT_EQ(seen[2].app, "api");
  EXPECT_EQ(seen[2].outcome, DeployOutcome::kFailed);
  EXPECT_FALSE(seen[2].duration_ms.has_value()) << "it ended with an earlier berthd";
}

TEST_F(DeploymentsRepositoryTest, RemoveForAppPurgesOnlyThatApp) {
  BeginOrDie(MakeNew("web"));
  BeginOrDie(MakeNew("web"));
  int64_t api = BeginOrDie(MakeNew("api"));
  ASSERT_TRUE(repo_->RemoveForApp("web").ok());
  EXPECT_TRUE(repo_->ListForApp("web", -1)->empty());
  ASSERT_EQ(repo_->ListForApp("api", -1)->size(), 1u);
  EXPECT_EQ(repo_->ListForApp("api", -1)->front().id, api);
  EXPECT_TRUE(repo_->RemoveForApp("nope").ok());

  // Ids are never reused, so a purged app's old links cannot point at new deployments.
  EXPECT_GT(BeginOrDie(MakeNew("web")), api);
}

TEST_F(DeploymentsRepositoryTest, FailRunningMarksOnlyRunningDeployments) {
  int64_t done = BeginOrDie(MakeNew("web"));
  ASSERT_TRUE(repo_->Finish(done, DeployOutcome::kSucceeded, "", kT1, 5).ok());
  int64_t web = BeginOrDie(MakeNew("web"));
  int64_t api = BeginOrDie(MakeNew("api"));

  ASSERT_TRUE(repo_->FailRunning("berthd stopped during the deployment", kT1).ok());
  for (int64_t id : {web, api}) {
    Deployment d = GetOrDie(id == web ? "web" : "api", id);
    EXPECT_EQ(d.outcome, DeployOutcome::kFailed);
    EXPECT_EQ(d.error, "berthd stopped during the deployment");
    EXPECT_EQ(d.finished_at, kT1);
    EXPECT_FALSE(d.duration_ms.has_value());
  }
  Deployment untouched = GetOrDie("web", done);
  EXPECT_EQ(untouched.outcome, DeployOutcome::kSucceeded);
  EXPECT_FALSE(untouched.error.has_value());
  EXPECT_EQ(untouched.duration_ms, 5);
  EXPECT_TRUE(repo_->FailRunning("again", kT1).ok());  // nothing left to mark
}

TEST_F(DeploymentsRepositoryTest, LogBelowTheCapIsKeptWhole) {
  int64_t id = BeginOrDie(MakeNew("web"));
  std::string expected;
  std::string chunk(10000, 'a');
  while (expected.size() + chunk.size() <= Repo::kLogCapBytes) {
    ASSERT_TRUE(repo_->AppendLog(id, chunk).ok());
    expected += chunk;
  }
  EXPECT_EQ(LogOf(id), expected);
}

TEST_F(DeploymentsRepositoryTest, LogPastTheCapKeepsHeadMarkerAndNewestPart) {
  int64_t id = BeginOrDie(MakeNew("web"));
  // Chunks of 2- and 3-byte characters, so that byte offsets fall inside characters.
  std::string characters;
  for (int i = 0; i < 800; ++i) {
    characters += "é€";
  }
  std::string all;
  for (int chunk = 0; all.size() < 3 * Repo::kLogCapBytes; ++chunk) {
    std::string text = "chunk " + std::to_string(chunk) + " " + characters + "\n";
    all += text;
    ASSERT_TRUE(repo_->AppendLog(id, text).ok());
    if (chunk % 50 == 0) {
      EXPECT_LE(LogOf(id).size(), Repo::kLogCapBytes);
    }
  }
  std::string log = LogOf(id);
  EXPECT_LE(log.size(), Repo::kLogCapBytes);
  EXPECT_TRUE(IsValidUtf8(log));

  std::optional<CutLog> cut = ParseCut(log);
  ASSERT_TRUE(cut.has_value()) << log.substr(0, 200);
  EXPECT_LE(cut->head.size(), Repo::kLogHeadBytes);
  EXPECT_GT(cut->head.size(), Repo::kLogHeadBytes - 4);
  EXPECT_EQ(all.compare(0, cut->head.size(), cut->head), 0);
  EXPECT_TRUE(all.ends_with(cut->tail));
  // Every byte is in the head, counted by the marker, or in the tail: cuts accumulate.
  EXPECT_EQ(cut->head.size() + cut->cut + cut->tail.size(), all.size());
  EXPECT_GT(cut->tail.size(), Repo::kLogTrimmedBytes / 2);
}

TEST_F(DeploymentsRepositoryTest, OneHugeAppendIsCutToo) {
  int64_t id = BeginOrDie(MakeNew("web"));
  ASSERT_TRUE(repo_->AppendLog(id, "start\n").ok());
  std::string huge = std::string(3 * Repo::kLogCapBytes, 'x') + "the end\n";
  ASSERT_TRUE(repo_->AppendLog(id, huge).ok());

  std::string log = LogOf(id);
  EXPECT_LE(log.size(), Repo::kLogCapBytes);
  ASSERT_TRUE(log.starts_with("start\nxxx"));
  EXPECT_TRUE(log.ends_with("xxxthe end\n"));
  std::optional<CutLog> cut = ParseCut(log);
  ASSERT_TRUE(cut.has_value());
  EXPECT_EQ(cut->head.size() + cut->cut + cut->tail.size(), 6 + huge.size());

  // Small appends after a cut are plain concatenations again.
  ASSERT_TRUE(repo_->AppendLog(id, "more\n").ok());
  EXPECT_EQ(LogOf(id), log + "more\n");
}

TEST_F(DeploymentsRepositoryTest, AppendInsideAFailedTransactionLeavesNothing) {
  int64_t id = BeginOrDie(MakeNew("web"));
  Status s = db_->Transaction([&] {
    EXPECT_TRUE(repo_->AppendLog(id, "lost").ok());
    EXPECT_TRUE(repo_->AppendLog(id, std::string(Repo::kLogCapBytes, 'y')).ok());
    return Status::Internal("abort");
  });
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(LogOf(id), "");
}

// ---- on disk: durability and migration ----

class DeploymentsFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "berth-deploys-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    path_ = (dir_ / "state.db").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
  std::string path_;
};

TEST_F(DeploymentsFileTest, DeploymentsSurviveCloseAndReopen) {
  int64_t id = 0;
  {
    Result<std::unique_ptr<Database>> db = Database::Open(path_);
    ASSERT_TRUE(db.ok()) << db.status().message();
    Repo repo(db->get());
    Result<int64_t> begun = repo.Begin(MakeNew("web"));
    ASSERT_TRUE(begun.ok());
    id = *begun;
    ASSERT_TRUE(repo.AppendLog(id, "fetched\n").ok());
    ASSERT_TRUE(repo.Finish(id, DeployOutcome::kSucceeded, "", kT1, 3).ok());
  }
  Result<std::unique_ptr<Database>> db = Database::Open(path_);
  ASSERT_TRUE(db.ok()) << db.status().message();
  Repo repo(db->get());
  Result<std::optional<Deployment>> got = repo.Get("web", id, true);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->outcome, DeployOutcome::kSucceeded);
  EXPECT_EQ((*got)->log, "fetched\n");
}

struct SqliteClose {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};

// Writes the file a berth with schema 1 left behind: its tables, one app and one event.
void WriteVersion1Database(const std::string& path) {
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
  std::unique_ptr<sqlite3, SqliteClose> db(raw);
  const char* sql = R"sql(
    CREATE TABLE apps (
      name TEXT PRIMARY KEY,
      spec TEXT NOT NULL,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    );
    CREATE TABLE events (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      ts TEXT NOT NULL,
      app TEXT,
      kind TEXT NOT NULL,
      data TEXT NOT NULL
    );
    CREATE INDEX events_app ON events (app, id);
    INSERT INTO apps VALUES ('web', '{"command":["./web"]}', 't0', 't0');
    INSERT INTO events (ts, app, kind, data) VALUES ('t0', 'web', 'created', '{}');
    PRAGMA user_version = 1;
  )sql";
  char* error = nullptr;
  ASSERT_EQ(sqlite3_exec(db.get(), sql, nullptr, nullptr, &error), SQLITE_OK) << error;
}

std::string QueryText(Database& db, std::string_view sql) {
  Result<Statement> stmt = db.Prepare(sql);
  EXPECT_TRUE(stmt.ok()) << stmt.status().message();
  if (!stmt.ok()) {
    return "";
  }
  Result<bool> row = stmt->Step();
  EXPECT_TRUE(row.ok() && *row) << sql;
  return stmt->ColumnText(0);
}

TEST_F(DeploymentsFileTest, OpeningAVersion1DatabaseAddsDeploymentsAndKeepsData) {
  WriteVersion1Database(path_);
  Result<std::unique_ptr<Database>> db = Database::Open(path_);
  ASSERT_TRUE(db.ok()) << db.status().message();
  EXPECT_EQ((*db)->user_version(), Database::kSchemaVersion);
  EXPECT_EQ(QueryText(**db, "SELECT spec FROM apps WHERE name = 'web'"),
            R"({"command":["./web"]})");
  EXPECT_EQ(QueryText(**db, "SELECT count(*) FROM events"), "1");
  EXPECT_EQ(QueryText(**db,
                      "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND "
                      "name = 'deployments_app' AND tbl_name = 'deployments'"),
            "1");

  Repo repo(db->get());
  Result<int64_t> id = repo.Begin(MakeNew("web"));
  ASSERT_TRUE(id.ok()) << id.status().message();
  EXPECT_EQ(repo.ListForApp("web", 10)->size(), 1u);
}

}  // namespace
}  // namespace berth
