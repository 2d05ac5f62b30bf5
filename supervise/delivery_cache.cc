// Remembering webhook delivery ids for a day.
#include "supervise/delivery_cache.h"

namespace berth {

bool DeliveryCache::SeenBefore(const std::string& id, int64_t now_ms) {
  Expire(now_ms);
  if (seen_.count(id)) return true;
  while (seen_.size() >= max_entries_ && !order_.empty()) {
    seen_.erase(order_.front().second);
    order_.pop_front();
  }
  seen_.emplace(id, now_ms);
  order_.emplace_back(now_ms, id);
  return false;
}

void DeliveryCache::Expire(int64_t now_ms) {
  while (!order_.empty() && now_ms - order_.front().first >= keep_ms_) {
    seen_.erase(order_.front().second);
    order_.pop_front();
  }
}

}  // namespace berth
