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

#include "supervise/stack_runtime.h"
#include "supervise/swarm_stack.h"

namespace berth {

class SwarmRuntime : public StackRuntime {
 public:
  SwarmRuntime(ComposeContext context, Events events);
  ~SwarmRuntime() override;

  // The replicas of each service only: the usage of a swarm's containers is not gathered.
  void Stats(StatsFn done) override;
  void Pause(std::function<void(Status)> done) override;
  void Resume(std::function<void(Status)> done) override;
  Status PauseSupported() const override;
  // `docker stack rm`: services and networks go, volumes stay.
  void Remove(std::function<void()> done) override;
  // SwarmStackJson: {"services": [...], "nodes": [...]}, and "stats" saying what Stats gives.
  nlohmann::json Detail() const override;
  // Every service runs its desired replicas.
  bool Healthy() const override;

 private:
  // Checks that the Engine is a swarm manager, then Deploy()s.
  void Launch() override;
  void AbandonStart() override;
  // `docker stack rm`; the stack is stopped once Poll() sees its last task gone.
  void StopRunning(double timeout_s) override;
  void Find(RecoverFn done) override;
  void Refresh() override { Poll(); }
  void OnStopped() override;
  const char* StoppedDescription() const override { return "the stack was removed from the swarm"; }

  // Runs the docker CLI with `args` (after "docker") on spec_'s release.
  void Run(const std::vector<std::string>& args, RunDone done);
  // `docker stack deploy`, then a wait until every service runs its replicas.
  void Deploy();
  // Reads the stack again now, and every kPollMs while it runs or is being removed.
  void Poll();
  void OnStack(Result<SwarmStack> stack);

  std::unique_ptr<HttpCall> check_;
  std::unique_ptr<SwarmWaiter> waiter_;
  std::unique_ptr<SwarmStackReader> reader_;
  Timer poll_timer_;
  SwarmStack stack_;
  nlohmann::json detail_;
};

}  // namespace berth
