// ContainerRuntime: runs a container app through the Docker Engine API on the loop: pulls the
// image when missing, creates the container (named berth-<app>, labelled, Docker's restart
// policy "no": berth supervises), starts it, follows its logs, and hears of its end through
// the Engine's events.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "supervise/container_logs.h"
#include "supervise/docker/docker_engine.h"
#include "supervise/isolation.h"
#include "supervise/runtime.h"

namespace berth {

struct ContainerContext {
  EventLoop* loop;
  docker::DockerEngine* engine;
  const BerthPaths* paths;  // app_host: where published ports bind by default
  // The credentials a pull of the container's image uses, none for an anonymous pull; asked
  // afresh at each pull (Registries::CredentialsFor).
  std::function<Result<std::optional<RegistryCredentials>>(const ContainerSpec&)> credentials;
};

// "berth-<app>": the Docker name of an app's container.
std::string ContainerName(const std::string& app);
// The body of POST /containers/create for `spec` (labels and the spec hash included).
nlohmann::json ContainerCreateBody(const AppSpec& spec, const BerthPaths& paths);

class ContainerRuntime : public Runtime {
 public:
  ContainerRuntime(ContainerContext context, Events events);
  ~ContainerRuntime() override;

  void Prepare(const AppSpec& spec) override;
  void Start(const AppSpec& spec) override;
  bool Stop(int signo, double timeout_s) override;
  void Recover(const AppSpec& spec, RecoverFn done) override;
  void Stats(StatsFn done) override;
  void Pause(std::function<void(Status)> done) override;
  void Resume(std::function<void(Status)> done) override;
  void Remove(std::function<void()> done) override;
  // While Docker is not reachable, waits for it (the app shows why).
  void FetchRevision(const AppSpec& spec, bool pull, LineFn log, RevisionFn done) override;
  void CheckRevision(const std::string& revision, std::function<void(Status)> done) override;
  void RepoDigests(const std::string& revision, DigestsFn done) override;
  // The container's address on its network (as Docker said at its start or adoption) with
  // `port`; without one, the port published for `port` on the host; with network "host", the
  // host's loopback.
  std::vector<std::string> Endpoints(int port, const std::string& service) const override;
  // Through the Engine's exec API.
  Result<std::unique_ptr<RuntimeCommand>> Exec(const std::vector<std::string>& argv,
                                               CommandDone done) override;
  // Renames the container started under its instance_name to berth-<app>.
  void Promote(std::function<void()> done) override;

 private:
  // The Docker name of this instance: its spec's instance_name, else berth-<app>.
  std::string Name() const;
  // The start, step by step; each step's answer arrives on the loop.
  void InspectImage();
  void Pull();
  // Pulls `spec`'s image, then inspects it: `done` gets the image id. The calls go in `*slot`.
  void PullImage(const AppSpec& spec, std::unique_ptr<HttpCall>* slot, LineFn log,
                 RevisionFn done);
  // The id of `spec`'s image as Docker has it; pulled first when `pull` or when it is missing.
  void ResolveImage(const AppSpec& spec, bool pull, LineFn log, RevisionFn done);
  void RemoveOld();
  void Create();
  void StartContainer();
  // Asks where the started container can be reached, then reports it started.
  void LearnAddress();
  void NoteAddress(const nlohmann::json& inspect);
  void Started();
  void FailStart(const std::string& error);
  void Report(const std::string& problem);

  void FollowLogs(bool from_now);
  void OnLogData(std::string_view chunk);
  void OnEvent(const docker::ContainerEvent& event);
  void OnEngineState(bool up);
  void Reconcile();
  // The container ended with `exit`: reported once its logs are drained (or soon after).
  void Ended(RuntimeExit exit);
  void Finish();
  // POST /containers/<id>/<verb> (pause, unpause); `done` gets whether Docker did it.
  void Post(const std::string& verb, std::function<void(Status)> done);

  ContainerContext context_;
  Events events_;
  AppSpec spec_;
  std::string id_;          // the container, once created
  std::string address_;     // its address on its network ("172.17.0.2", "[fd00::2]"), if known
  bool image_tagged_ = false;  // `image` names the deployed image id: create with the name
  bool running_ = false;    // started (or adopted), and not yet reported finished
  bool stopping_ = false;
  bool starting_ = false;
  std::optional<RuntimeExit> exit_;  // the end, waiting for the logs to drain
  std::optional<RuntimeExit> early_end_;  // an end heard before the start was reported
  std::unique_ptr<HttpCall> call_;       // the step under way
  std::unique_ptr<ContainerLogs> logs_;
  std::unique_ptr<HttpCall> stats_call_;
  std::unique_ptr<HttpCall> control_call_;  // pause, unpause, remove
  std::unique_ptr<HttpCall> fetch_call_;    // a deployment's pull or check
  std::unique_ptr<HttpCall> digests_call_;  // a poll's look at the serving image
  std::function<void()> waiting_fetch_;     // a deployment's, run once Docker answers
  std::vector<std::string_view> line_;  // one line at a time, handed to events_.lines
  Timer drain_timer_;
  uint64_t watch_id_ = 0;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace berth
