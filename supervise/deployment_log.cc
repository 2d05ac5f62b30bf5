// Gathering a deployment's log lines and writing them to the store in batches.
#include "supervise/deployment_log.h"

#include "supervise/app_spec.h"

namespace berth {
namespace {

constexpr long kLogFlushMs = 500;
constexpr size_t kLogFlushBytes = 64 * 1024;

}  // namespace

DeploymentLog::DeploymentLog(EventLoop* loop, DeploymentsRepository* deployments)
    : deployments_(deployments), flush_timer_(loop, [this] { Flush(); }) {}

void DeploymentLog::Mask(std::string secret) {
  if (!secret.empty()) secrets_.push_back(std::move(secret));
}

void DeploymentLog::Line(std::string line) {
  for (const std::string& secret : secrets_)
    for (size_t at; (at = line.find(secret)) != std::string::npos;)
      line.replace(at, secret.size(), kMaskedSecret);
  pending_ += line;
  pending_ += '\n';
  if (pending_.size() >= kLogFlushBytes) return Flush();
  if (!flush_timer_.pending()) flush_timer_.Start(kLogFlushMs);
}

void DeploymentLog::Flush() {
  flush_timer_.Stop();
  if (pending_.empty() || id_ == 0) return;
  deployments_->AppendLog(id_, pending_);
  pending_.clear();
}

std::string DeploymentLog::TakePending() {
  flush_timer_.Stop();
  std::string pending = std::move(pending_);
  pending_.clear();
  return pending;
}

}  // namespace berth
