// Running the Compose tool as a child of berthd, line by line.
#include "supervise/compose_process.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

namespace berth {
namespace {

bool IsFile(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

}  // namespace

Result<std::string> ResolveComposeFile(const ComposeSpec& compose, const std::string& workdir) {
  if (!compose.file.empty()) {
    if (IsFile(workdir + "/" + compose.file)) return compose.file;
    return Status::NotFound("the compose file " + compose.file + " is not in the source");
  }
  std::string tried;
  for (const char* name : kDefaultComposeFiles) {
    if (IsFile(workdir + "/" + name)) return std::string(name);
    tried += tried.empty() ? name : std::string(", ") + name;
  }
  return Status::NotFound("no compose file in the source (looked for " + tried +
                          "): name one in compose.file");
}

std::vector<std::string> ComposeEnvironment(const AppSpec& spec, const std::string& docker_host) {
  std::map<std::string, std::string> vars = {
      {"PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
      {"HOME", "/root"},
      {"DOCKER_HOST", docker_host},
      // Plain progress lines, not a terminal's redrawn bars.
      {"COMPOSE_ANSI", "never"},
      {"COMPOSE_PROGRESS", "plain"},
      {"COMPOSE_INTERACTIVE_NO_CLI", "1"}};
  if (const char* home = getenv("HOME")) vars["HOME"] = home;
  for (const auto* source : {&spec.env, &spec.secrets})
    for (const auto& [name, value] : *source) vars[name] = value;
  if (const ComposeSpec* compose = spec.compose())
    for (const auto& [name, value] : compose->variables) vars[name] = value;
  std::vector<std::string> env;
  for (const auto& [name, value] : vars) env.push_back(name + "=" + value);
  return env;
}

Status ToolStatus(const std::string& what, int wait_status, const std::string& why) {
  if (WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0) return Status::Ok();
  return Status::Unavailable(what + " failed (" + DescribeWaitStatus(wait_status) + ")" +
                             (why.empty() ? "" : ": " + why));
}

Result<std::unique_ptr<ComposeProcess>> ComposeProcess::Start(
    EventLoop* loop, ChildReaper* reaper, const AppSpec& spec,
    const ComposeInvocation& invocation, const std::vector<std::string>& command, LineFn on_line,
    DoneFn done) {
  const ComposeSpec* compose = spec.compose();
  if (!compose) return Status::Invalid("app '" + spec.name + "' is not a compose app");
  return StartArgv(loop, reaper, spec, invocation.docker_host, invocation.workdir,
                   ComposeCommand(invocation.tool, spec.name, *compose, invocation.workdir,
                                  invocation.file, command),
                   std::move(on_line), std::move(done));
}

Result<std::unique_ptr<ComposeProcess>> ComposeProcess::StartArgv(
    EventLoop* loop, ChildReaper* reaper, const AppSpec& spec, const std::string& docker_host,
    const std::string& workdir, std::vector<std::string> argv, LineFn on_line, DoneFn done) {
  std::unique_ptr<ComposeProcess> run(new ComposeProcess(loop, std::move(on_line), std::move(done)));
  SpawnOptions options;
  options.argv = std::move(argv);
  options.env = ComposeEnvironment(spec, docker_host);
  options.cwd = workdir;
  std::weak_ptr<int> alive = run->alive_;
  ComposeProcess* raw = run.get();
  auto child = ChildProcess::Spawn(
      loop, reaper, options,
      [raw, alive](OutputStream stream, std::string_view data, bool eof) {
        if (alive.lock()) raw->OnOutput(stream, data, eof);
      },
      [raw, alive](int wait_status) {
        if (alive.lock()) raw->OnFinished(wait_status);
      });
  if (!child.ok()) return child.status();
  run->child_ = std::move(child).value();
  return run;
}

ComposeProcess::ComposeProcess(EventLoop* loop, LineFn on_line, DoneFn done)
    : loop_(loop), on_line_(std::move(on_line)), done_(std::move(done)) {}

ComposeProcess::~ComposeProcess() {
  if (child_ && !child_->exited()) child_->SignalGroup(SIGKILL);
}

void ComposeProcess::Kill() {
  if (child_ && !child_->exited()) child_->SignalGroup(SIGKILL);
}

void ComposeProcess::OnOutput(OutputStream stream, std::string_view data, bool eof) {
  auto emit = [this, stream](std::string_view line) {
    if (stream == OutputStream::kStderr && !line.empty()) last_error_ = line;
    if (on_line_) on_line_(stream, line);
  };
  LineSplitter& splitter = splitters_[static_cast<int>(stream)];
  splitter.Feed(data, emit);
  if (eof) splitter.Finish(emit);
}

void ComposeProcess::OnFinished(int wait_status) {
  for (int s = 0; s < 2; ++s)
    splitters_[s].Finish([this, s](std::string_view line) {
      if (s == 1 && !line.empty()) last_error_ = line;
      if (on_line_) on_line_(static_cast<OutputStream>(s), line);
    });
  // This runs inside the child's own callback: the child is freed on the next loop turn.
  loop_->Defer([child = std::shared_ptr<ChildProcess>(std::move(child_))] {});
  DoneFn done = std::move(done_);
  std::string last_error = last_error_;
  if (done) done(wait_status, last_error);  // may destroy this
}

}  // namespace berth
