// ThrottledWarning: a warning that may recur thousands of times a second (accept failures,
// refused connections) is logged at most once per period, with how often it happened.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "reactor/event_loop.h"

namespace berth {

class ThrottledWarning {
 public:
  // `message(count)` words the warning for `count` occurrences since the last one logged.
  ThrottledWarning(EventLoop* loop, std::chrono::seconds period,
                   std::function<std::string(uint64_t count)> message);

  // One occurrence: logged now when the last warning is a period old, else counted and logged
  // when the period ends.
  void Note();
  uint64_t total() const { return total_; }

 private:
  void Flush();

  std::chrono::seconds period_;
  std::function<std::string(uint64_t)> message_;
  Timer flush_;
  std::chrono::steady_clock::time_point last_logged_{};
  uint64_t pending_ = 0;
  uint64_t total_ = 0;
};

}  // namespace berth
