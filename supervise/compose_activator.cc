// Bringing a compose app's release up with the Compose tool, and back down to the previous one
// when it does not become healthy.
#include "supervise/compose_activator.h"

#include <algorithm>

#include "reactor/atomic_file.h"
#include "reactor/child_process.h"
#include "reactor/log.h"

namespace berth {
namespace {

// `config` reads files only; a pull may fetch large images.
constexpr long kConfigMs = 2 * 60 * 1000;
constexpr long kPullMs = 30 * 60 * 1000;

}  // namespace

Result<std::string> PreviousComposeFile(const Activation& activation, const ComposeSpec& compose,
                                        const std::string& reason) {
  const std::optional<Release>& previous = activation.previous;
  if (!previous || previous->id == activation.release.id)
    return Status::Invalid(reason +
                           " (no earlier release to go back to: the stack is left as it is)");
  auto file = ResolveComposeFile(compose, previous->workdir);
  if (!file.ok())
    return Status::Invalid(reason + "; cannot go back to release " + previous->id + ": " +
                           file.status().message());
  return file;
}

ComposeActivator::ComposeActivator(AppSpec spec, ComposeContext context)
    : spec_(std::move(spec)),
      context_(std::move(context)),
      step_timer_(context_.loop, [this] {
        step_timed_out_ = true;
        if (run_) run_->Kill();
      }) {}

ComposeActivator::~ComposeActivator() = default;

void ComposeActivator::Log(const std::string& line) {
  if (activation_.log) activation_.log(line);
}

void ComposeActivator::Activate(const Activation& activation, Done done) {
  activation_ = activation;
  done_ = std::move(done);
  auto tool = FindComposeTool();
  if (!tool.ok()) return End({tool.status()});
  tool_ = *tool;
  Log("==> Compose: " + tool_.description);
  if (size_t files = spec_.compose()->env_files.size(); tool_.v1 && files > 1)
    return End({Status::Invalid(
        "compose.env_files names " + std::to_string(files) +
            " files, but docker-compose v1, the Compose of this host, takes one: merge them or "
            "install the Compose v2 plugin",
        "compose.env_files")});
  auto file = ResolveComposeFile(*spec_.compose(), activation_.release.workdir);
  if (!file.ok()) return End({file.status()});
  file_ = *file;
  docker::DockerEngine* engine = context_.engine();
  engine->WhenReady([this, engine, alive = std::weak_ptr<int>(alive_)] {
    if (!alive.lock()) return;
    if (!engine->up()) return End({Status::Unavailable(engine->error())});
    Log("==> validating " + file_ + " (config --quiet)");
    Run(activation_.release.workdir, {"config", "--quiet"}, &ComposeActivator::Validated,
        kConfigMs);
  });
}

void ComposeActivator::Run(const std::string& workdir, const std::vector<std::string>& command,
                           Next next, long timeout_ms, std::string* capture) {
  std::weak_ptr<int> alive = alive_;
  step_timed_out_ = false;
  step_timer_.Start(timeout_ms);
  auto run = ComposeProcess::Start(
      context_.loop, context_.reaper, spec_,
      {.tool = tool_, .docker_host = context_.docker_host, .workdir = workdir, .file = file_},
      command,
      [this, capture](OutputStream stream, std::string_view line) {
        if (capture && stream == OutputStream::kStdout)
          capture->append(line).push_back('\n');
        else
          Log(std::string(line));
      },
      [this, alive, next](int wait_status, const std::string& last_error) {
        if (!alive.lock()) return;
        step_timer_.Stop();
        (this->*next)(wait_status, last_error);
      });
  if (!run.ok()) {
    step_timer_.Stop();
    return End({run.status()});
  }
  run_ = std::move(run).value();
}

bool ComposeActivator::Succeeded(int wait_status, const std::string& last_error,
                                 const std::string& what) {
  if (WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0) return true;
  std::string why = step_timed_out_ ? "it took too long and was killed" : last_error;
  reason_ = "compose " + what + " failed (" + DescribeWaitStatus(wait_status) + ")" +
            (why.empty() ? "" : ": " + why);
  return false;
}

void ComposeActivator::Validated(int wait_status, const std::string& last_error) {
  // The running stack is untouched: a broken file fails the deployment here.
  if (!Succeeded(wait_status, last_error, "config")) return End({Status::Invalid(reason_)});
  rendered_.clear();
  Run(activation_.release.workdir, {"config", "--no-interpolate"}, &ComposeActivator::Rendered,
      kConfigMs, &rendered_);
}

void ComposeActivator::Rendered(int wait_status, const std::string& last_error) {
  std::string path = activation_.release.dir + "/" + kRenderedComposeFile;
  if (!Succeeded(wait_status, last_error, "config --no-interpolate")) {
    Log("    the rendered config is not kept: " + reason_);
  } else if (Status s = WriteFileAtomically(path, rendered_, 0640, Durability::kProcessCrash);
             !s.ok()) {
    Log("    the rendered config is not kept: " + s.message());
  } else {
    Log("    rendered config (without variables) kept in " + path);
  }
  if (activation_.rollback) return Pulled(0, "");
  Log("==> pull --ignore-pull-failures");
  Run(activation_.release.workdir, {"pull", "--ignore-pull-failures"}, &ComposeActivator::Pulled,
      kPullMs);
}

void ComposeActivator::Pulled(int wait_status, const std::string& last_error) {
  // docker-compose 1.29 exits 1 even with --ignore-pull-failures when a registry cannot be
  // reached: an image that exists only on this host (or a registry down for a while) must not
  // stop the deployment. `up` fails if an image is really missing.
  if (!Succeeded(wait_status, last_error, "pull"))
    Log("    " + reason_ + ": going on with the images this host has");
  Log("==> up -d --remove-orphans");
  long timeout_ms = std::max(spec_.deploy.timeout_s, 1) * 1000L;
  Run(activation_.release.workdir, {"up", "-d", "--remove-orphans"}, &ComposeActivator::Up,
      timeout_ms);
}

void ComposeActivator::Up(int wait_status, const std::string& last_error) {
  // From here on the stack was touched: a failure brings the previous release back.
  if (!Succeeded(wait_status, last_error, "up")) return RollBack(reason_);
  Log("==> waiting up to " + std::to_string(spec_.deploy.timeout_s) +
      " s for every service to run and be healthy");
  waiter_ = std::make_unique<StackWaiter>(
      context_.loop, context_.engine(), ComposeProjectName(spec_.name), true,
      std::max(spec_.deploy.timeout_s, 1) * 1000L, [this](Status ready) { Ready(ready); });
}

void ComposeActivator::Ready(Status status) {
  context_.loop->Defer([waiter = std::shared_ptr<StackWaiter>(std::move(waiter_))] {});
  if (!status.ok()) return RollBack("the stack did not become ready: " + status.message());
  Log("    every service runs");
  End({PointCurrentAt(activation_.root, activation_.release.id)});
}

void ComposeActivator::RollBack(const std::string& reason) {
  reason_ = reason;
  Log("==> " + reason);
  auto file = PreviousComposeFile(activation_, *spec_.compose(), reason);
  if (!file.ok()) return End({file.status()});
  const std::optional<Release>& previous = activation_.previous;
  file_ = *file;
  Log("==> rolling back to release " + previous->id + ": up -d --remove-orphans");
  Run(previous->workdir, {"up", "-d", "--remove-orphans"}, &ComposeActivator::RolledBackUp,
      std::max(spec_.deploy.timeout_s, 1) * 1000L);
}

void ComposeActivator::RolledBackUp(int wait_status, const std::string& last_error) {
  std::string reason = reason_;
  if (!Succeeded(wait_status, last_error, "up"))
    return End({Status::Invalid(reason + "; going back to release " + activation_.previous->id +
                                " failed too: " + reason_)});
  waiter_ = std::make_unique<StackWaiter>(
      context_.loop, context_.engine(), ComposeProjectName(spec_.name), true,
      std::max(spec_.deploy.timeout_s, 1) * 1000L, [this, reason](Status ready) {
        context_.loop->Defer([waiter = std::shared_ptr<StackWaiter>(std::move(waiter_))] {});
        Log(ready.ok() ? "    release " + activation_.previous->id + " serves again"
                       : "    release " + activation_.previous->id +
                             " is back up, but not ready: " + ready.message());
        End({Status::Invalid(reason), true});
      });
}

void ComposeActivator::End(ActivationResult result) {
  Done done = std::move(done_);
  done_ = nullptr;
  if (done) done(std::move(result));
}

}  // namespace berth
