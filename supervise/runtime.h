// Runtime: how one kind of app is started, stopped, adopted and measured (processes now;
// containers and compose stacks next). The App's state machine drives a Runtime and hears back
// through Events; it never knows which kind it drives. Runtimes are built by a RuntimeFactory,
// so tests can drive App and Supervisor with a fake one.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "reactor/event_loop.h"
#include "supervise/app_spec.h"
#include "supervise/log_ring.h"

namespace berth {

// What a started app runs as: a process (group leader) or a container.
struct RuntimeInfo {
  pid_t pid = 0;             // 0 when the app is not a process berthd started
  std::string container_id;  // empty unless the app is a container
  bool operator==(const RuntimeInfo&) const = default;
};

// How one run of an app ended.
struct RuntimeExit {
  int exit_code = -1;  // as a shell shows it: 0-255, 128+N after signal N; -1 when unknown
  bool clean = false;  // ended with code 0
  std::string description;  // "exited with code 3", "killed by signal KILL"

  static RuntimeExit FromWaitStatus(int wait_status);
  static RuntimeExit FromExitCode(int exit_code);
};

// What an app uses now. A field is empty when the kind cannot tell.
struct RuntimeStats {
  std::optional<double> cpu_percent;  // 100 = one core busy, since the previous sample
  std::optional<uint64_t> memory_bytes;
  std::optional<uint64_t> memory_limit_bytes;
  std::optional<uint64_t> pids;
  std::optional<uint64_t> net_rx_bytes, net_tx_bytes;
  std::optional<uint64_t> block_read_bytes, block_write_bytes;
  // A compose stack's usage per service: [{name, cpu_percent, memory_bytes}]; null otherwise.
  nlohmann::json services;
};

// A command run inside a running app by Runtime::Exec() (a health check's). Destroying it
// abandons the command: a process's group is killed; a container's exec runs on, unwatched
// (the Engine cannot stop one).
class RuntimeCommand {
 public:
  virtual ~RuntimeCommand() = default;
};

// How a command run by Runtime::Exec() ended.
struct CommandOutcome {
  int exit_code = -1;  // as a shell shows it: 128+N after signal N
  std::string output;  // the end of what it wrote (stdout and stderr), at most 4 KiB
};

class Runtime {
 public:
  struct Events {
    std::function<void(const RuntimeInfo&)> started;
    std::function<void(const std::string& error)> start_failed;
    // The app is gone (for a process being stopped: its whole process group).
    std::function<void(const RuntimeExit&)> finished;
    // Something the app depends on is wrong (Docker is down), or right again (""): shown as
    // status.last_error while it lasts. Not a failure of the app: nothing restarts.
    std::function<void(const std::string& problem)> problem;
    // The lines of one read of the app's output; the views last only for the call.
    std::function<void(LogStream, const std::vector<std::string_view>& lines)> lines;
    // The same, for the kinds whose output comes from several services (a compose stack).
    std::function<void(std::string_view service, LogStream,
                       const std::vector<std::string_view>& lines)>
        service_lines;
  };
  using StatsFn = std::function<void(Result<RuntimeStats>)>;
  // The app found still running (nullopt: nothing to adopt).
  using RecoverFn = std::function<void(std::optional<RuntimeInfo>)>;

  virtual ~Runtime() = default;
  // The app was defined or redefined: do ahead what can be done now (directories), so that a
  // start, and every restart, is quick. Failures here are left for Start() to report.
  virtual void Prepare(const AppSpec&) {}
  // Prepares and launches; reports `started` or `start_failed`, maybe synchronously.
  virtual void Start(const AppSpec& spec) = 0;
  // Returns false when there is nothing to stop (then nothing more will be reported).
  // Otherwise sends `signo`, escalates to SIGKILL after `timeout_s`, and reports `finished`
  // (later, never from inside Stop()).
  virtual bool Stop(int signo, double timeout_s) = 0;
  // After berthd restarted: finds what of this app still runs and takes it over, so that it is
  // not started twice. `done` runs once (maybe synchronously); after it reports an adoption,
  // the runtime reports `lines` and `finished` as for a run it started. Nothing runs `done`
  // after the runtime is destroyed.
  virtual void Recover(const AppSpec&, RecoverFn done) { done(std::nullopt); }
  // What the running app uses. REQUIRES: it runs (started was reported, finished was not).
  virtual void Stats(StatsFn done) = 0;
  // Freezes the running app (SIGSTOP to a process group, docker pause) or thaws it; `done` says
  // whether that worked. REQUIRES: it runs.
  virtual void Pause(std::function<void(Status)> done) = 0;
  virtual void Resume(std::function<void(Status)> done) = 0;
  // Ok when this kind can pause at all; else why not (a Conflict the API answers with).
  virtual Status PauseSupported() const { return Status::Ok(); }
  // Finds what a deployment of `spec` runs (a container's image), writing progress to `log`;
  // `done` gets its revision (the image id), once, maybe synchronously, never after the
  // runtime is destroyed. `pull`: fetches it again (a redeploy); else only when it is missing.
  // Conflict for kinds that deploy from a source.
  using LineFn = std::function<void(std::string_view line)>;
  using RevisionFn = std::function<void(Result<std::string> revision)>;
  virtual void FetchRevision(const AppSpec& spec, bool pull, LineFn log, RevisionFn done) {
    (void)spec, (void)pull, (void)log;
    done(Status::Conflict("this kind of app is deployed from its source"));
  }
  // Ok when `revision` (from FetchRevision) can run again here: for a rollback. NotFound
  // saying why not (the image was removed from this host).
  virtual void CheckRevision(const std::string& revision, std::function<void(Status)> done) {
    (void)revision;
    done(Status::Conflict("this kind of app is deployed from its source"));
  }
  // The repo digests ("<repo>@sha256:…") recorded for `revision` (an image id from
  // FetchRevision), for a poll that compares them with its registry's; empty for an image that
  // was built or tagged here, not pulled. `done` runs once, maybe synchronously, never after
  // the runtime is destroyed. Conflict for kinds that deploy from a source.
  using DigestsFn = std::function<void(Result<std::vector<std::string>> digests)>;
  virtual void RepoDigests(const std::string& revision, DigestsFn done) {
    (void)revision;
    done(Status::Conflict("this kind of app is deployed from its source"));
  }
  // The app is being deleted, and is stopped: removes what the runtime made for it (a
  // container). `done` runs once, maybe synchronously.
  virtual void Remove(std::function<void()> done) { done(); }

  // What status shows beyond the app's state for this kind ({"services": [...]} for a compose
  // stack), or null; `detail_version()` changes whenever it does.
  virtual nlohmann::json Detail() const { return nullptr; }
  virtual uint64_t detail_version() const { return 0; }
  // False while what runs is known to be unwell (a compose service not running, or failing
  // its healthcheck); true when the kind cannot tell. Read only while the app is running.
  virtual bool Healthy() const { return true; }
  // Where the proxy and health checks reach `port` of the running app (of `service`, in a
  // compose stack): "host:port" addresses ("[v6]:port"), one per running instance; empty
  // while none is known. Read only while the app is running.
  virtual std::vector<std::string> Endpoints(int port, const std::string& service) const {
    (void)port, (void)service;
    return {};
  }
  // Runs `argv` inside the running app as the app itself runs (a process app's user, directory
  // and environment; a container's exec), for a health check. `done` runs once, later, never
  // after the returned command is destroyed. Conflict for the kinds that cannot (compose) and
  // while the app does not run; other errors when the command cannot start.
  using CommandDone = std::function<void(Result<CommandOutcome>)>;
  virtual Result<std::unique_ptr<RuntimeCommand>> Exec(const std::vector<std::string>& argv,
                                                       CommandDone done) {
    (void)argv, (void)done;
    return Status::Conflict("this kind of app cannot run a command inside it");
  }
  // True for the kinds whose deployment already put the new release to work without stopping
  // anything (a compose stack's `up -d`): the App then hands the runtime the release with
  // TakeRelease() instead of restarting it.
  virtual bool TakesReleasesInPlace() const { return false; }
  // The instance was started beside the serving one, for a zero-downtime deploy (a container
  // under a name of its own), and now serves alone: it takes the app's own names (the
  // container becomes berth-<app>). `done` runs once, maybe synchronously, never after the
  // runtime is destroyed.
  virtual void Promote(std::function<void()> done) { done(); }
  virtual void TakeRelease(const AppSpec& launch_spec) { (void)launch_spec; }
};

// For a Stop() that came before the start was over: reports `finished` ("stopped before it
// started") on the next loop turn, as Stop() must, unless `alive` has expired by then.
void FinishOnNextTurn(EventLoop* loop, std::weak_ptr<int> alive, const Runtime::Events* events);

// The host part of an address that reaches what listens on `bind_host` (a HOST apps bind, a
// published port's HostIp): loopback for a wildcard, IPv6 in brackets.
std::string ReachableHost(const std::string& bind_host);

// The runtime of an app's serving instance, asked afresh at each use: a zero-downtime deploy
// replaces it.
using RuntimeAccess = std::function<Runtime*()>;

using RuntimeFactory = std::function<std::unique_ptr<Runtime>(const AppSpec&, Runtime::Events)>;

}  // namespace berth
