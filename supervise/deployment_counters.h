// DeploymentCounters: how many deployments ended, by app and outcome, and how long they took,
// for /metrics. Counted once from the store when berthd starts, then kept current from the
// bus's deploy events, so that reading them never touches the database.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "base/status.h"
#include "store/deployments_repository.h"
#include "supervise/event_bus.h"

namespace berth {

// Durations of deployments as a Prometheus histogram: buckets[i] counts those that took at most
// kBuckets[i] seconds (cumulative), count and sum_seconds all of them.
struct DurationHistogram {
  static constexpr std::array<double, 12> kBuckets = {0.25, 0.5, 1,   2.5, 5,   10,
                                                      30,   60,  120, 300, 600, 1800};
  std::array<uint64_t, kBuckets.size()> buckets{};
  uint64_t count = 0;
  double sum_seconds = 0;

  void Observe(int64_t duration_ms);
  DurationHistogram& operator+=(const DurationHistogram& other);
};

class DeploymentCounters {
 public:
  using ByOutcome = std::map<DeployOutcome, uint64_t>;

  // Counts every finished deployment in the store, on top of what was counted already: called
  // once at startup, after the deployments an earlier berthd left running were closed.
  Status Load(DeploymentsRepository* deployments);
  // Follows one deploy event: "started" notes when a deployment began; an outcome ("succeeded",
  // "failed", "skipped", "rolled_back") counts it, timed from its start when that was seen.
  void Observe(const DeployEvent& event);
  // Counts one finished deployment; an unset duration leaves the histograms alone.
  void Count(const std::string& app, DeployOutcome outcome, std::optional<int64_t> duration_ms);
  // The app was purged with its deployments: its own counts go; the totals and the histograms,
  // counters of all berth's work, keep them until berthd restarts.
  void Forget(const std::string& app);

  // The finished deployments of every app that has some, by outcome.
  const std::map<std::string, ByOutcome>& by_app() const { return by_app_; }
  // Finished deployments of every app, deleted apps included, that ended with `outcome`.
  uint64_t Total(DeployOutcome outcome) const;
  // How long the deployments that ended with `outcome` took (those that ended with an earlier
  // berthd, recorded without a duration, are not in it).
  DurationHistogram Durations(DeployOutcome outcome) const;

 private:
  struct Started {
    int64_t id;
    int64_t ts_ms;
  };

  std::map<std::string, ByOutcome> by_app_;
  ByOutcome totals_;
  std::map<DeployOutcome, DurationHistogram> durations_;
  std::map<std::string, Started> running_;  // an app runs one deployment at a time
};

}  // namespace berth
