// Fuzz target: request paths through the Router with the API's routes. A match must be for the
// request's method, and its params must be the non-empty path segments the pattern names.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "handlers/router.h"

namespace {

struct RouteSpec {
  const char* method;
  const char* pattern;
};

// The routes berthd registers (handlers/*.cc); handlers are never called here.
constexpr RouteSpec kRoutes[] = {
    {"GET", "/up"},
    {"GET", "/v1/apps"},
    {"POST", "/v1/apps"},
    {"GET", "/v1/apps/{name}"},
    {"PUT", "/v1/apps/{name}"},
    {"PATCH", "/v1/apps/{name}"},
    {"DELETE", "/v1/apps/{name}"},
    {"POST", "/v1/apps/{name}/control"},
    {"GET", "/v1/apps/{name}/logs"},
    {"GET", "/v1/apps/{name}/stats"},
    {"GET", "/v1/events"},
    {"GET", "/metrics"},
    {"POST", "/v1/control"},
};

void Require(bool ok, const char* what, const std::string& method, const std::string& path) {
  if (ok) return;
  fprintf(stderr, "fuzz_router: %s (method %zu bytes, path %zu bytes: %s)\n", what, method.size(),
          path.size(), path.c_str());
  abort();
}

const berth::Router& ApiRouter() {
  static const berth::Router* router = [] {
    auto* r = new berth::Router;
    for (const RouteSpec& spec : kRoutes) r->Add({.method = spec.method, .pattern = spec.pattern});
    return r;
  }();
  return *router;
}

bool Contains(const std::vector<std::string>& list, const std::string& item) {
  for (const auto& x : list)
    if (x == item) return true;
  return false;
}

void CheckMatch(const berth::Route& route, const std::map<std::string, std::string>& params,
                const std::string& method, const std::string& path) {
  Require(route.method == method, "matched a route of another method", method, path);
  auto pattern = berth::SplitPath(route.pattern);
  auto segments = berth::SplitPath(path);
  Require(pattern.size() == segments.size(), "matched a pattern of another length", method, path);
  size_t named = 0;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i].front() != '{') {
      Require(pattern[i] == segments[i], "a literal segment differs", method, path);
      continue;
    }
    ++named;
    auto it = params.find(pattern[i].substr(1, pattern[i].size() - 2));
    Require(it != params.end(), "a named segment was not captured", method, path);
    Require(it->second == segments[i], "a param is not its path segment", method, path);
  }
  Require(params.size() == named, "params hold names the pattern lacks", method, path);
  for (const auto& [name, value] : params) {
    Require(!value.empty(), "an empty param", method, path);
    Require(value.find('/') == std::string::npos, "a param holds a '/'", method, path);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // "METHOD path": the method is what comes before the first space.
  std::string input(reinterpret_cast<const char*>(data), size);
  size_t space = input.find(' ');
  std::string method = space == std::string::npos ? "GET" : input.substr(0, space);
  std::string path = space == std::string::npos ? input : input.substr(space + 1);

  std::map<std::string, std::string> params;
  std::vector<std::string> allowed;
  const berth::Route* route = ApiRouter().Match(method, path, &params, &allowed);
  if (route) {
    CheckMatch(*route, params, method, path);
    Require(Contains(allowed, method), "the matched method is not allowed", method, path);
  } else {
    Require(params.empty(), "params filled without a match", method, path);
    Require(!Contains(allowed, method), "an allowed method did not match", method, path);
  }
  return 0;
}
