// HealthSpec: an app's `health` field (any kind): how berth checks that the running app serves,
// by an HTTP GET of a path, a TCP connect, or a command run inside the app; how often, how
// long a probe may take, and how many failures in a row make it unhealthy. Parsed and
// validated here; the probes are supervise/health_checker.h.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

namespace berth {

enum class HealthProbeType { kHttp, kTcp, kExec };
const char* to_string(HealthProbeType type);

struct HealthSpec {
  HealthProbeType type = HealthProbeType::kHttp;
  std::string path;                  // http: the path (and query) to GET, starting with '/'
  std::string host;                  // http: the Host header; empty: the address probed
  std::vector<int> status;           // http: the statuses that pass; empty: 200-399
  std::vector<std::string> command;  // exec: the argv run inside the app; exit 0 passes
  double interval_s = 10;            // from the end of one probe to the start of the next
  double timeout_s = 5;              // a probe taking longer fails
  int retries = 3;                   // consecutive failures before the app is unhealthy
  std::optional<int> port;  // http/tcp: empty means the app's port (as RoutePort chooses it)
  std::string service;      // compose apps: the service checked
  bool operator==(const HealthSpec&) const = default;
};

// Reads `json["health"]` (absent or null: no check) into `*health`; Invalid naming the field at
// fault ("health.interval"). Whether the port and service suit the app's kind is checked by
// the caller, which knows them (ParseAppSpec).
Status ParseHealthSpec(const nlohmann::json& json, std::optional<HealthSpec>* health);
// The canonical JSON of `health`, null when there is none.
nlohmann::json HealthSpecToJson(const std::optional<HealthSpec>& health);
// True when an answer with `status` passes the http check `health`.
bool PassesHttpCheck(const HealthSpec& health, long status);

}  // namespace berth
