// Deployments as a chain of child processes: fetch (berth-fetch), the prepare steps of the
// app's kind, then its activation, with the log flushed to the store as it grows.
#include "supervise/source_deployer.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <vector>

#include "reactor/child_process.h"
#include "reactor/clock.h"
#include "reactor/log.h"
#include "supervise/deployment_log.h"
#include "supervise/fetch_client.h"

namespace berth {
namespace {

// One fetch or install step may run this long (libgit2 has no network timeout of its own).
constexpr long kStepTimeoutMs = 30 * 60 * 1000;

std::string Now() { return FormatRfc3339(WallClockMs()); }

bool IsDirectory(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// The release ids under <root>/releases, oldest first.
std::vector<int64_t> ReleaseIds(const std::string& root) {
  std::vector<int64_t> ids;
  std::unique_ptr<DIR, int (*)(DIR*)> dir(opendir((root + "/releases").c_str()), &closedir);
  if (!dir) return ids;
  while (dirent* entry = readdir(dir.get())) {
    std::string name = entry->d_name;
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    ids.push_back(std::stoll(name));
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

// Release `id` of the app whose files are under `root`.
Release ReleaseIn(const std::string& root, const std::string& id, const AppSpec& spec) {
  std::string dir = root + "/releases/" + id;
  std::string workdir = dir;
  if (spec.source && !spec.source->subdir.empty()) workdir += "/" + spec.source->subdir;
  return {id, dir, workdir};
}

}  // namespace

// One deployment (or rollback) in progress. Owned by the SourceDeployer; every callback checks the
// job is still alive through `alive_`.
class SourceDeployer::Job {
 public:
  Job(SourceDeployer* owner, const AppSpec& spec, std::unique_ptr<ReleaseActivator> activator,
      std::string trigger, bool force, DoneFn done)
      : owner_(owner),
        context_(owner->context_),
        spec_(spec),
        activator_(std::move(activator)),
        trigger_(std::move(trigger)),
        force_(force),
        done_(std::move(done)),
        root_(AppRootDir(*context_->paths, spec.name)),
        started_ms_(MonotonicMs()),
        log_(context_->loop, context_->deployments),
        step_timer_(context_->loop, [this] { OnStepTimeout(); }) {}

  // A job dropped before it finished (its app was deleted) still leaves a finished record.
  ~Job() {
    if (child_) child_->SignalGroup(SIGKILL);
    if (id_ != 0 && !finished_) {
      LogLine("==> stopped: the app was deleted");
      log_.Flush();
      context_->deployments->Finish(id_, DeployOutcome::kFailed, "the app was deleted", Now(),
                                    MonotonicMs() - started_ms_);
      Publish("failed", "the app was deleted");  // counted like any other end
      return;
    }
    log_.Flush();
  }

  int64_t id() const { return id_; }

  Status Begin(const std::string& rollback_to) {
    auto id = context_->deployments->Begin({spec_.name, trigger_, Now(), {}, {}, {}});
    if (!id.ok()) return id.status();
    id_ = *id;
    log_.SetId(id_);
    log_.Mask(spec_.source->token);
    for (const auto& [name, value] : spec_.secrets) log_.Mask(value);
    Publish("started");
    LogLine("==> deployment " + std::to_string(id_) + " of " + spec_.name + " (" + trigger_ + ")");
    if (trigger_ == "rollback") return RollBack(rollback_to), Status::Ok();
    std::weak_ptr<int> alive = alive_;
    EnsureAppUser(context_->admin, *context_->paths, spec_,
                  [this, alive](Result<AppIdentity> identity) {
                    if (!alive.lock()) return;
                    if (!identity.ok()) return Fail(identity.status().message());
                    identity_ = std::move(identity).value();
                    AppDirs dirs = DirsFor(*context_->paths, spec_);
                    if (Status s = PrepareDirs(*context_->paths, spec_, identity_, dirs); !s.ok())
                      return Fail(s.message());
                    PrepareReleases();
                  });
    return Status::Ok();
  }

 private:
  using StepDone = void (Job::*)(int wait_status);

  void PrepareReleases() {
    std::string releases = root_ + "/releases";
    if (mkdir(releases.c_str(), 0750) != 0 && errno != EEXIST)
      return Fail("cannot create " + releases + ": " + strerror(errno));
    if (identity_.uid && chown(releases.c_str(), *identity_.uid, identity_.gid.value_or(0)) != 0)
      return Fail("cannot hand " + releases + " to " + identity_.user + ": " + strerror(errno));
    current_ = owner_->Current(spec_);
    bool can_skip = !force_ && current_ && spec_.source->type == SourceSpec::Type::kGit;
    if (can_skip) return RunFetch(true, &Job::OnResolved);
    RunFetch(false, &Job::OnFetched);
  }

  void RunFetch(bool resolve_only, StepDone next) {
    release_ = std::to_string(id_);
    Release release = ReleaseIn(root_, release_, spec_);
    dir_ = release.dir;
    workdir_ = release.workdir;
    LogLine(std::string("==> ") + (resolve_only ? "checking " : "fetching ") + spec_.source->url +
            (spec_.source->ref.empty() ? "" : " (" + spec_.source->ref + ")"));
    FetchKind kind = resolve_only ? FetchKind::kResolve : FetchKind::kFetch;
    auto in = StdinHolding(FetchJobJson(*spec_.source, kind, root_, dir_).dump());
    if (!in.ok()) return Fail(in.status().message());
    RunStep({context_->fetch_program}, root_, in->get(), next);
  }

  void OnResolved(int wait_status) {
    if (!StepSucceeded(wait_status, "fetch")) return;
    if (!revision_.empty() && revision_ == owner_->ServingRevision(spec_)) return Skip();
    RunFetch(false, &Job::OnFetched);
  }

  void OnFetched(int wait_status) {
    if (!StepSucceeded(wait_status, "fetch")) return;
    context_->deployments->SetRevision(id_, revision_, ref_);
    revision_recorded_ = true;
    context_->deployments->SetRelease(id_, release_);
    if (!force_ && current_ && !revision_.empty() && revision_ == owner_->ServingRevision(spec_)) {
      RemoveRelease();
      return Skip();
    }
    if (!IsDirectory(workdir_))
      return Fail("subdir '" + spec_.source->subdir + "' is not a directory of the release");
    plan_ = activator_->Prepare(workdir_);
    NextPrepareStep(0);
  }

  void NextPrepareStep(int wait_status) {
    if (step_ > 0 && !StepSucceeded(wait_status, plan_.steps[step_ - 1].what)) return;
    if (step_ == plan_.steps.size()) return Activate(release_);
    const InstallStep& step = plan_.steps[step_++];
    LogLine("==> " + step.what);
    RunStep(step.argv, workdir_, -1, &Job::NextPrepareStep);
  }

  // Hands the release to the app first (owner_->handover_): a zero-downtime deploy has it
  // serving before `current` points at it, and a failed one leaves `current` alone.
  void Activate(const std::string& release) {
    if (!owner_->handover_) return PointAt(release);
    std::weak_ptr<int> alive = alive_;
    owner_->handover_(
        ReleaseIn(root_, release, spec_),
        [this, alive](std::string_view line) {
          if (alive.lock()) LogLine(std::string(line));
        },
        [this, alive, release](const Status& status, bool) {
          if (!alive.lock()) return;
          if (!status.ok()) return Fail(status.message());
          PointAt(release);
        });
  }

  void PointAt(const std::string& release) {
    std::weak_ptr<int> alive = alive_;
    Activation activation{.root = root_,
                          .release = ReleaseIn(root_, release, spec_),
                          .previous = current_,
                          .rollback = trigger_ == "rollback",
                          .log = [this, alive](std::string_view line) {
                            if (alive.lock()) LogLine(std::string(line));
                          }};
    activator_->Activate(activation, [this, alive, release](ActivationResult result) {
      if (!alive.lock()) return;
      if (result.rolled_back) return RolledBack(result.status.message());
      if (!result.status.ok()) return Fail(result.status.message());
      LogLine("==> serving release " + release);
      Prune(release);
      Finish(DeployOutcome::kSucceeded, "", true);
    });
  }

  void RollBack(const std::string& target) {
    auto row = context_->deployments->Get(spec_.name, std::stoll(target), false);
    if (row.ok() && *row && (*row)->revision) revision_ = *(*row)->revision;
    context_->deployments->SetRevision(id_, revision_, "");
    revision_recorded_ = true;
    context_->deployments->SetRelease(id_, target);
    release_ = target;
    current_ = owner_->Current(spec_);
    LogLine("==> rolling back to release " + target +
            (revision_.empty() ? "" : " (revision " + revision_ + ")"));
    Activate(target);
  }

  // Removes all but the newest releases, never the serving one.
  void Prune(const std::string& serving) {
    std::vector<int64_t> ids = ReleaseIds(root_);
    int keep = kKeptReleases - 1;  // plus the serving one
    for (auto it = ids.rbegin(); it != ids.rend(); ++it) {
      if (std::to_string(*it) == serving) continue;
      if (keep-- > 0) continue;
      context_->admin->Run(
          {"rm", "-rf", "--one-file-system", root_ + "/releases/" + std::to_string(*it)},
          [](Status) {});
    }
  }

  void RemoveRelease() {
    if (!dir_.empty())
      context_->admin->Run({"rm", "-rf", "--one-file-system", dir_}, [](Status) {});
  }

  void RunStep(const std::vector<std::string>& argv, const std::string& cwd, int stdin_fd,
               StepDone next) {
    AppSpec effective = spec_;
    AppDirs dirs = DirsFor(*context_->paths, spec_);
    SpawnOptions options;
    options.argv = argv;
    options.env = AppEnvironment(*context_->paths, effective, identity_, dirs);
    for (std::string& entry : options.env) {
      if (entry.rfind("PATH=", 0) != 0) continue;
      std::string extra;
      for (const std::string& dir : plan_.path_dirs) extra += dir + ":";
      entry = "PATH=" + extra + entry.substr(5);
    }
    options.cwd = cwd;
    options.uid = identity_.uid;
    options.gid = identity_.gid;
    options.groups = identity_.groups;
    options.stdin_fd = stdin_fd;
    next_ = next;
    stderr_tail_.clear();
    step_timed_out_ = false;
    step_timer_.Start(kStepTimeoutMs);
    std::weak_ptr<int> alive = alive_;
    auto child = ChildProcess::Spawn(
        context_->loop, context_->reaper, options,
        [this, alive](OutputStream stream, std::string_view data, bool) {
          if (alive.lock()) OnOutput(stream, data);
        },
        [this, alive](int wait_status) {
          if (!alive.lock()) return;
          step_timer_.Stop();
          // Freed on the next loop turn: this runs inside the child's own callback.
          context_->loop->Defer([done = std::shared_ptr<ChildProcess>(std::move(child_))] {});
          FlushPartialLines();
          (this->*next_)(wait_status);
        });
    if (!child.ok()) return Fail(child.status().message());
    child_ = std::move(child).value();
  }

  void OnStepTimeout() {
    if (!child_) return;
    step_timed_out_ = true;
    LogLine("==> no end after " + std::to_string(kStepTimeoutMs / 60000) + " minutes: killed");
    child_->SignalGroup(SIGKILL);
  }

  void OnOutput(OutputStream stream, std::string_view data) {
    std::string& partial = partial_[static_cast<int>(stream)];
    partial.append(data);
    size_t start = 0, newline;
    while ((newline = partial.find('\n', start)) != std::string::npos) {
      HandleLine(stream, partial.substr(start, newline - start));
      start = newline + 1;
    }
    partial.erase(0, start);
  }

  void FlushPartialLines() {
    for (int s = 0; s < 2; ++s) {
      if (!partial_[s].empty()) HandleLine(static_cast<OutputStream>(s), partial_[s]);
      partial_[s].clear();
    }
  }

  void HandleLine(OutputStream stream, const std::string& line) {
    if (stream == OutputStream::kStdout) {
      if (std::optional<FetchedRevision> result = ParseFetchResultLine(line)) {
        revision_ = result->revision;
        ref_ = result->ref;
        LogLine("    revision " + revision_ + (ref_.empty() ? "" : " (" + ref_ + ")"));
        return;
      }
    }
    if (stream == OutputStream::kStderr) stderr_tail_ = line;
    LogLine(line);
  }

  bool StepSucceeded(int wait_status, const std::string& what) {
    if (WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0) return true;
    std::string reason = step_timed_out_ ? "it ran longer than " +
                                               std::to_string(kStepTimeoutMs / 60000) + " minutes"
                                         : stderr_tail_;
    if (reason.rfind("error: ", 0) == 0) reason = reason.substr(7);
    Fail(what + " failed (" + DescribeWaitStatus(wait_status) + ")" +
         (reason.empty() ? "" : ": " + reason));
    return false;
  }

  void LogLine(std::string line) { log_.Line(std::move(line)); }

  void Publish(const std::string& phase, const std::string& error = "") {
    context_->bus->Publish(
        DeployEvent{spec_.name, id_, trigger_, phase, revision_, release_, error, WallClockMs()});
  }

  void Skip() {
    LogLine("==> revision " + revision_ + " is already serving: nothing to do");
    release_.clear();
    Finish(DeployOutcome::kSkipped, "", false);
  }

  void Fail(const std::string& error) {
    LogLine("==> failed: " + error);
    LogWarn("app " + spec_.name + ": deployment " + std::to_string(id_) + " failed: " + error);
    if (trigger_ != "rollback") RemoveRelease();
    Finish(DeployOutcome::kFailed, error, false);
  }

  // The release failed after it had changed what runs, and the previous one serves again.
  void RolledBack(const std::string& error) {
    LogLine("==> rolled back: " + error);
    LogWarn("app " + spec_.name + ": deployment " + std::to_string(id_) +
            " failed and was rolled back: " + error);
    if (trigger_ != "rollback") RemoveRelease();
    Finish(DeployOutcome::kRolledBack, error, false);
  }

  void Finish(DeployOutcome outcome, const std::string& error, bool switched) {
    finished_ = true;
    step_timer_.Stop();
    // A deployment that ended after resolving (skipped, or failed later) records the revision
    // it found, with its outcome and last lines in one commit.
    context_->deployments->Atomically([&] {
      if (!revision_.empty() && !revision_recorded_) {
        if (Status s = context_->deployments->SetRevision(id_, revision_, ref_); !s.ok()) return s;
      }
      return context_->deployments->Finish(id_, outcome, error, Now(), MonotonicMs() - started_ms_,
                                           log_.TakePending());
    });
    if (outcome == DeployOutcome::kSucceeded)
      LogInfo("app " + spec_.name + ": deployment " + std::to_string(id_) + " serves release " +
              release_);
    Publish(to_string(outcome), error);
    DoneFn done = std::move(done_);
    owner_->Finished();  // frees this job on the next loop turn
    done(error.empty() ? Status::Ok() : Status::Invalid(error), switched);
  }

  SourceDeployer* owner_;
  DeployContext* context_;
  AppSpec spec_;
  std::unique_ptr<ReleaseActivator> activator_;
  std::string trigger_;
  bool force_;
  DoneFn done_;
  std::string root_;
  int64_t started_ms_;
  int64_t id_ = 0;
  AppIdentity identity_;
  std::optional<Release> current_;
  std::string release_, dir_, workdir_, revision_, ref_;
  bool revision_recorded_ = false;
  InstallPlan plan_;
  size_t step_ = 0;
  StepDone next_ = nullptr;
  std::unique_ptr<ChildProcess> child_;
  std::string partial_[2];
  std::string stderr_tail_;
  DeploymentLog log_;
  Timer step_timer_;
  bool step_timed_out_ = false;
  bool finished_ = false;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

SourceDeployer::SourceDeployer(DeployContext* context, std::string app, HandoverFn handover)
    : context_(context), app_(std::move(app)), handover_(std::move(handover)) {}

SourceDeployer::~SourceDeployer() = default;

std::optional<Release> SourceDeployer::Current(const AppSpec& spec) const {
  std::string root = AppRootDir(*context_->paths, app_);
  char target[PATH_MAX];
  ssize_t n = readlink((root + "/current").c_str(), target, sizeof target - 1);
  if (n <= 0) return std::nullopt;
  std::string link(target, n);
  if (link.rfind("releases/", 0) != 0) return std::nullopt;
  Release release = ReleaseIn(root, link.substr(9), spec);
  if (!IsDirectory(release.dir)) return std::nullopt;
  return release;
}

std::string SourceDeployer::ServingRevision(const AppSpec& spec) const {
  std::optional<Release> current = Current(spec);
  if (!current) return "";
  auto row = context_->deployments->Get(app_, std::stoll(current->id), false);
  return row.ok() && *row && (*row)->revision ? *(*row)->revision : "";
}

std::optional<int64_t> SourceDeployer::running() const {
  if (job_ && job_->id() > 0) return job_->id();
  return std::nullopt;
}

Status SourceDeployer::Deploy(const AppSpec& spec, const std::string& trigger, bool force,
                              DoneFn done) {
  if (!spec.source) return Status::Conflict("app '" + app_ + "' has no source to deploy");
  if (job_) return Status::Conflict("a deployment of '" + app_ + "' is already running");
  return StartJob(spec, trigger, force, "", std::move(done));
}

Status SourceDeployer::StartJob(const AppSpec& spec, const std::string& trigger, bool force,
                                const std::string& rollback_to, DoneFn done) {
  std::unique_ptr<ReleaseActivator> activator = MakeReleaseActivator(spec, context_);
  if (!activator)
    return Status::Conflict("app '" + app_ + "' is a " + to_string(spec.kind()) +
                            " app, which cannot deploy from a source yet");
  job_ = std::make_unique<Job>(this, spec, std::move(activator), trigger, force, std::move(done));
  Status begun = job_->Begin(rollback_to);
  if (!begun.ok()) job_.reset();
  return begun;
}

Result<std::string> SourceDeployer::RollbackTarget(const AppSpec& spec,
                                                   const std::string& wanted) const {
  std::string root = AppRootDir(*context_->paths, app_);
  std::optional<Release> current = Current(spec);
  if (!wanted.empty()) {
    if (wanted.find_first_not_of("0123456789") != std::string::npos ||
        !IsDirectory(root + "/releases/" + wanted))
      return Status::NotFound("release " + wanted + " does not exist (berth keeps the last " +
                              std::to_string(kKeptReleases) + ")");
    return wanted;
  }
  auto rows = context_->deployments->ListForApp(app_, 100);
  if (!rows.ok()) return rows.status();
  // The revision serving: a release of the same code would change nothing.
  std::string serving;
  for (const Deployment& row : *rows)
    if (current && row.id == std::stoll(current->id) && row.revision) serving = *row.revision;
  for (const Deployment& row : *rows) {
    if (row.outcome != DeployOutcome::kSucceeded || !row.release) continue;
    if (current &&
        (*row.release == current->id || std::stoll(*row.release) > std::stoll(current->id)))
      continue;
    if (!serving.empty() && row.revision == serving) continue;
    if (IsDirectory(root + "/releases/" + *row.release)) return *row.release;
  }
  return Status::Conflict("app '" + app_ + "' has no earlier good release to roll back to");
}

Status SourceDeployer::Rollback(const AppSpec& spec, const std::string& release, DoneFn done) {
  if (!spec.source) return Status::Conflict("app '" + app_ + "' has no source to roll back");
  if (job_) return Status::Conflict("a deployment of '" + app_ + "' is already running");
  auto target = RollbackTarget(spec, release);
  if (!target.ok()) return target.status();
  return StartJob(spec, "rollback", true, *target, std::move(done));
}

void SourceDeployer::Finished() {
  context_->loop->Defer([job = std::shared_ptr<Job>(std::move(job_))] {});
}

}  // namespace berth
