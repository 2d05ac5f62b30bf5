// GitRemoteProbe: what a git source's ref names on its remote now, asked by berth-fetch's
// git-ls-remote op in a child process (nothing blocks the loop, nothing is written). The child
// runs as the app's user when it exists, else as berthd's own, in "/".
#pragma once

#include <memory>
#include <string>

#include "reactor/child_process.h"
#include "supervise/deployer.h"
#include "supervise/log_ring.h"
#include "supervise/poller.h"

namespace berth {

class GitRemoteProbe : public RevisionProbe {
 public:
  // REQUIRES: `context` outlives the probe.
  explicit GitRemoteProbe(DeployContext* context);
  ~GitRemoteProbe() override;

  void Probe(const AppSpec& spec, DoneFn done) override;

 private:
  void OnLine(std::string_view line, bool is_stdout);
  void OnFinished(int wait_status);
  // Answers `done` with `failure` on the next loop turn (never from inside Probe()).
  void FailLater(Status failure);

  DeployContext* context_;
  std::unique_ptr<ChildProcess> child_;
  LineSplitter lines_[2];
  std::string revision_;
  std::string error_;  // berth-fetch's last stderr line
  DoneFn done_;
  Timer timeout_;
  bool timed_out_ = false;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace berth
