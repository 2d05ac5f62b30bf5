// The start-rate limit: a window over the last `burst` starts.
#include "supervise/start_limiter.h"

#include <algorithm>
#include <cmath>

namespace berth {
namespace {

int64_t IntervalMs(const StartLimit& limit) {
  return static_cast<int64_t>(std::llround(limit.interval_seconds * 1000));
}

}  // namespace

void StartLimiter::Record(const StartLimit& limit, int64_t now_ms) {
  starts_.push_back(now_ms);
  while (starts_.size() > static_cast<size_t>(std::max(limit.burst, 1))) starts_.pop_front();
}

int64_t StartLimiter::NextStartMs(const StartLimit& limit, int64_t now_ms) const {
  if (IntervalMs(limit) <= 0 || limit.burst <= 0) return now_ms;
  size_t burst = static_cast<size_t>(limit.burst);
  if (starts_.size() < burst) return now_ms;
  // The start `burst` back from the next one must have left the interval.
  int64_t oldest = starts_[starts_.size() - burst];
  return std::max(now_ms, oldest + IntervalMs(limit));
}

}  // namespace berth
