// Deployment metrics for GET /metrics: berth's own (deployments by outcome, their durations, the
// apps' health) and, for dashboards made for the Supervisor GitOps service, its names.
#pragma once

#include <ostream>

namespace berth {

class App;
class Supervisor;

// Whether berth_app_healthy and the stack gauges count the app as healthy: it is running. (berth
// reads no health status from Docker yet; once a runtime reports one, an unhealthy app will not
// count.)
bool IsAppHealthy(const App& app);

// Writes, in Prometheus text format 0.0.4: berth_deployments_total{app,kind,outcome},
// berth_deployment_duration_seconds, berth_app_healthy{app}, supervisor_total_stacks,
// supervisor_total_healthy_stacks, supervisor_total_unhealthy_stacks,
// supervisor_jobs_execution_time, supervisor_jobs_executed_total,
// supervisor_jobs_succeeded_total and supervisor_jobs_failed_total.
void RenderDeploymentMetrics(const Supervisor& supervisor, std::ostream& out);

}  // namespace berth
