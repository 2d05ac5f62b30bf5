// Helpers for tests of deployed apps: reading an app's deployments through the API and waiting
// for one to end.
#ifndef BERTH_TESTS_INTEGRATION_DEPLOY_SUPPORT_H_
#define BERTH_TESTS_INTEGRATION_DEPLOY_SUPPORT_H_

#include <cstdint>
#include <string>

#include "tests/integration/berthd_harness.h"

namespace berth::testing {

// How long a deployment (fetch, install, start) may take in tests.
inline constexpr milliseconds kDeployTimeout{120000};

// GET /v1/apps/<app>/deployments, newest first.
inline nlohmann::json Deployments(BerthdProcess& berthd, const std::string& app) {
  return berthd.Get("/v1/apps/" + app + "/deployments").json();
}

// The id of the app's newest deployment, or 0.
inline int64_t NewestDeploymentId(BerthdProcess& berthd, const std::string& app) {
  nlohmann::json list = Deployments(berthd, app);
  return list.is_array() && !list.empty() ? list[0].value("id", int64_t{0}) : 0;
}

// Waits until deployment `id` of `app` is no longer running; returns it.
inline nlohmann::json WaitForDeployment(BerthdProcess& berthd, const std::string& app, int64_t id) {
  nlohmann::json found;
  WaitUntil(
      [&] {
        found = berthd.Get("/v1/apps/" + app + "/deployments/" + std::to_string(id)).json();
        return found.is_object() && found.value("outcome", "running") != "running";
      },
      kDeployTimeout, milliseconds(20));
  return found;
}

}  // namespace berth::testing

#endif  // BERTH_TESTS_INTEGRATION_DEPLOY_SUPPORT_H_
