// Rate-limited warnings.
#include "reactor/throttled_warning.h"

#include "reactor/log.h"

namespace berth {

ThrottledWarning::ThrottledWarning(EventLoop* loop, std::chrono::seconds period,
                                   std::function<std::string(uint64_t count)> message)
    : period_(period), message_(std::move(message)), flush_(loop, [this] { Flush(); }) {}

void ThrottledWarning::Note() {
  ++pending_;
  ++total_;
  auto now = std::chrono::steady_clock::now();
  if (last_logged_ == std::chrono::steady_clock::time_point{} || now - last_logged_ >= period_)
    return Flush();
  if (!flush_.pending()) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(last_logged_ + period_ - now);
    flush_.Start(left.count() + 1);
  }
}

void ThrottledWarning::Flush() {
  if (pending_ == 0) return;
  LogWarn(message_(pending_));
  pending_ = 0;
  last_logged_ = std::chrono::steady_clock::now();
}

}  // namespace berth
