// StackRuntime: what the runtimes of compose apps share, whether Compose runs the stack on this
// host (ComposeRuntime) or Swarm runs it on a cluster (SwarmRuntime). It owns the state machine
// a stack goes through (starting once the Engine is up, running, stopping, adopted after a
// restart of berthd), the app's problem while it runs, and the log stream of each container or
// service, merged into the app's log with the service of each line. A kind says how its stack
// is brought up, stopped, found and watched.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "supervise/compose_process.h"
#include "supervise/compose_stack.h"
#include "supervise/container_logs.h"
#include "supervise/runtime.h"

namespace berth {

class StackRuntime : public Runtime {
 public:
  ~StackRuntime() override;

  // REQUIRES: spec.compose()->release_workdir names the release to run. Waits for the Engine,
  // then Launch()es.
  void Start(const AppSpec& spec) final;
  bool Stop(int signo, double timeout_s) final;
  // Adopts the stack the Engine still runs under the app's project: no second start.
  void Recover(const AppSpec& spec, RecoverFn done) final;
  uint64_t detail_version() const override { return detail_version_; }
  bool TakesReleasesInPlace() const override { return true; }
  void TakeRelease(const AppSpec& launch_spec) override { spec_ = launch_spec; }

 protected:
  using RunDone = std::function<void(Status)>;

  // One stream of output: a container, or a service of a swarm.
  struct LogSource {
    std::string id;
    std::string service;
  };

  StackRuntime(ComposeContext context, Events events);

  // Brings the stack up on spec_'s release, the Engine being up; ends in Started() or
  // FailStart().
  virtual void Launch() = 0;
  // Drops what a start that is given up waits on (the wait for readiness).
  virtual void AbandonStart() = 0;
  // Stops the stack that runs; ends in Stopped().
  virtual void StopRunning(double timeout_s) = 0;
  // Finds the stack the Engine runs for the app: if it runs, calls Adopted(), takes in its
  // state and answers RuntimeInfo{}; else nullopt.
  virtual void Find(RecoverFn done) = 0;
  // The stack just started, or was stopped: reads its state again.
  virtual void Refresh() = 0;
  // After Stopped() ended the log streams, before `finished` is reported.
  virtual void OnStopped() {}
  // What `finished` says of a clean stop.
  virtual const char* StoppedDescription() const = 0;
  // The Engine was just taken: a kind that hears its events subscribes here.
  virtual void OnEngine(docker::DockerEngine*) {}

  docker::DockerEngine* Engine();
  std::string project() const { return ComposeProjectName(spec_.name); }
  void Started();
  void FailStart(const std::string& error);
  void Adopted();
  void Stopped(Status status);
  // Sets the app's problem ("" when there is none): logged and reported when it changes.
  void SetProblem(const std::string& problem);
  // Keeps one log stream open for each source (a stream that ended is opened again from where
  // it ended; a source seen first is read from logs_since_s_). `collection` is the Engine's
  // ("containers" or "services").
  void FollowLogs(const std::vector<LogSource>& sources, const char* collection);
  // Replaces the tool run in `slot`, the one before freed on the next loop turn.
  void Keep(std::unique_ptr<ComposeProcess>* slot, std::unique_ptr<ComposeProcess> run);
  // Frees `owned` on the next loop turn: it may be the caller of the running callback.
  template <typename T>
  void FreeLater(std::unique_ptr<T>& owned) {
    if (owned) context_.loop->Defer([old = std::shared_ptr<T>(std::move(owned))] {});
  }

  ComposeContext context_;
  Events events_;
  AppSpec spec_;
  std::unique_ptr<ComposeProcess> run_;
  uint64_t detail_version_ = 0;
  // Where each ended log stream stopped (to go on from there when it runs again); a source
  // seen first is followed from logs_since_s_ (0: from its start; an adopted stack's from the
  // adoption).
  std::map<std::string, int64_t> logs_ended_s_;
  int64_t logs_since_s_ = 0;
  bool starting_ = false;
  bool running_ = false;
  bool stopping_ = false;
  docker::DockerEngine* engine_ = nullptr;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);

 private:
  std::map<std::string, std::unique_ptr<ContainerLogs>> logs_;
  std::vector<std::string_view> lines_;
  std::string problem_;
};

}  // namespace berth
