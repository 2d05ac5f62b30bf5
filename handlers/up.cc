// GET /up: liveness, without auth.
#include "handlers/api.h"

namespace berth {

void AddUpRoutes(Router* router) {
  router->Add({.method = "GET",
               .pattern = "/up",
               .handler =
                   [](Api&, const std::shared_ptr<Exchange>& exchange) {
                     // `code` and `errors`: the verbose body of rails-healthcheck, which
                     // Supervisor's client reads.
                     exchange->Reply(200, {{"status", "ok"},
                                           {"version", BERTH_VERSION},
                                           {"code", 200},
                                           {"errors", nlohmann::json::array()}});
                   },
               .public_route = true});
}

}  // namespace berth
