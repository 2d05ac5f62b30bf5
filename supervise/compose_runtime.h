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

#include "supervise/compose_process.h"
#include "supervise/compose_stack.h"
#include "supervise/container_logs.h"
#include "supervise/runtime.h"

namespace berth {

class ComposeRuntime : public Runtime {
 public:
  ComposeRuntime(ComposeContext context, Events events);
  ~ComposeRuntime() override;

  // REQUIRES: spec.compose()->release_workdir names the release to run.
  void Start(const AppSpec& spec) override;
  bool Stop(int signo, double timeout_s) override;
  void Recover(const AppSpec& spec, RecoverFn done) override;
  void Stats(StatsFn done) override;
  void Pause(std::function<void(Status)> done) override;
  void Resume(std::function<void(Status)> done) override;
  // `down --remove-orphans`: containers and networks go, volumes stay.
  void Remove(std::function<void()> done) override;
  // {"services": [{name, containers, state, health}]}.
  nlohmann::json Detail() const override;
  uint64_t detail_version() const override { return detail_version_; }
  // Every container runs, and is healthy where it has a healthcheck.
  bool Healthy() const override;
  // Each running container of `service`: its address on the project's network, with `port`.
  std::vector<std::string> Endpoints(int port, const std::string& service) const override;
  bool TakesReleasesInPlace() const override { return true; }
  void TakeRelease(const AppSpec& launch_spec) override;

 private:
  using RunDone = std::function<void(Status)>;
  // Runs the tool with `command` on spec_'s release; `done` gets Ok or Compose's reason.
  void Run(const std::vector<std::string>& command, RunDone done);
  void OnUp(Status status);
  void Started();
  void FailStart(const std::string& error);
  void Stopped(Status status);
  // Asks Docker for the stack's containers again (on an event of the project).
  void Refresh();
  void OnContainers(ComposeContainers containers);
  void FollowLogs();
  void ReportProblems();
  docker::DockerEngine* Engine();

  ComposeContext context_;
  Events events_;
  AppSpec spec_;
  std::unique_ptr<ComposeProcess> run_;
  std::unique_ptr<ComposeProcess> control_run_;  // pause, unpause
  std::unique_ptr<StackWaiter> waiter_;
  std::unique_ptr<HttpCall> list_call_;
  bool list_again_ = false;
  ComposeContainers containers_;
  uint64_t detail_version_ = 0;
  // The log stream of each running container, and when an ended one stopped (to go on from
  // there when it runs again); a container seen first is followed from logs_since_s_ (0: from
  // its start; an adopted stack's from the adoption).
  std::map<std::string, std::unique_ptr<ContainerLogs>> logs_;
  std::map<std::string, int64_t> logs_ended_s_;
  int64_t logs_since_s_ = 0;
  std::vector<std::string_view> lines_;
  std::map<uint64_t, std::vector<std::unique_ptr<HttpCall>>> stats_calls_;  // by Stats() call
  uint64_t stats_batches_ = 0;
  std::string problem_;
  bool starting_ = false;
  bool running_ = false;
  bool stopping_ = false;
  uint64_t watch_id_ = 0;
  docker::DockerEngine* engine_ = nullptr;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace berth
