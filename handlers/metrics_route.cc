// GET /metrics: Prometheus text format.
#include "handlers/api.h"

namespace berth {

void AddMetricsRoutes(Router* router, bool metrics_public) {
  router->Add({.method = "GET",
               .pattern = "/metrics",
               .handler =
                   [](Api& api, const std::shared_ptr<Exchange>& exchange) {
                     exchange->ReplyText(
                         200, "text/plain; version=0.0.4; charset=utf-8",
                         api.metrics().Render(*api.supervisor(), api.proxy_metrics()));
                   },
               .public_route = metrics_public,
               .needs = {{Action::kView}}});
}

}  // namespace berth
