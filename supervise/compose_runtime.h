// ComposeRuntime: runs a compose app's stack with the Compose tool on its current release
// (`up -d --remove-orphans`, `stop`, `pause`, `unpause`, `down`), and watches it through the
// Engine: its containers by service, kept current from the events of its project, their output
// merged into the app's log with the service of each line, their usage summed. Its services
// restart by their own policies: one that dies while the app runs shows in status (and as the
// app's problem), and the app goes on running.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "supervise/stack_runtime.h"

namespace berth {

class ComposeRuntime : public StackRuntime {
 public:
  ComposeRuntime(ComposeContext context, Events events);
  ~ComposeRuntime() override;

  void Stats(StatsFn done) override;
  void Pause(std::function<void(Status)> done) override;
  void Resume(std::function<void(Status)> done) override;
  // `down --remove-orphans`: containers and networks go, volumes stay.
  void Remove(std::function<void()> done) override;
  // {"services": [{name, containers, state, health}]}.
  nlohmann::json Detail() const override;
  // Every container runs, and is healthy where it has a healthcheck.
  bool Healthy() const override;
  // Each running container of `service`: its address on the project's network, with `port`.
  std::vector<std::string> Endpoints(int port, const std::string& service) const override;

 private:
  // `up -d --remove-orphans`, then a wait until every service runs.
  void Launch() override;
  void AbandonStart() override;
  // `stop -t <timeout>`.
  void StopRunning(double timeout_s) override;
  void Find(RecoverFn done) override;
  // Asks Docker for the stack's containers again (also on an event of the project).
  void Refresh() override;
  void OnStopped() override { Refresh(); }
  const char* StoppedDescription() const override { return "the stack was stopped"; }
  void OnEngine(docker::DockerEngine* engine) override;

  // Runs the tool with `command` on spec_'s release; `done` gets Ok or Compose's reason.
  void Run(const std::vector<std::string>& command, RunDone done);
  void OnUp(Status status);
  void OnContainers(ComposeContainers containers);
  void ReportProblems();

  std::unique_ptr<ComposeProcess> control_run_;  // pause, unpause
  std::unique_ptr<StackWaiter> waiter_;
  std::unique_ptr<HttpCall> list_call_;
  bool list_again_ = false;
  ComposeContainers containers_;
  std::map<uint64_t, std::vector<std::unique_ptr<HttpCall>>> stats_calls_;  // by Stats() call
  uint64_t stats_batches_ = 0;
  uint64_t watch_id_ = 0;
};

}  // namespace berth
