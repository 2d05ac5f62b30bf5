// SwarmRuntime: runs a compose app with compose.target swarm as a Swarm stack on the swarm whose
// manager berthd talks to: `docker stack deploy` of its current release to start, `docker stack
// rm` to stop and remove (named volumes stay). What runs is read back from the Engine every few
// seconds (services, tasks, nodes: SwarmStack), never kept by berth; each service's output is
// followed through GET /services/<id>/logs and merged into the app's log with its service.
// Swarm restarts and reschedules tasks itself: a service short of its replicas shows in status
// and as the app's problem, and the app goes on running. Pause is not supported (a swarm has
// no frozen state; scaling to 0 would lose the tasks): it fails with a clear error.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "supervise/compose_process.h"
#include "supervise/compose_stack.h"
#include "supervise/container_logs.h"
#include "supervise/runtime.h"
#include "supervise/swarm_stack.h"

namespace berth {

class SwarmRuntime : public Runtime {
 public:
  SwarmRuntime(ComposeContext context, Events events);
  ~SwarmRuntime() override;

  // REQUIRES: spec.compose()->release_workdir names the release to run.
  void Start(const AppSpec& spec) override;
  bool Stop(int signo, double timeout_s) override;
  // Adopts the stack the Engine still runs under the app's project: no second deploy.
  void Recover(const AppSpec& spec, RecoverFn done) override;
  // The replicas of each service only: the usage of a swarm's containers is not gathered.
  void Stats(StatsFn done) override;
  void Pause(std::function<void(Status)> done) override;
  void Resume(std::function<void(Status)> done) override;
  Status PauseSupported() const override;
  // `docker stack rm`: services and networks go, volumes stay.
  void Remove(std::function<void()> done) override;
  // SwarmStackJson: {"services": [...], "nodes": [...]}, and "stats" saying what Stats gives.
  nlohmann::json Detail() const override;
  uint64_t detail_version() const override { return detail_version_; }
  // Every service runs its desired replicas.
  bool Healthy() const override;
  bool TakesReleasesInPlace() const override { return true; }
  void TakeRelease(const AppSpec& launch_spec) override { spec_ = launch_spec; }

 private:
  using RunDone = std::function<void(Status)>;
  // Runs the docker CLI with `args` (after "docker") on spec_'s release.
  void Run(const std::vector<std::string>& args, RunDone done);
  void Deploy();
  void FailStart(const std::string& error);
  void Started();
  void Stopped(Status status);
  // Reads the stack again now, and every kPollMs while it runs or is being removed.
  void Poll();
  void OnStack(Result<SwarmStack> stack);
  void FollowLogs();
  void ReportProblem(const std::string& problem);
  docker::DockerEngine* Engine();

  ComposeContext context_;
  Events events_;
  AppSpec spec_;
  std::string project_;
  std::unique_ptr<ComposeProcess> run_;
  std::unique_ptr<HttpCall> check_;
  std::unique_ptr<SwarmWaiter> waiter_;
  std::unique_ptr<SwarmStackReader> reader_;
  Timer poll_timer_;
  SwarmStack stack_;
  nlohmann::json detail_;
  uint64_t detail_version_ = 0;
  // The log stream of each service, and when an ended one stopped (to go on from there).
  std::map<std::string, std::unique_ptr<ContainerLogs>> logs_;
  std::map<std::string, int64_t> logs_ended_s_;
  int64_t logs_since_s_ = 0;
  std::vector<std::string_view> lines_;
  std::string problem_;
  Status stop_status_ = Status::Ok();
  bool starting_ = false;
  bool running_ = false;
  bool stopping_ = false;
  docker::DockerEngine* engine_ = nullptr;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace berth
