// Starting and stopping native processes.
#include "supervise/process_runtime.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "reactor/clock.h"
#include "reactor/proc_stat.h"
#include "supervise/process_command.h"

namespace berth {
ProcessRuntime::ProcessRuntime(ProcessContext context, Events events)
    : context_(context),
      events_(std::move(events)),
      stop_timer_(context.loop, [this] { OnStopTimeout(); }) {}

void GroupWaiters::OnAnyReaped() {
  // A runtime that finishes may end another's wait (or its app): walk a copy, and skip what
  // left the set meanwhile.
  std::set<ProcessRuntime*> snapshot = waiting_;
  for (ProcessRuntime* runtime : snapshot)
    if (waiting_.count(runtime)) runtime->OnAnyReaped();
}

ProcessRuntime::~ProcessRuntime() { context_.waiters->Remove(this); }

void ProcessRuntime::Prepare(const AppSpec& spec) {
  AppIdentity identity = IdentityFor(*context_.paths, spec);
  // berth's own user may not exist yet: then the first start creates it and the directories.
  dirs_ready_ = false;
  if (!LookupIdentity(&identity).ok()) return;
  dirs_ready_ = PrepareDirs(*context_.paths, spec, identity, DirsFor(*context_.paths, spec)).ok();
}

void ProcessRuntime::Start(const AppSpec& spec) {
  ++*generation_;
  stopping_ = awaiting_group_ = false;
  // Nothing here may outlive this runtime, or act for an earlier start.
  std::weak_ptr<int> guard = generation_;
  int generation = *generation_;
  EnsureAppUser(context_.admin, *context_.paths, spec,
                [this, guard, generation, spec](Result<AppIdentity> identity) {
                  auto alive = guard.lock();
                  if (!alive || *alive != generation) return;
                  if (!identity.ok()) return events_.start_failed(identity.status().message());
                  Launch(spec, std::move(identity).value());
                });
}

void ProcessRuntime::Launch(const AppSpec& spec, AppIdentity identity) {
  AppDirs dirs = DirsFor(*context_.paths, spec);
  if (!dirs_ready_) {
    if (Status s = PrepareDirs(*context_.paths, spec, identity, dirs); !s.ok())
      return events_.start_failed(s.message());
    dirs_ready_ = true;
  }
  SpawnOptions options;
  options.argv = spec.process()->command;
  options.env = AppEnvironment(*context_.paths, spec, identity, dirs);
  options.cwd = dirs.home;
  options.uid = identity.uid;
  options.gid = identity.gid;
  options.groups = identity.groups;
  launch_options_ = options;
  auto child = ChildProcess::Spawn(
      context_.loop, context_.reaper, options,
      [this](OutputStream stream, std::string_view data, bool eof) { OnOutput(stream, data, eof); },
      [this](int wait_status) { OnChildFinished(wait_status); });
  if (!child.ok()) {
    dirs_ready_ = false;  // look again next time: a directory may have gone
    return events_.start_failed(child.status().message());
  }
  child_ = std::move(child).value();
  group_ = child_->pid();
  context_.groups->Add(spec.name, group_, StopSignalNumber(spec.stop_signal), spec.stop_timeout);
  // A crash leaves nothing of the group behind; a stop gives members until its timeout.
  child_->set_on_exit([this] {
    if (!stopping_) kill(-group_, SIGKILL);
  });
  last_cpu_ticks_ = 0;
  last_sample_ms_ = MonotonicMs();
  events_.started(RuntimeInfo{.pid = child_->pid()});
}

void ProcessRuntime::OnOutput(OutputStream stream, std::string_view data, bool eof) {
  auto log_stream = stream == OutputStream::kStdout ? LogStream::kStdout : LogStream::kStderr;
  batch_.clear();
  auto collect = [this](std::string_view line) { batch_.push_back(line); };
  LineSplitter& splitter = splitters_[static_cast<int>(stream)];
  if (eof) {
    splitter.Finish(collect);
  } else {
    splitter.Feed(data, collect);
  }
  if (!batch_.empty()) events_.lines(log_stream, batch_);
}

bool ProcessRuntime::Stop(int signo, double timeout_s) {
  if (!child_) {
    ++*generation_;  // a pending user creation must not launch anything now
    return false;
  }
  if (stopping_) return true;
  stopping_ = true;
  kill(-group_, signo);
  if (signo != SIGCONT) kill(-group_, SIGCONT);  // a stopped process must see the signal
  stop_timer_.Start(static_cast<long>(timeout_s * 1000));
  return true;
}

void ProcessRuntime::OnChildFinished(int wait_status) {
  wait_status_ = wait_status;
  if (stopping_ && kill(-group_, 0) == 0) {
    awaiting_group_ = true;
    context_.waiters->Add(this);
    return;
  }
  Finish();
}

void ProcessRuntime::OnAnyReaped() {
  if (awaiting_group_ && kill(-group_, 0) != 0) Finish();
}

void ProcessRuntime::OnStopTimeout() { kill(-group_, SIGKILL); }

void ProcessRuntime::Finish() {
  // Directories are checked again before the next start (the app or an admin may have
  // changed them); only the first start after Prepare() skips that.
  dirs_ready_ = false;
  awaiting_group_ = false;
  context_.waiters->Remove(this);
  stopping_ = false;
  stop_timer_.Stop();
  context_.groups->Remove(group_);
  // We are inside the child's callback: release it on the next loop turn.
  context_.loop->Defer([child = std::shared_ptr<ChildProcess>(std::move(child_))] {});
  events_.finished(RuntimeExit::FromWaitStatus(wait_status_));
}

void ProcessRuntime::Pause(std::function<void(Status)> done) {
  if (!child_ || kill(-group_, SIGSTOP) != 0)
    return done(Status::Conflict(std::string("cannot pause: ") + strerror(errno)));
  done(Status::Ok());
}

void ProcessRuntime::Resume(std::function<void(Status)> done) {
  if (!child_ || kill(-group_, SIGCONT) != 0)
    return done(Status::Conflict(std::string("cannot resume: ") + strerror(errno)));
  done(Status::Ok());
}

std::vector<std::string> ProcessRuntime::Endpoints(int port, const std::string&) const {
  return {ReachableHost(context_.paths->app_host) + ":" + std::to_string(port)};
}

Result<std::unique_ptr<RuntimeCommand>> ProcessRuntime::Exec(const std::vector<std::string>& argv,
                                                             CommandDone done) {
  if (!child_ || stopping_) return Status::Conflict("the app does not run");
  SpawnOptions options = launch_options_;
  options.argv = argv;
  return StartProcessCommand(context_.loop, context_.reaper, options, std::move(done));
}

void ProcessRuntime::Stats(StatsFn done) {
  static const long ticks_per_second = sysconf(_SC_CLK_TCK);
  static const long page_size = sysconf(_SC_PAGESIZE);
  RuntimeStats stats;
  uint64_t ticks = 0, pages = 0, count = 0;
  for (const ProcStat& member : ProcessesInGroup(group_)) {
    if (member.state == 'Z') continue;
    ticks += member.cpu_ticks;
    pages += member.rss_pages;
    ++count;
  }
  int64_t now = MonotonicMs();
  // The first sample after a start measures from the start; members that left take their
  // time with them, so the count may go down: then this sample says 0.
  if (now > last_sample_ms_ && ticks >= last_cpu_ticks_) {
    double busy_ms = (ticks - last_cpu_ticks_) * 1000.0 / ticks_per_second;
    stats.cpu_percent = 100.0 * busy_ms / static_cast<double>(now - last_sample_ms_);
  } else {
    stats.cpu_percent = 0;
  }
  last_cpu_ticks_ = ticks;
  last_sample_ms_ = now;
  stats.memory_bytes = pages * page_size;
  stats.pids = count;
  done(std::move(stats));
}

}  // namespace berth
