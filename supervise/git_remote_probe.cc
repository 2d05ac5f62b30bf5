// Running berth-fetch git-ls-remote for a poll.
#include "supervise/git_remote_probe.h"

#include <csignal>

#include "supervise/fetch_client.h"
#include "supervise/isolation.h"

namespace berth {
namespace {

// libgit2 has no network timeout of its own: a poll that hangs is killed, and counts as failed.
constexpr long kProbeTimeoutMs = 60 * 1000;

}  // namespace

GitRemoteProbe::GitRemoteProbe(DeployContext* context)
    : context_(context), timeout_(context->loop, [this] {
        timed_out_ = true;
        if (child_) child_->SignalGroup(SIGKILL);
      }) {}

GitRemoteProbe::~GitRemoteProbe() {
  if (child_) child_->SignalGroup(SIGKILL);
}

void GitRemoteProbe::Probe(const AppSpec& spec, DoneFn done) {
  done_ = std::move(done);
  revision_.clear();
  error_.clear();
  timed_out_ = false;
  AppIdentity identity = IdentityFor(*context_->paths, spec);
  if (!LookupIdentity(&identity).ok()) identity = AppIdentity{};  // berthd's own user
  SpawnOptions options;
  options.argv = {context_->fetch_program};
  options.env = AppEnvironment(*context_->paths, spec, identity, DirsFor(*context_->paths, spec));
  options.cwd = "/";
  options.uid = identity.uid;
  options.gid = identity.gid;
  options.groups = identity.groups;
  auto in = StdinHolding(FetchJobJson(*spec.source, FetchKind::kLsRemote, "", "").dump());
  if (!in.ok()) return FailLater(in.status());
  options.stdin_fd = in->get();
  std::weak_ptr<int> alive = alive_;
  auto child = ChildProcess::Spawn(
      context_->loop, context_->reaper, options,
      [this, alive](OutputStream stream, std::string_view data, bool) {
        if (!alive.lock()) return;
        bool is_stdout = stream == OutputStream::kStdout;
        lines_[static_cast<int>(stream)].Feed(
            data, [&](std::string_view line) { OnLine(line, is_stdout); });
      },
      [this, alive](int wait_status) {
        if (alive.lock()) OnFinished(wait_status);
      });
  if (!child.ok()) return FailLater(child.status());
  child_ = std::move(child).value();
  timeout_.Start(kProbeTimeoutMs);
}

void GitRemoteProbe::FailLater(Status failure) {
  context_->loop->Defer([this, alive = std::weak_ptr<int>(alive_), failure] {
    if (alive.lock()) std::exchange(done_, nullptr)(failure);
  });
}

void GitRemoteProbe::OnLine(std::string_view line, bool is_stdout) {
  if (!is_stdout) {
    error_ = line.rfind("error: ", 0) == 0 ? line.substr(7) : line;
    return;
  }
  if (std::optional<FetchedRevision> result = ParseFetchResultLine(line))
    revision_ = result->revision;
}

void GitRemoteProbe::OnFinished(int wait_status) {
  timeout_.Stop();
  for (int s = 0; s < 2; ++s)
    lines_[s].Finish([&](std::string_view line) { OnLine(line, s == 0); });
  // Freed on the next loop turn: this runs inside the child's own callback.
  context_->loop->Defer([done = std::shared_ptr<ChildProcess>(std::move(child_))] {});
  DoneFn done = std::exchange(done_, nullptr);
  bool exited_ok = WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0;
  if (exited_ok && !revision_.empty()) return done(revision_);
  if (timed_out_) error_ = "no answer within " + std::to_string(kProbeTimeoutMs / 1000) + " s";
  if (error_.empty()) error_ = "berth-fetch " + DescribeWaitStatus(wait_status);
  done(Status::Unavailable(error_));
}

}  // namespace berth
