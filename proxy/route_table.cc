// The routing table's matching rules (see route_table.h).
#include "proxy/route_table.h"

#include <algorithm>

namespace berth {

void RouteTable::Assign(std::vector<RouteEntry> entries) {
  entries_ = std::move(entries);
  by_host_.clear();
  for (size_t i = 0; i < entries_.size(); ++i) {
    std::vector<size_t>& routes = by_host_[entries_[i].route.host];
    bool taken = std::any_of(routes.begin(), routes.end(), [&](size_t j) {
      return entries_[j].route.path == entries_[i].route.path;
    });
    if (!taken) routes.push_back(i);
  }
  for (auto& [host, routes] : by_host_)
    std::stable_sort(routes.begin(), routes.end(), [this](size_t a, size_t b) {
      return entries_[a].route.path.size() > entries_[b].route.path.size();
    });
}

const std::vector<size_t>* RouteTable::RoutesOf(std::string_view host) const {
  if (auto it = by_host_.find(host); it != by_host_.end()) return &it->second;
  // "*.example.com" for "a.b.example.com": try "*.b.example.com", then "*.example.com".
  std::string wildcard;
  for (size_t dot = host.find('.'); dot != std::string_view::npos;
       dot = host.find('.', dot + 1)) {
    wildcard.assign("*");
    wildcard.append(host.substr(dot));
    if (auto it = by_host_.find(wildcard); it != by_host_.end()) return &it->second;
  }
  return nullptr;
}

const RouteEntry* RouteTable::Match(std::string_view host, std::string_view target) const {
  std::string name = NormalizeHost(host);
  if (name.empty()) return nullptr;
  const std::vector<size_t>* routes = RoutesOf(name);
  if (!routes) return nullptr;
  std::string_view path = target.substr(0, target.find_first_of("?#"));
  for (size_t i : *routes)
    if (PathUnderPrefix(path, entries_[i].route.path)) return &entries_[i];
  return nullptr;
}

std::string NormalizeHost(std::string_view host) {
  if (!host.empty() && host.front() == '[') {  // an IPv6 literal, "[::1]:8080"
    size_t close = host.find(']');
    return close == std::string_view::npos ? "" : std::string(host.substr(0, close + 1));
  }
  host = host.substr(0, host.find(':'));
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  std::string name;
  name.reserve(host.size());
  for (char c : host) {
    char lower = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    if (!((lower >= 'a' && lower <= 'z') || (lower >= '0' && lower <= '9') || lower == '-' ||
          lower == '.' || lower == '_'))
      return "";
    name.push_back(lower);
  }
  return name;
}

bool PathUnderPrefix(std::string_view path, std::string_view prefix) {
  if (prefix == "/") return true;
  if (path.substr(0, prefix.size()) != prefix) return false;
  return path.size() == prefix.size() || path[prefix.size()] == '/';
}

std::string UpstreamTarget(const RouteSpec& route, std::string_view target) {
  if (!route.strip_prefix || route.path == "/") return std::string(target);
  std::string_view rest = target.substr(std::min(route.path.size(), target.size()));
  if (rest.empty() || rest.front() != '/') return "/" + std::string(rest);
  return std::string(rest);
}

}  // namespace berth
