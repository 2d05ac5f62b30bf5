// Metrics: HTTP request counters and latency histogram, and the Prometheus text rendering of
// those plus the apps' state and, from deployment_metrics.h, their deployments (GET /metrics).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>

namespace berth {

class ProxyMetrics;
class Supervisor;

class Metrics {
 public:
  void ObserveRequest(int status, std::chrono::steady_clock::duration duration);
  // Prometheus text exposition format 0.0.4; with the built-in proxy's counters when given.
  std::string Render(const Supervisor& supervisor, const ProxyMetrics* proxy = nullptr) const;

  static constexpr std::array<double, 12> kBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                      0.01,   0.025,   0.1,    0.5,   1,      5};

 private:
  std::map<int, uint64_t> requests_by_code_;
  std::array<uint64_t, kBuckets.size()> bucket_counts_{};
  uint64_t count_ = 0;
  double sum_seconds_ = 0;
};

}  // namespace berth
