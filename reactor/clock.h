// Wall-clock and monotonic time, and RFC 3339 timestamps as the API writes them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace berth {

int64_t WallClockMs();
int64_t MonotonicMs();
// "2026-11-25T08:00:00.000Z"
std::string FormatRfc3339(int64_t wall_ms);
// Milliseconds since the epoch of an RFC 3339 time: "2026-11-25T08:00:00Z", with optional
// fractional seconds and a "Z" or "+hh:mm"/"-hh:mm" offset (a date alone is midnight UTC).
// nullopt when malformed.
std::optional<int64_t> ParseRfc3339(std::string_view text);

}  // namespace berth
