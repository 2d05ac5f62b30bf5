// RouteSpec: one entry of an app's `routes` (any kind): the host (exact or "*.example.com") and
// path prefix the proxy sends to the app, the app's port it goes to (and, in a compose stack,
// the service), and the per-route limits. Parsed and validated here; the routing table that
// matches requests against them is proxy/route_table.h.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

namespace berth {

struct RouteSpec {
  std::string host;      // lower case, no port; "*.example.com" matches one label or more
  std::string path = "/";  // a prefix matched on segment boundaries; no trailing '/' but "/"
  std::optional<int> port;  // empty: the app's port (process `port`, a container's first port)
  std::string service;      // compose apps: the service the route goes to
  bool strip_prefix = false;  // the upstream sees the path without `path`
  std::optional<int64_t> max_body;  // bytes; a bigger request body gets 413
  bool https_redirect = false;  // plain HTTP requests are redirected to https://
  bool operator==(const RouteSpec&) const = default;
};

// Reads `json["routes"]` into `*routes`; Invalid naming the field at fault ("routes[1].host").
// Whether a route's port and service suit the app's kind is checked by the caller, which
// knows them (ParseAppSpec).
Status ParseRoutes(const nlohmann::json& json, std::vector<RouteSpec>* routes);
nlohmann::json RoutesToJson(const std::vector<RouteSpec>& routes);

// True for "example.com", "a-b.example.com", "*.example.com", "localhost": DNS labels of
// [a-z0-9-] (lower case), the first may be "*".
bool IsValidRouteHost(const std::string& host);
// "api.example.com/v1", or "api.example.com/" for the root: how messages name a route.
std::string RouteName(const RouteSpec& route);

}  // namespace berth
