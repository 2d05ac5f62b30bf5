// The steps, timers and rollback shared by the activators of compose apps.
#include "supervise/stack_activator.h"

#include <algorithm>

namespace berth {
namespace {

// For going back after `reason` (a stack deployment that failed once it began): the compose file
// of `activation.previous`, or the Invalid that ends the activation (no earlier release, or its
// file is missing).
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

}  // namespace

StackActivator::StackActivator(AppSpec spec, ComposeContext context)
    : spec_(std::move(spec)), context_(std::move(context)), step_timer_(context_.loop, [this] {
        step_timed_out_ = true;
        if (run_) run_->Kill();
      }) {}

StackActivator::~StackActivator() = default;

void StackActivator::Log(const std::string& line) {
  if (activation_.log) activation_.log(line);
}

long StackActivator::TimeoutMs() const { return std::max(spec_.deploy.timeout_s, 1) * 1000L; }

bool StackActivator::Begin(const Activation& activation, Done done) {
  activation_ = activation;
  done_ = std::move(done);
  auto tool = FindComposeTool();
  if (!tool.ok()) {
    End({tool.status()});
    return false;
  }
  tool_ = *tool;
  auto file = ResolveComposeFile(*spec_.compose(), activation_.release.workdir);
  if (!file.ok()) {
    End({file.status()});
    return false;
  }
  file_ = *file;
  return true;
}

void StackActivator::WhenEngineUp(std::function<void(docker::DockerEngine*)> then) {
  docker::DockerEngine* engine = context_.engine();
  engine->WhenReady([this, engine, then, alive = std::weak_ptr<int>(alive_)] {
    if (!alive.lock()) return;
    if (!engine->up()) return End({Status::Unavailable(engine->error())});
    then(engine);
  });
}

std::vector<std::string> StackActivator::ComposeArgv(
    const std::string& workdir, const std::vector<std::string>& command) const {
  return ComposeCommand(tool_, spec_.name, *spec_.compose(), workdir, file_, command);
}

void StackActivator::RunStep(const std::string& workdir, std::vector<std::string> argv,
                             const std::string& what, long timeout_ms, StepDone then,
                             std::string* capture) {
  step_timed_out_ = false;
  step_timer_.Start(timeout_ms);
  auto run = ComposeProcess::StartArgv(
      context_.loop, context_.reaper, spec_, context_.docker_host, workdir, std::move(argv),
      [this, capture](OutputStream stream, std::string_view line) {
        if (capture && stream == OutputStream::kStdout)
          capture->append(line).push_back('\n');
        else
          Log(std::string(line));
      },
      [this, what, then, alive = std::weak_ptr<int>(alive_)](int wait_status,
                                                             const std::string& last_error) {
        if (!alive.lock()) return;
        step_timer_.Stop();
        std::string why = step_timed_out_ ? "it took too long and was killed" : last_error;
        Status ended = ToolStatus(what, wait_status, why);
        then(ended.ok() ? ended : Status::Invalid(ended.message()));
      });
  if (!run.ok()) {
    step_timer_.Stop();
    return End({run.status()});
  }
  if (run_) context_.loop->Defer([old = std::shared_ptr<ComposeProcess>(std::move(run_))] {});
  run_ = std::move(run).value();
}

void StackActivator::RollBack(const std::string& reason) {
  reason_ = reason;
  Log("==> " + reason);
  auto file = PreviousComposeFile(activation_, *spec_.compose(), reason);
  if (!file.ok()) return End({file.status()});
  file_ = *file;
  Log("==> rolling back to release " + activation_.previous->id + ": " + BringUpName());
  BringUp(activation_.previous->workdir, [this](Status status) { RolledBack(std::move(status)); });
}

void StackActivator::RolledBack(Status status) {
  const std::string& id = activation_.previous->id;
  if (!status.ok())
    return End({Status::Invalid(reason_ + "; going back to release " + id +
                                " failed too: " + status.message())});
  Wait([this, id](Status ready) {
    Log(ready.ok() ? "    release " + id + " serves again"
                   : "    release " + id + " is back up, but not ready: " + ready.message());
    End({Status::Invalid(reason_), true});
  });
}

void StackActivator::End(ActivationResult result) {
  Done done = std::move(done_);
  done_ = nullptr;
  if (done) done(std::move(result));
}

}  // namespace berth
