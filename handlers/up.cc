// GET /up: liveness, without auth.
#include "handlers/api.h"

namespace berth {

void AddUpRoutes(Router* router) {
  router->Add({"GET",
               "/up",
               [](Api&, const std::shared_ptr<Exchange>& exchange) {
                 exchange->Reply(200, {{"status", "ok"}, {"version", BERTH_VERSION}});
               },
               false,
               true,
               {}});
}

}  // namespace berth
