// DeploymentCounters: counting finished deployments from the store at startup and from deploy
// events after that.
#include "supervise/deployment_counters.h"

#include <algorithm>

namespace berth {

void DurationHistogram::Observe(int64_t duration_ms) {
  double seconds = static_cast<double>(std::max<int64_t>(duration_ms, 0)) / 1000;
  ++count;
  sum_seconds += seconds;
  for (size_t i = 0; i < kBuckets.size(); ++i)
    if (seconds <= kBuckets[i]) ++buckets[i];
}

DurationHistogram& DurationHistogram::operator+=(const DurationHistogram& other) {
  for (size_t i = 0; i < kBuckets.size(); ++i) buckets[i] += other.buckets[i];
  count += other.count;
  sum_seconds += other.sum_seconds;
  return *this;
}

Status DeploymentCounters::Load(DeploymentsRepository* deployments) {
  return deployments->ForEachFinished([this](const FinishedDeployment& finished) {
    Count(finished.app, finished.outcome, finished.duration_ms);
  });
}

void DeploymentCounters::Observe(const DeployEvent& event) {
  if (event.phase == "started") {
    running_[event.app] = Started{event.id, event.ts_ms};
    return;
  }
  std::optional<DeployOutcome> outcome = ParseDeployOutcome(event.phase);
  if (!outcome || *outcome == DeployOutcome::kRunning) return;
  std::optional<int64_t> duration_ms;
  if (auto started = running_.find(event.app);
      started != running_.end() && started->second.id == event.id) {
    duration_ms = event.ts_ms - started->second.ts_ms;
    running_.erase(started);
  }
  Count(event.app, *outcome, duration_ms);
}

void DeploymentCounters::Count(const std::string& app, DeployOutcome outcome,
                               std::optional<int64_t> duration_ms) {
  ++by_app_[app][outcome];
  ++totals_[outcome];
  if (duration_ms) durations_[outcome].Observe(*duration_ms);
}

void DeploymentCounters::Forget(const std::string& app) {
  by_app_.erase(app);
  running_.erase(app);
}

uint64_t DeploymentCounters::Total(DeployOutcome outcome) const {
  auto it = totals_.find(outcome);
  return it == totals_.end() ? 0 : it->second;
}

DurationHistogram DeploymentCounters::Durations(DeployOutcome outcome) const {
  auto it = durations_.find(outcome);
  return it == durations_.end() ? DurationHistogram{} : it->second;
}

}  // namespace berth
