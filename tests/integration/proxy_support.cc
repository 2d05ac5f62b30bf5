// The built-in proxy's test fixture (see proxy_support.h).
#include "tests/integration/proxy_support.h"

#include <sstream>

namespace berth::testing {

using nlohmann::json;

::testing::AssertionResult ProxyFixture::StartBerthd(std::vector<std::string> args) {
  BerthdProcess::Options options;
  options.extra_args = {"--proxy-listen", "127.0.0.1:0", "--header-timeout", "2"};
  options.extra_args.insert(options.extra_args.end(), args.begin(), args.end());
  berthd_ = std::make_unique<BerthdProcess>(options);
  if (auto started = berthd_->Start(); !started) return started;
  std::string path = berthd_->state_dir() + "/run/proxy-listeners";
  if (!WaitUntil([&] { return !ReadFile(path).empty(); }))
    return ::testing::AssertionFailure() << "no " << path << ": " << Tail(berthd_->StderrContents());
  std::istringstream lines(ReadFile(path));
  for (std::string line; std::getline(lines, line);) {
    int port = std::stoi(line.substr(line.rfind(':') + 1));
    (line.rfind("https://", 0) == 0 ? tls_port_ : proxy_port_) = port;
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult ProxyFixture::DefineBackend(const std::string& name, json routes,
                                                       json extra, bool wait) {
  json spec = {{"command", {"python3", PROXY_BACKEND_SCRIPT}},
               {"port", FreeTcpPort()},
               {"user", "root"},
               {"routes", routes}};
  spec.update(extra);
  HttpResponse put = berthd_->Put("/v1/apps/" + name, spec);
  if (put.status != 201 && put.status != 200)
    return ::testing::AssertionFailure() << "PUT " << name << ": " << put.Describe();
  if (!wait) return ::testing::AssertionSuccess();
  std::string host = routes[0]["host"];
  if (host.rfind("*.", 0) == 0) host = "x" + host.substr(1);
  std::string path = routes[0].value("path", "/");
  HttpResponse last;
  bool reached = WaitUntil([&] {
    last = ViaProxy("GET", path, host);
    return last.status == 200;
  });
  if (!reached)
    return ::testing::AssertionFailure() << "the proxy never reached " << name << ": "
                                         << last.Describe();
  return ::testing::AssertionSuccess();
}

HttpResponse ProxyFixture::ViaProxy(const std::string& method, const std::string& path,
                                    const std::string& host, const std::string& body,
                                    HeaderLines headers) {
  headers.push_back("Host: " + host);
  if (!body.empty() && !HasHeader(headers, "Content-Type"))
    headers.push_back("Content-Type: application/octet-stream");
  return PerformRequest(method, ProxyUrl(path), body, headers);
}

std::string ProxyFixture::ProxyUrl(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(proxy_port_) + path;
}

}  // namespace berth::testing
