// Time sources and timestamp formatting.
#include "reactor/clock.h"

#include <time.h>

#include <cctype>
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

std::optional<int64_t> ParseRfc3339(std::string_view text) {
  std::string value(text);
  int year, month, day, hour = 0, minute = 0, second = 0, used = 0;
  if (value.size() == 10) {
    if (sscanf(value.c_str(), "%4d-%2d-%2d%n", &year, &month, &day, &used) != 3 || used != 10)
      return std::nullopt;
  } else if (sscanf(value.c_str(), "%4d-%2d-%2d%*1[Tt ]%2d:%2d:%2d%n", &year, &month, &day, &hour,
                    &minute, &second, &used) != 6 || used != 19) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
    return std::nullopt;
  int64_t millis = 0;
  size_t at = static_cast<size_t>(used);
  if (at < value.size() && value[at] == '.') {
    size_t digits = 0;
    for (++at; at < value.size() && isdigit(static_cast<unsigned char>(value[at])); ++at, ++digits)
      if (digits < 3) millis = millis * 10 + (value[at] - '0');
    if (digits == 0) return std::nullopt;
    for (; digits < 3; ++digits) millis *= 10;
  }
  int64_t offset_minutes = 0;
  if (value.size() == 10) {
  } else if (at + 1 == value.size() && (value[at] == 'Z' || value[at] == 'z')) {
  } else if (at + 6 == value.size() && (value[at] == '+' || value[at] == '-') &&
             value[at + 3] == ':') {
    int oh, om;
    if (sscanf(value.c_str() + at + 1, "%2d:%2d", &oh, &om) != 2 || oh > 23 || om > 59)
      return std::nullopt;
    offset_minutes = (value[at] == '-' ? -1 : 1) * (oh * 60 + om);
  } else {
    return std::nullopt;
  }
  tm utc{};
  utc.tm_year = year - 1900;
  utc.tm_mon = month - 1;
  utc.tm_mday = day;
  utc.tm_hour = hour;
  utc.tm_min = minute;
  utc.tm_sec = second;
  time_t seconds = timegm(&utc);
  return (int64_t{seconds} - offset_minutes * 60) * 1000 + millis;
}

}  // namespace berth
