// Counting requests and rendering /metrics.
#include "handlers/metrics.h"

#include <iomanip>
#include <sstream>

#include "handlers/deployment_metrics.h"
#include "proxy/proxy_metrics.h"
#include "supervise/supervisor.h"

namespace berth {
namespace {

// One counter per app and result, for the apps that use `strategy` or counted something.
template <class Result, size_t N>
void RenderResults(std::ostringstream& out, const Supervisor& supervisor, const char* name,
                   const char* help, DeployStrategy strategy,
                   const std::array<uint64_t, N>& (App::*counts)() const) {
  out << "# HELP " << name << " " << help << "\n# TYPE " << name << " counter\n";
  for (const auto& [app_name, app] : supervisor.apps()) {
    const std::array<uint64_t, N>& by_result = (app.get()->*counts)();
    bool any = false;
    for (uint64_t count : by_result) any = any || count > 0;
    if (!any && app->spec().deploy.strategy != strategy) continue;
    for (size_t i = 0; i < N; ++i)
      out << name << "{app=\"" << app_name << "\",result=\"" << to_string(static_cast<Result>(i))
          << "\"} " << by_result[i] << "\n";
  }
}

}  // namespace

void Metrics::ObserveRequest(int status, std::chrono::steady_clock::duration duration) {
  double seconds = std::chrono::duration<double>(duration).count();
  ++requests_by_code_[status];
  ++count_;
  sum_seconds_ += seconds;
  for (size_t i = 0; i < kBuckets.size(); ++i)
    if (seconds <= kBuckets[i]) ++bucket_counts_[i];
}

std::string Metrics::Render(const Supervisor& supervisor, const ProxyMetrics* proxy) const {
  std::ostringstream out;
  out << "# HELP berth_apps Number of apps defined.\n# TYPE berth_apps gauge\n";
  out << "berth_apps " << supervisor.apps().size() << "\n";
  out << "# HELP berth_app_up Whether the app is running (1) or not (0).\n"
         "# TYPE berth_app_up gauge\n";
  for (const auto& [name, app] : supervisor.apps())
    out << "berth_app_up{app=\"" << name << "\",kind=\"" << to_string(app->spec().kind()) << "\"} "
        << (app->state() == AppState::kRunning ? 1 : 0) << "\n";
  out << "# HELP berth_app_restarts_total Automatic restarts of the app.\n"
         "# TYPE berth_app_restarts_total counter\n";
  for (const auto& [name, app] : supervisor.apps())
    out << "berth_app_restarts_total{app=\"" << name << "\"} " << app->restarts() << "\n";
  RenderResults<PollResult>(out, supervisor, "berth_polls_total",
                            "Polls of the app's source, by what they found.",
                            DeployStrategy::kPolling, &App::poll_counts);
  RenderResults<WebhookResult>(out, supervisor, "berth_webhooks_total",
                               "Webhook deliveries for the app, by what became of them.",
                               DeployStrategy::kWebhook, &App::webhook_counts);
  out << "# HELP berth_http_requests_total HTTP requests answered, by status code.\n"
         "# TYPE berth_http_requests_total counter\n";
  for (const auto& [code, count] : requests_by_code_)
    out << "berth_http_requests_total{code=\"" << code << "\"} " << count << "\n";
  out << "# HELP berth_http_request_duration_seconds Time to answer an HTTP request.\n"
         "# TYPE berth_http_request_duration_seconds histogram\n";
  for (size_t i = 0; i < kBuckets.size(); ++i)
    out << "berth_http_request_duration_seconds_bucket{le=\"" << kBuckets[i] << "\"} "
        << bucket_counts_[i] << "\n";
  out << "berth_http_request_duration_seconds_bucket{le=\"+Inf\"} " << count_ << "\n";
  out << "berth_http_request_duration_seconds_sum " << std::setprecision(17) << sum_seconds_
      << std::setprecision(6) << "\n";
  out << "berth_http_request_duration_seconds_count " << count_ << "\n";
  RenderDeploymentMetrics(supervisor, out);
  if (proxy) proxy->Render(out);
  return out.str();
}

}  // namespace berth
