// Support for the built-in proxy's black-box tests: a berthd with a proxy listener, apps
// running tests/integration/proxy_backend.py behind routes, and requests through the proxy.
#ifndef BERTH_TESTS_INTEGRATION_PROXY_SUPPORT_H_
#define BERTH_TESTS_INTEGRATION_PROXY_SUPPORT_H_

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/integration/berthd_harness.h"

namespace berth::testing {

class ProxyFixture : public ::testing::Test {
 protected:
  // Starts berthd with --proxy-listen 127.0.0.1:0 (and --header-timeout 2) plus `args`.
  ::testing::AssertionResult StartBerthd(std::vector<std::string> args = {});
  // Defines a process app running proxy_backend.py on a free port with `routes`, and waits
  // until the proxy reaches it on the first route's host (when `wait`).
  ::testing::AssertionResult DefineBackend(const std::string& name, nlohmann::json routes,
                                           nlohmann::json extra = nlohmann::json::object(),
                                           bool wait = true);
  // A request through the proxy with the Host header `host`.
  HttpResponse ViaProxy(const std::string& method, const std::string& path,
                        const std::string& host, const std::string& body = "",
                        HeaderLines headers = {});
  std::string ProxyUrl(const std::string& path) const;

  std::unique_ptr<BerthdProcess> berthd_;
  int proxy_port_ = 0;
  int tls_port_ = 0;
};

}  // namespace berth::testing

#endif  // BERTH_TESTS_INTEGRATION_PROXY_SUPPORT_H_
