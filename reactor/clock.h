// Wall-clock and monotonic time, and RFC 3339 timestamps as the API writes them.
#pragma once

#include <cstdint>
#include <string>

namespace berth {

int64_t WallClockMs();
int64_t MonotonicMs();
// "2026-11-25T08:00:00.000Z"
std::string FormatRfc3339(int64_t wall_ms);

}  // namespace berth
