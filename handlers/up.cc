// GET /up: liveness, without auth.
#include "handlers/api.h"

namespace berth {

void AddUpRoutes(Router* router) {
  router->Add({.method = "GET",
               .pattern = "/up",
               .handler =
                   [](Api&, const std::shared_ptr<Exchange>& exchange) {
                     exchange->Reply(200, {{"status", "ok"}, {"version", BERTH_VERSION}});
                   },
               .public_route = true});
}

}  // namespace berth
