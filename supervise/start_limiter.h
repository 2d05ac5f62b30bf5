// StartLimiter: the start-rate limit of one app (systemd's StartLimitBurst and
// StartLimitIntervalSec): at most `burst` starts within any `interval_seconds`.
#pragma once

#include <cstdint>
#include <deque>

namespace berth {

struct StartLimit {
  int burst = 10;
  double interval_seconds = 10;  // 0: no limit
  bool operator==(const StartLimit&) const = default;
};

// Remembers when the app was last started and says when the next start may happen. Times are
// monotonic milliseconds, passed in, so tests need no clock.
class StartLimiter {
 public:
  // Counts a start at `now_ms`.
  void Record(const StartLimit& limit, int64_t now_ms);
  // When the next start may happen: `now_ms` or earlier when it may happen at once, else the
  // moment the oldest start counted leaves the interval.
  int64_t NextStartMs(const StartLimit& limit, int64_t now_ms) const;

 private:
  std::deque<int64_t> starts_;  // the last `burst` starts, oldest first
};

}  // namespace berth
