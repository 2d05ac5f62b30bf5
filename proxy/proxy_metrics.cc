// Counting proxied requests per route (see proxy_metrics.h).
#include "proxy/proxy_metrics.h"

#include <iomanip>

namespace berth {

void ProxyMetrics::Observe(const std::string& app, const std::string& route, int status,
                           std::chrono::steady_clock::duration duration) {
  auto it = series_.find({app, route});
  if (it == series_.end()) it = series_.emplace(std::make_pair(app, route), Series()).first;
  Series& series = it->second;
  int status_class = status / 100;
  if (status_class >= 1 && status_class <= 5) ++series.by_class[status_class - 1];
  double seconds = std::chrono::duration<double>(duration).count();
  ++series.count;
  series.sum_seconds += seconds;
  for (size_t i = 0; i < kBuckets.size(); ++i)
    if (seconds <= kBuckets[i]) ++series.buckets[i];
}

void ProxyMetrics::Render(std::ostream& out) const {
  out << "# HELP berth_proxy_requests_total Requests the built-in proxy answered, by route and "
         "status class.\n# TYPE berth_proxy_requests_total counter\n";
  for (const auto& [key, series] : series_)
    for (size_t i = 0; i < series.by_class.size(); ++i)
      out << "berth_proxy_requests_total{app=\"" << key.first << "\",route=\"" << key.second
          << "\",code=\"" << i + 1 << "xx\"} " << series.by_class[i] << "\n";
  out << "# HELP berth_proxy_request_duration_seconds Time from a request's head to the end of "
         "its answer, by route.\n# TYPE berth_proxy_request_duration_seconds histogram\n";
  for (const auto& [key, series] : series_) {
    std::string labels = "app=\"" + key.first + "\",route=\"" + key.second + "\"";
    for (size_t i = 0; i < kBuckets.size(); ++i)
      out << "berth_proxy_request_duration_seconds_bucket{" << labels << ",le=\"" << kBuckets[i]
          << "\"} " << series.buckets[i] << "\n";
    out << "berth_proxy_request_duration_seconds_bucket{" << labels << ",le=\"+Inf\"} "
        << series.count << "\n";
    out << "berth_proxy_request_duration_seconds_sum{" << labels << "} " << std::setprecision(17)
        << series.sum_seconds << std::setprecision(6) << "\n";
    out << "berth_proxy_request_duration_seconds_count{" << labels << "} " << series.count << "\n";
  }
}

}  // namespace berth
