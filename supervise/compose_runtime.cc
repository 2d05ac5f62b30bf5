// Starting, stopping, adopting and watching compose stacks.
#include "supervise/compose_runtime.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "reactor/log.h"
#include "supervise/docker/stats.h"

namespace berth {
namespace {

using nlohmann::json;

// The usage of a stack, gathered from the stats of each of its running containers.
struct StackUsage {
  RuntimeStats total;
  std::map<std::string, docker::ContainerStats> services;
  size_t waiting = 0;
  Status error = Status::Ok();
  Runtime::StatsFn done;

  void Add(const std::string& service, const docker::ContainerStats& stats) {
    auto add = [](std::optional<uint64_t>& sum, uint64_t value) { sum = sum.value_or(0) + value; };
    total.cpu_percent = total.cpu_percent.value_or(0) + stats.cpu_percent;
    add(total.memory_bytes, stats.memory_bytes);
    add(total.pids, stats.pids);
    add(total.net_rx_bytes, stats.net_rx_bytes);
    add(total.net_tx_bytes, stats.net_tx_bytes);
    add(total.block_read_bytes, stats.block_read_bytes);
    add(total.block_write_bytes, stats.block_write_bytes);
    docker::ContainerStats& sum = services[service];
    sum.cpu_percent += stats.cpu_percent;
    sum.memory_bytes += stats.memory_bytes;
  }

  void Finish() {
    if (!error.ok() && services.empty()) return done(error);
    total.services = json::array();
    for (const auto& [name, stats] : services)
      total.services.push_back({{"name", name},
                                {"cpu_percent", std::round(stats.cpu_percent * 100) / 100},
                                {"memory_bytes", stats.memory_bytes}});
    done(std::move(total));
  }
};

}  // namespace

ComposeRuntime::ComposeRuntime(ComposeContext context, Events events)
    : StackRuntime(std::move(context), std::move(events)) {}

ComposeRuntime::~ComposeRuntime() {
  if (engine_) engine_->Unwatch(watch_id_);
}

void ComposeRuntime::OnEngine(docker::DockerEngine* engine) {
  watch_id_ = engine->Watch(
      [this](const docker::ContainerEvent& event) {
        if (event.project == project()) Refresh();
      },
      [this](bool up) {
        if (up) Refresh();
      });
}

void ComposeRuntime::Run(const std::vector<std::string>& command, RunDone done) {
  const ComposeSpec* compose = spec_.compose();
  if (!compose || compose->release_workdir.empty())
    return done(Status::Conflict("the stack has no release to run yet: deploy it"));
  auto tool = FindComposeTool();
  if (!tool.ok()) return done(tool.status());
  auto file = ResolveComposeFile(*compose, compose->release_workdir);
  if (!file.ok()) return done(file.status());
  std::string app = spec_.name;
  auto run = ComposeProcess::Start(
      context_.loop, context_.reaper, spec_,
      {.tool = *tool,
       .docker_host = context_.docker_host,
       .workdir = compose->release_workdir,
       .file = *file},
      command,
      [app](OutputStream, std::string_view line) {
        if (!line.empty()) LogInfo("app " + app + ": compose: " + std::string(line));
      },
      [command, done](int wait_status, const std::string& last_error) {
        done(ToolStatus("compose " + command[0], wait_status, last_error));
      });
  if (!run.ok()) return done(run.status());
  bool control = command[0] == "pause" || command[0] == "unpause";
  Keep(control ? &control_run_ : &run_, std::move(run).value());
}

void ComposeRuntime::Launch() {
  Run({"up", "-d", "--remove-orphans"}, [this](Status up) { OnUp(std::move(up)); });
}

void ComposeRuntime::OnUp(Status status) {
  if (!starting_) return;
  if (!status.ok()) return FailStart(status.message());
  auto on_ready = [this](Status ready) {
    FreeLater(waiter_);
    if (!starting_) return;
    if (!ready.ok()) return FailStart(ready.message());
    Started();
  };
  long timeout_ms = std::max(spec_.deploy.timeout_s, 1) * 1000L;
  waiter_ = std::make_unique<StackWaiter>(context_.loop, Engine(), project(), false, timeout_ms,
                                          std::move(on_ready));
}

void ComposeRuntime::AbandonStart() { FreeLater(waiter_); }

void ComposeRuntime::StopRunning(double timeout_s) {
  Run({"stop", "-t", std::to_string(static_cast<long>(timeout_s))},
      [this](Status stopped) { Stopped(std::move(stopped)); });
}

void ComposeRuntime::Find(RecoverFn done) {
  list_call_ =
      ListComposeContainers(engine_, project(), [this, done](Result<ComposeContainers> found) {
        FreeLater(list_call_);
        bool runs = found.ok() && std::any_of(found->begin(), found->end(),
                                              [](const auto& c) { return c.state == "running"; });
        if (!runs) return done(std::nullopt);
        Adopted();
        OnContainers(std::move(found).value());
        done(RuntimeInfo{});
      });
}

void ComposeRuntime::Refresh() {
  if (!engine_ || !engine_->up()) return;
  if (list_call_) {
    list_again_ = true;
    return;
  }
  list_call_ = ListComposeContainers(engine_, project(), [this](Result<ComposeContainers> found) {
    FreeLater(list_call_);
    if (found.ok()) OnContainers(std::move(found).value());
    if (std::exchange(list_again_, false)) Refresh();
  });
}

void ComposeRuntime::OnContainers(ComposeContainers containers) {
  if (ServicesJson(containers) != ServicesJson(containers_)) ++detail_version_;
  containers_ = std::move(containers);
  if (!running_) return;
  std::vector<LogSource> sources;
  for (const ComposeContainer& c : containers_)
    if (c.state == "running") sources.push_back({c.id, c.service});
  FollowLogs(sources, "containers");
  ReportProblems();
}

void ComposeRuntime::ReportProblems() {
  if (stopping_) return;
  std::string why;
  SetProblem(Readiness(containers_, true, &why) == StackReadiness::kReady ? "" : why);
}

void ComposeRuntime::Pause(std::function<void(Status)> done) { Run({"pause"}, std::move(done)); }

void ComposeRuntime::Resume(std::function<void(Status)> done) {
  Run({"unpause"}, std::move(done));
}

void ComposeRuntime::Remove(std::function<void()> done) {
  std::string app = spec_.name;
  Run({"down", "--remove-orphans"}, [app, done](Status down) {
    if (!down.ok()) LogWarn("app " + app + ": its stack is left: " + down.message());
    done();
  });
}

json ComposeRuntime::Detail() const { return {{"services", ServicesJson(containers_)}}; }

bool ComposeRuntime::Healthy() const {
  std::string why;
  return Readiness(containers_, /*healthy=*/true, &why) == StackReadiness::kReady;
}

std::vector<std::string> ComposeRuntime::Endpoints(int port, const std::string& service) const {
  std::vector<std::string> endpoints;
  for (const ComposeContainer& c : containers_)
    if (c.service == service && c.state == "running" && !c.address.empty())
      endpoints.push_back(c.address + ":" + std::to_string(port));
  return endpoints;
}

void ComposeRuntime::Stats(StatsFn done) {
  auto usage = std::make_shared<StackUsage>();
  usage->done = std::move(done);
  std::vector<ComposeContainer> running;
  for (const ComposeContainer& c : containers_)
    if (c.state == "running") running.push_back(c);
  if (running.empty() || !engine_) return usage->Finish();
  usage->waiting = running.size();
  uint64_t batch = ++stats_batches_;
  for (const ComposeContainer& c : running) {
    stats_calls_[batch].push_back(engine_->Call(
        "GET", "/containers/" + c.id + "/stats?stream=false", nullptr,
        [this, usage, batch, service = c.service](Result<docker::EngineReply> r) {
          auto stats = r.ok() && r->status == 200
                           ? docker::ParseContainerStats(r->body)
                           : Result<docker::ContainerStats>(Status::Unavailable(
                                 r.ok() ? r->Message() : r.status().message()));
          if (stats.ok()) usage->Add(service, *stats);
          else usage->error = stats.status();
          if (--usage->waiting > 0) return;
          usage->Finish();
          // The calls end inside their own callbacks: freed on the next loop turn.
          context_.loop->Defer([this, batch, alive = std::weak_ptr<int>(alive_)] {
            if (alive.lock()) stats_calls_.erase(batch);
          });
        }));
  }
}

}  // namespace berth
