// Rendering the deployment metrics from the Supervisor's deployment counters and its apps.
#include "handlers/deployment_metrics.h"

#include <charconv>
#include <span>
#include <string>

#include "supervise/supervisor.h"

namespace berth {
namespace {

constexpr DeployOutcome kFinished[] = {DeployOutcome::kSucceeded, DeployOutcome::kFailed,
                                       DeployOutcome::kSkipped, DeployOutcome::kRolledBack};
// What the Supervisor service counted as jobs: runs that changed something or failed trying.
constexpr DeployOutcome kJobs[] = {DeployOutcome::kSucceeded, DeployOutcome::kFailed,
                                   DeployOutcome::kRolledBack};
constexpr DeployOutcome kFailures[] = {DeployOutcome::kFailed, DeployOutcome::kRolledBack};

// The shortest text that reads back as `value` ("0.25", "1800").
std::string Number(double value) {
  char text[32];
  auto [end, error] = std::to_chars(text, text + sizeof text, value);
  return error == std::errc() ? std::string(text, end) : "NaN";
}

void Header(std::ostream& out, const char* name, const char* type, const char* help) {
  out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
}

void Histogram(std::ostream& out, const char* name, const char* help,
               const DurationHistogram& histogram) {
  Header(out, name, "histogram", help);
  for (size_t i = 0; i < DurationHistogram::kBuckets.size(); ++i)
    out << name << "_bucket{le=\"" << Number(DurationHistogram::kBuckets[i]) << "\"} "
        << histogram.buckets[i] << '\n';
  out << name << "_bucket{le=\"+Inf\"} " << histogram.count << '\n';
  out << name << "_sum " << Number(histogram.sum_seconds) << '\n';
  out << name << "_count " << histogram.count << '\n';
}

DurationHistogram DurationsOf(const DeploymentCounters& counters,
                              std::span<const DeployOutcome> outcomes) {
  DurationHistogram sum;
  for (DeployOutcome outcome : outcomes) sum += counters.Durations(outcome);
  return sum;
}

uint64_t TotalOf(const DeploymentCounters& counters, std::span<const DeployOutcome> outcomes) {
  uint64_t sum = 0;
  for (DeployOutcome outcome : outcomes) sum += counters.Total(outcome);
  return sum;
}

// Apps that deploy show every outcome from their first scrape on, zeros included.
bool Deploys(const AppSpec& spec) { return spec.source || spec.kind() != AppKind::kProcess; }

void DeploymentsByApp(const Supervisor& supervisor, std::ostream& out) {
  Header(out, "berth_deployments_total", "counter",
         "Deployments of the app that ended, by outcome (kept across restarts of berthd).");
  const auto& counted = supervisor.deployment_counters().by_app();
  for (const auto& [name, app] : supervisor.apps()) {
    auto counts = counted.find(name);
    if (counts == counted.end() && !Deploys(app->spec())) continue;
    for (DeployOutcome outcome : kFinished) {
      uint64_t count = 0;
      if (counts != counted.end()) {
        auto it = counts->second.find(outcome);
        if (it != counts->second.end()) count = it->second;
      }
      out << "berth_deployments_total{app=\"" << name << "\",kind=\""
          << to_string(app->spec().kind()) << "\",outcome=\"" << to_string(outcome) << "\"} "
          << count << '\n';
    }
  }
}

void AppHealth(const Supervisor& supervisor, std::ostream& out) {
  Header(out, "berth_app_healthy", "gauge",
         "Whether the app is running and healthy (1) or not (0).");
  for (const auto& [name, app] : supervisor.apps())
    out << "berth_app_healthy{app=\"" << name << "\"} " << (IsAppHealthy(*app) ? 1 : 0) << '\n';
}

void Stacks(const Supervisor& supervisor, std::ostream& out) {
  uint64_t stacks = 0, healthy = 0;
  for (const auto& [name, app] : supervisor.apps()) {
    if (app->spec().kind() != AppKind::kCompose) continue;
    ++stacks;
    if (IsAppHealthy(*app)) ++healthy;
  }
  Header(out, "supervisor_total_stacks", "gauge", "Compose apps (stacks) defined.");
  out << "supervisor_total_stacks " << stacks << '\n';
  Header(out, "supervisor_total_healthy_stacks", "gauge", "Compose apps that are healthy.");
  out << "supervisor_total_healthy_stacks " << healthy << '\n';
  Header(out, "supervisor_total_unhealthy_stacks", "gauge", "Compose apps that are not healthy.");
  out << "supervisor_total_unhealthy_stacks " << stacks - healthy << '\n';
}

void Jobs(const DeploymentCounters& counters, std::ostream& out) {
  Histogram(out, "supervisor_jobs_execution_time",
            "Time deployments that were not skipped took, in seconds.",
            DurationsOf(counters, kJobs));
  Header(out, "supervisor_jobs_executed_total", "counter",
         "Deployments that ended and were not skipped.");
  out << "supervisor_jobs_executed_total " << TotalOf(counters, kJobs) << '\n';
  Header(out, "supervisor_jobs_succeeded_total", "counter", "Deployments that succeeded.");
  out << "supervisor_jobs_succeeded_total " << counters.Total(DeployOutcome::kSucceeded) << '\n';
  Header(out, "supervisor_jobs_failed_total", "counter",
         "Deployments that failed, rolled back or not.");
  out << "supervisor_jobs_failed_total " << TotalOf(counters, kFailures) << '\n';
}

}  // namespace

bool IsAppHealthy(const App& app) { return app.healthy(); }

void RenderDeploymentMetrics(const Supervisor& supervisor, std::ostream& out) {
  const DeploymentCounters& counters = supervisor.deployment_counters();
  DeploymentsByApp(supervisor, out);
  Histogram(out, "berth_deployment_duration_seconds", "Time deployments took to end, in seconds.",
            DurationsOf(counters, kFinished));
  AppHealth(supervisor, out);
  Stacks(supervisor, out);
  Jobs(counters, out);
}

}  // namespace berth
