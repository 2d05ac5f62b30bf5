// ProxyMetrics: what the built-in proxy counts per route (requests by status class, and a
// latency histogram from the request head to the end of the response), rendered in the
// Prometheus text format beside the API's metrics.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <utility>

namespace berth {

class ProxyMetrics {
 public:
  // `route` as RouteName() gives it ("api.example.com/"); `status` the answer's status code.
  void Observe(const std::string& app, const std::string& route, int status,
               std::chrono::steady_clock::duration duration);
  // berth_proxy_requests_total{app,route,code="2xx"} and
  // berth_proxy_request_duration_seconds{app,route} (histogram).
  void Render(std::ostream& out) const;

  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1,    5};

 private:
  struct Series {
    std::array<uint64_t, 5> by_class{};  // 1xx .. 5xx
    std::array<uint64_t, kBuckets.size()> buckets{};
    uint64_t count = 0;
    double sum_seconds = 0;
  };
  std::map<std::pair<std::string, std::string>, Series> series_;
};

}  // namespace berth
