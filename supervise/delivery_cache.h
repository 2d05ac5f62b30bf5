// DeliveryCache: the webhook deliveries seen lately, by id, so that a Git host's redelivery (or
// a replayed request) deploys nothing. In memory and bounded: a berthd restart forgets it, and
// past max_entries the oldest ids go first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <utility>

namespace berth {

class DeliveryCache {
 public:
  static constexpr int64_t kKeepMs = 24LL * 60 * 60 * 1000;
  static constexpr size_t kMaxEntries = 10000;

  explicit DeliveryCache(size_t max_entries = kMaxEntries, int64_t keep_ms = kKeepMs)
      : max_entries_(max_entries), keep_ms_(keep_ms) {}

  // True when `id` was recorded less than keep_ms before `now_ms` (the first sighting stays the
  // one that counts); otherwise records it at `now_ms` and returns false.
  bool SeenBefore(const std::string& id, int64_t now_ms);
  size_t size() const { return seen_.size(); }

 private:
  void Expire(int64_t now_ms);

  size_t max_entries_;
  int64_t keep_ms_;
  std::deque<std::pair<int64_t, std::string>> order_;  // oldest first
  std::unordered_map<std::string, int64_t> seen_;
};

}  // namespace berth
