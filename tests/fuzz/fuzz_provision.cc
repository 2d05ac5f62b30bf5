// Fuzz target: container-style environments through ProvisionFromEnvironment. Every app it
// defines must be a valid, self-consistent definition; bad entries only ever become errors.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <string>

#include "supervise/provision.h"

namespace {

void Require(bool ok, const char* what, const std::string& input) {
  if (ok) return;
  fprintf(stderr, "fuzz_provision: %s\ninput: %s\n", what, input.c_str());
  abort();
}

// "KEY=VALUE" lines make the environment; input without '=' is the value of SERVICES.
std::map<std::string, std::string> EnvironmentOf(const std::string& input) {
  std::map<std::string, std::string> env;
  if (input.find('=') == std::string::npos) {
    env["SERVICES"] = input;
    return env;
  }
  size_t start = 0;
  while (start <= input.size()) {
    size_t end = input.find('\n', start);
    if (end == std::string::npos) end = input.size();
    std::string line = input.substr(start, end - start);
    size_t eq = line.find('=');
    if (eq != std::string::npos) env[line.substr(0, eq)] = line.substr(eq + 1);
    start = end + 1;
  }
  return env;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  berth::ProvisionResult result = berth::ProvisionFromEnvironment(EnvironmentOf(input));
  for (const std::string& error : result.errors)
    Require(!error.empty(), "an error without a message", input);
  std::set<std::string> names;
  std::set<int> ports;
  for (const berth::AppSpec& spec : result.apps) {
    Require(names.insert(spec.name).second, "two apps share a name", input);
    Require(spec.process() != nullptr, "a provisioned app is not a process", input);
    const std::optional<int>& port = spec.process()->port;
    Require(!port || ports.insert(*port).second, "two apps share a port", input);
    Require(spec.source.has_value(), "a provisioned app has no source", input);
    Require(spec.autostart, "a provisioned app does not start by itself", input);
    Require(spec.source->token.empty(), "a provisioned app carries a token", input);
    auto again = berth::ParseAppSpec(berth::AppSpecToJson(spec, true), spec.name);
    Require(again.ok(), "the JSON of a provisioned app is rejected", input);
    Require(again.value() == spec, "the JSON of a provisioned app parses to another app", input);
  }
  return 0;
}
