// A container app's deployments: resolve (or pull) the image, record its id, pin it.
#include "supervise/image_deployer.h"

#include "reactor/clock.h"
#include "reactor/log.h"

namespace berth {
namespace {

std::string Now() { return FormatRfc3339(WallClockMs()); }

bool IsReleaseId(const std::string& text) {
  return !text.empty() && text.size() < 19 &&
         text.find_first_not_of("0123456789") == std::string::npos;
}

// The release deployment `row` made (or served again), when it succeeded with an image.
std::optional<Release> ReleaseOf(const Deployment& row) {
  if (row.outcome != DeployOutcome::kSucceeded || !row.revision || row.revision->empty())
    return std::nullopt;
  return Release{.id = row.release.value_or(std::to_string(row.id)), .image = *row.revision};
}

}  // namespace

struct ImageDeployer::Job {
  Job(DeployContext* context, const AppSpec& spec, std::string trigger, bool force, DoneFn done)
      : spec(spec),
        trigger(std::move(trigger)),
        force(force),
        done(std::move(done)),
        started_ms(MonotonicMs()),
        log(context->loop, context->deployments) {}

  AppSpec spec;
  std::string trigger;
  bool force;
  DoneFn done;
  int64_t started_ms;
  int64_t id = 0;
  DeploymentLog log;
  std::optional<Release> current;  // what the app served when the job began
  std::string revision;            // the image id found
  std::string release;             // the release it serves, once known
};

ImageDeployer::ImageDeployer(DeployContext* context, std::string app, RuntimeAccess runtime,
                             HandoverFn handover)
    : context_(context),
      app_(std::move(app)),
      runtime_(std::move(runtime)),
      handover_(std::move(handover)) {}

ImageDeployer::~ImageDeployer() {
  if (!job_) return;
  job_->log.Line("==> stopped: the app was deleted");
  job_->log.Flush();
  context_->deployments->Finish(job_->id, DeployOutcome::kFailed, "the app was deleted", Now(),
                                MonotonicMs() - job_->started_ms);
  Publish("failed", "the app was deleted");  // counted like any other end
}

std::optional<Release> ImageDeployer::Current(const AppSpec& spec) const {
  auto last = context_->deployments->LastSucceeded(app_, std::nullopt);
  if (!last.ok() || !*last || !spec.container()) return std::nullopt;
  const Deployment& row = **last;
  if (row.ref != spec.container()->image) return std::nullopt;
  return ReleaseOf(row);
}

std::string ImageDeployer::ServingRevision(const AppSpec& spec) const {
  std::optional<Release> current = Current(spec);
  return current ? current->image : "";
}

std::optional<int64_t> ImageDeployer::running() const {
  if (job_) return job_->id;
  return std::nullopt;
}

Status ImageDeployer::Deploy(const AppSpec& spec, const std::string& trigger, bool force,
                             DoneFn done) {
  if (!spec.container()) return Status::Conflict("app '" + app_ + "' has no image to deploy");
  if (Status s = Begin(spec, trigger, force, std::nullopt, std::move(done)); !s.ok()) return s;
  bool pull = trigger != "start" && trigger != "change";
  std::weak_ptr<int> alive = alive_;
  runtime_()->FetchRevision(
      spec, pull,
      [this, alive](std::string_view line) {
        if (alive.lock()) job_->log.Line("    " + std::string(line));
      },
      [this, alive](Result<std::string> image) {
        if (alive.lock()) OnFetched(std::move(image));
      });
  return Status::Ok();
}

Status ImageDeployer::Rollback(const AppSpec& spec, const std::string& release, DoneFn done) {
  if (!spec.container()) return Status::Conflict("app '" + app_ + "' has no image to roll back");
  if (job_) return Status::Conflict("a deployment of '" + app_ + "' is already running");
  auto target = RollbackTarget(spec, release);
  if (!target.ok()) return target.status();
  if (Status s = Begin(spec, "rollback", true, *target, std::move(done)); !s.ok()) return s;
  std::weak_ptr<int> alive = alive_;
  runtime_()->CheckRevision(target->image, [this, alive](Status status) {
    if (alive.lock()) OnChecked(status);
  });
  return Status::Ok();
}

Status ImageDeployer::Begin(const AppSpec& spec, const std::string& trigger, bool force,
                            std::optional<Release> target, DoneFn done) {
  if (job_) return Status::Conflict("a deployment of '" + app_ + "' is already running");
  NewDeployment row{.app = app_, .trigger = trigger, .started_at = Now()};
  if (target) {
    row.revision = target->image;
    row.ref = spec.container()->image;
    row.release = target->id;
  }
  auto id = context_->deployments->Begin(row);
  if (!id.ok()) return id.status();
  job_ = std::make_unique<Job>(context_, spec, trigger, force, std::move(done));
  job_->id = *id;
  job_->current = Current(spec);
  job_->log.SetId(*id);
  if (const auto& auth = spec.container()->registry_auth) job_->log.Mask(auth->password);
  if (target) {
    job_->revision = target->image;
    job_->release = target->id;
  }
  job_->log.Line("==> deployment " + std::to_string(*id) + " of " + app_ + " (" + trigger + ")");
  job_->log.Line(target ? "==> serving release " + target->id + " again: image " + target->image
                        : "==> image " + spec.container()->image);
  Publish("started");
  return Status::Ok();
}

void ImageDeployer::OnFetched(Result<std::string> image) {
  if (!image.ok()) {
    job_->log.Line("==> failed: " + image.status().message());
    if (job_->current) job_->log.Line("==> release " + job_->current->id + " keeps serving");
    return Finish(DeployOutcome::kFailed, image.status().message());
  }
  job_->revision = *image;
  job_->log.Line("==> image id " + job_->revision);
  if (!job_->force && job_->current && job_->current->image == job_->revision) {
    job_->log.Line("==> release " + job_->current->id + " runs this image already: nothing to do");
    return Finish(DeployOutcome::kSkipped, "");
  }
  job_->release = std::to_string(job_->id);
  HandOver();
}

void ImageDeployer::OnChecked(const Status& status) {
  if (!status.ok()) {
    job_->log.Line("==> failed: " + status.message());
    return Finish(DeployOutcome::kFailed, status.message());
  }
  HandOver();
}

void ImageDeployer::HandOver() {
  auto serve = [this] {
    job_->log.Line("==> serving release " + job_->release);
    Finish(DeployOutcome::kSucceeded, "");
  };
  if (!handover_) return serve();
  std::weak_ptr<int> alive = alive_;
  handover_(
      Release{.id = job_->release, .image = job_->revision},
      [this, alive](std::string_view line) {
        if (alive.lock() && job_) job_->log.Line(std::string(line));
      },
      [this, alive, serve](const Status& status, bool) {
        if (!alive.lock() || !job_) return;
        if (status.ok()) return serve();
        job_->log.Line("==> failed: " + status.message());
        if (job_->current) job_->log.Line("==> release " + job_->current->id + " keeps serving");
        Finish(DeployOutcome::kFailed, status.message());
      });
}

void ImageDeployer::Finish(DeployOutcome outcome, const std::string& error) {
  Job& job = *job_;
  bool rollback = job.trigger == "rollback";
  Status stored = context_->deployments->Atomically([&] {
    if (!rollback && !job.revision.empty()) {
      const std::string& image = job.spec.container()->image;
      if (Status s = context_->deployments->SetRevision(job.id, job.revision, image); !s.ok())
        return s;
    }
    if (!rollback && outcome == DeployOutcome::kSucceeded) {
      if (Status s = context_->deployments->SetRelease(job.id, job.release); !s.ok()) return s;
    }
    return context_->deployments->Finish(job.id, outcome, error, Now(),
                                         MonotonicMs() - job.started_ms, job.log.TakePending());
  });
  if (!stored.ok())
    LogError("app " + app_ + ": cannot record deployment " + std::to_string(job.id) + ": " +
             stored.message());
  if (outcome == DeployOutcome::kSucceeded)
    LogInfo("app " + app_ + ": deployment " + std::to_string(job.id) + " serves release " +
            job.release + " (" + job.revision + ")");
  if (outcome == DeployOutcome::kFailed)
    LogWarn("app " + app_ + ": deployment " + std::to_string(job.id) + " failed: " + error);
  Publish(to_string(outcome), error);
  std::unique_ptr<Job> done = std::move(job_);
  bool switched = outcome == DeployOutcome::kSucceeded && stored.ok();
  done->done(error.empty() ? Status::Ok() : Status::Invalid(error), switched);
}

void ImageDeployer::Publish(const std::string& phase, const std::string& error) {
  context_->bus->Publish(DeployEvent{app_, job_->id, job_->trigger, phase, job_->revision,
                                     job_->release, error, WallClockMs()});
}

Result<Release> ImageDeployer::RollbackTarget(const AppSpec& spec,
                                              const std::string& wanted) const {
  std::optional<Release> current = Current(spec);
  if (!wanted.empty()) {
    if (IsReleaseId(wanted)) {
      auto row = context_->deployments->Get(app_, std::stoll(wanted), false);
      if (!row.ok()) return row.status();
      if (*row && (*row)->release == wanted) {
        if (std::optional<Release> release = ReleaseOf(**row)) return *release;
      }
    }
    return Status::NotFound("release " + wanted + " of app '" + app_ +
                            "' does not exist (see GET /v1/apps/" + app_ + "/deployments)");
  }
  auto rows = context_->deployments->ListForApp(app_, 100);
  if (!rows.ok()) return rows.status();
  for (const Deployment& row : *rows) {
    std::optional<Release> release = ReleaseOf(row);
    if (!release || !IsReleaseId(release->id)) continue;
    if (current && (release->id == current->id || release->image == current->image ||
                    std::stoll(release->id) > std::stoll(current->id)))
      continue;
    return *release;
  }
  return Status::Conflict("app '" + app_ + "' has no earlier good release to roll back to");
}

}  // namespace berth
