// Time sources and timestamp formatting.
#include "reactor/clock.h"

#include <time.h>

#include <cstdio>

namespace berth {

int64_t WallClockMs() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1000000;
}

int64_t MonotonicMs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1000000;
}

std::string FormatRfc3339(int64_t wall_ms) {
  time_t seconds = wall_ms / 1000;
  tm utc{};
  gmtime_r(&seconds, &utc);
  char out[64];
  snprintf(out, sizeof out, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
           utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
           static_cast<int>(wall_ms % 1000));
  return out;
}

}  // namespace berth
