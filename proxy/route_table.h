// RouteTable: which app (and which of its routes) a proxied request goes to. A host is chosen
// first, as nginx chooses a server: the exact name, else the longest matching "*.suffix"; then,
// among that host's routes, the longest path prefix that matches on a segment boundary ("/api"
// matches "/api" and "/api/x", not "/apix"). Rebuilt whole from the app model on every change;
// lookups never allocate.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "supervise/route_spec.h"

namespace berth {

struct RouteEntry {
  std::string app;
  RouteSpec route;
};

class RouteTable {
 public:
  // Replaces every route. Two entries with one host and path cannot both be served; the
  // Supervisor refuses that (409) before it gets here, and here the first one wins.
  void Assign(std::vector<RouteEntry> entries);
  // The route for a request with the Host header `host` (any case, maybe with ":port" or a
  // trailing dot) and the request target `target` (its query is ignored); nullptr for none.
  const RouteEntry* Match(std::string_view host, std::string_view target) const;
  const std::vector<RouteEntry>& entries() const { return entries_; }

 private:
  const std::vector<size_t>* RoutesOf(std::string_view host) const;

  std::vector<RouteEntry> entries_;
  // Host ("api.example.com", "*.example.com") → indexes into entries_, longest path first.
  std::map<std::string, std::vector<size_t>, std::less<>> by_host_;
};

// The Host header's name alone: lower case, without ":port" or a trailing dot; "" when it is
// not a valid host name (nor an IP literal).
std::string NormalizeHost(std::string_view host);
// True when `path` (no query) lies under the prefix `prefix` on a segment boundary.
bool PathUnderPrefix(std::string_view path, std::string_view prefix);
// The request target the upstream sees: with strip_prefix, `target` without the route's path
// ("/api/x?q" → "/x?q", "/api" → "/"); else `target` unchanged.
std::string UpstreamTarget(const RouteSpec& route, std::string_view target);

}  // namespace berth
