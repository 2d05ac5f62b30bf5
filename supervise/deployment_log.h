// DeploymentLog: the log of one deployment as it grows. Lines are gathered and appended to the
// stored deployment every half second or 64 KiB (so `GET …/deployments/<id>` shows a running
// one's progress), with the secrets it must never show replaced by "***".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "reactor/event_loop.h"
#include "store/deployments_repository.h"

namespace berth {

class DeploymentLog {
 public:
  // REQUIRES: both outlive the log.
  DeploymentLog(EventLoop* loop, DeploymentsRepository* deployments);

  // The deployment the lines belong to; lines added before are kept until it is known.
  void SetId(int64_t id) { id_ = id; }
  // `secret` is shown as "***" in every line added from now on (nothing for "").
  void Mask(std::string secret);
  void Line(std::string line);
  // Appends what is gathered to the stored log now.
  void Flush();
  // What is gathered and not stored yet, taken: for DeploymentsRepository::Finish(), which
  // stores it with the outcome in one commit.
  std::string TakePending();

 private:
  DeploymentsRepository* deployments_;
  int64_t id_ = 0;
  std::vector<std::string> secrets_;
  std::string pending_;
  Timer flush_timer_;
};

}  // namespace berth
