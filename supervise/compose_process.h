// ComposeProcess: one run of the Compose tool (`docker compose …` or `docker-compose …`) on an
// app's stack, as a child of berthd (it needs the Docker socket), with the stack's variables in
// its environment and never on its command line. Its output arrives line by line; its end
// arrives once with how it ended and its last line on stderr (Compose's reason for a failure).
// Used by the compose runtime (start, stop, pause…) and by compose deployments (config, pull,
// up).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "reactor/child_process.h"
#include "reactor/event_loop.h"
#include "supervise/app_spec.h"
#include "supervise/log_ring.h"

namespace berth {

// What every Compose run of one app needs.
struct ComposeInvocation {
  ComposeTool tool;
  std::string docker_host;  // unix:///var/run/docker.sock
  std::string workdir;      // the release's workdir: where the compose files are
  std::string file;         // the compose file, resolved (ResolveComposeFile)
};

// The compose file of `compose` in `workdir`: `compose.file` when set and present, else the first
// of kDefaultComposeFiles present. NotFound naming what was looked for.
Result<std::string> ResolveComposeFile(const ComposeSpec& compose, const std::string& workdir);

// The environment a Compose run of `spec` gets: PATH, HOME, DOCKER_HOST, then the app's env,
// its secrets and compose.variables (later ones win).
std::vector<std::string> ComposeEnvironment(const AppSpec& spec, const std::string& docker_host);

// How a tool (Compose, the docker CLI) ended: Ok, or Unavailable("<what> failed (<how>):
// <why>").
Status ToolStatus(const std::string& what, int wait_status, const std::string& why);

class ComposeProcess {
 public:
  using LineFn = std::function<void(OutputStream stream, std::string_view line)>;
  // `wait_status` as from waitpid; `last_error` the last stderr line ("" if none).
  using DoneFn = std::function<void(int wait_status, const std::string& last_error)>;

  // Starts `command` (e.g. {"up", "-d", "--remove-orphans"}) on the stack of `spec`. `done`
  // runs once, after the last line, never after the ComposeProcess is destroyed (the owner may
  // destroy it inside `done`); destroying it earlier kills the run's process group. Fails when
  // the tool could not be started.
  static Result<std::unique_ptr<ComposeProcess>> Start(EventLoop* loop, ChildReaper* reaper,
                                                       const AppSpec& spec,
                                                       const ComposeInvocation& invocation,
                                                       const std::vector<std::string>& command,
                                                       LineFn on_line, DoneFn done);
  // The same for any `argv` run with the stack's environment in `workdir` (`docker stack …`).
  static Result<std::unique_ptr<ComposeProcess>> StartArgv(EventLoop* loop, ChildReaper* reaper,
                                                           const AppSpec& spec,
                                                           const std::string& docker_host,
                                                           const std::string& workdir,
                                                           std::vector<std::string> argv,
                                                           LineFn on_line, DoneFn done);
  ~ComposeProcess();

  // Kills the run's process group (a step that took too long); `done` still follows.
  void Kill();

 private:
  ComposeProcess(EventLoop* loop, LineFn on_line, DoneFn done);
  void OnOutput(OutputStream stream, std::string_view data, bool eof);
  void OnFinished(int wait_status);

  EventLoop* loop_;
  LineFn on_line_;
  DoneFn done_;
  std::unique_ptr<ChildProcess> child_;
  LineSplitter splitters_[2];
  std::string last_error_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace berth
