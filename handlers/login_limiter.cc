// LoginLimiter: exponential delays after repeated failed sign-ins.
#include "handlers/login_limiter.h"

#include <algorithm>

namespace berth {

int64_t LoginLimiter::WaitMs(const std::string& user, const std::string& client, int64_t now_ms) {
  Forget(now_ms);
  return std::max(WaitFor("user:" + user, now_ms), WaitFor("client:" + client, now_ms));
}

void LoginLimiter::Failed(const std::string& user, const std::string& client, int64_t now_ms) {
  Fail("user:" + user, now_ms);
  Fail("client:" + client, now_ms);
}

void LoginLimiter::Succeeded(const std::string& user, const std::string& client) {
  counts_.erase("user:" + user);
  counts_.erase("client:" + client);
}

int64_t LoginLimiter::WaitFor(const std::string& key, int64_t now_ms) {
  auto it = counts_.find(key);
  if (it == counts_.end()) return 0;
  return std::max<int64_t>(0, it->second.blocked_until_ms - now_ms);
}

void LoginLimiter::Fail(const std::string& key, int64_t now_ms) {
  Count& count = counts_[key];
  count.failures += 1;
  count.last_ms = now_ms;
  int over = count.failures - kFreeFailures;
  if (over <= 0) return;
  int64_t delay = over > 20 ? kMaxDelayMs : std::min<int64_t>(kMaxDelayMs, 1000LL << (over - 1));
  count.blocked_until_ms = now_ms + delay;
}

void LoginLimiter::Forget(int64_t now_ms) {
  // A sweep a minute at most: the map holds one entry per recently failing name or address.
  if (now_ms - last_sweep_ms_ < 60 * 1000) return;
  last_sweep_ms_ = now_ms;
  for (auto it = counts_.begin(); it != counts_.end();) {
    bool stale = now_ms - it->second.last_ms > kForgetMs && now_ms >= it->second.blocked_until_ms;
    it = stale ? counts_.erase(it) : std::next(it);
  }
}

}  // namespace berth
