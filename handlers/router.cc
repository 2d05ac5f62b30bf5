// Matching request paths to routes.
#include "handlers/router.h"

#include <cassert>

namespace berth {

std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> segments;
  size_t start = 0;
  while (start < path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    if (slash > start) segments.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return segments;
}

void Router::Add(Route route) {
  // Every route says who may use it.
  assert(route.public_route || !route.needs.empty() || route.needs_of);
  auto segments = SplitPath(route.pattern);
  routes_.push_back({std::move(route), std::move(segments)});
}

bool Router::MatchSegments(const std::vector<std::string>& pattern,
                           const std::vector<std::string>& path,
                           std::map<std::string, std::string>* params) {
  if (pattern.size() != path.size()) return false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const std::string& p = pattern[i];
    if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
      (*params)[p.substr(1, p.size() - 2)] = path[i];
    } else if (p != path[i]) {
      return false;
    }
  }
  return true;
}

const Route* Router::Match(const std::string& method, const std::string& path,
                           std::map<std::string, std::string>* params,
                           std::vector<std::string>* allowed) const {
  auto segments = SplitPath(path);
  const Route* found = nullptr;
  for (const auto& compiled : routes_) {
    std::map<std::string, std::string> captured;
    if (!MatchSegments(compiled.segments, segments, &captured)) continue;
    allowed->push_back(compiled.route.method);
    if (!found && compiled.route.method == method) {
      found = &compiled.route;
      *params = std::move(captured);
    }
  }
  return found;
}

}  // namespace berth
