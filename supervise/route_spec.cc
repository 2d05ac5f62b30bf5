// Parsing the `routes` field of app definitions.
#include "supervise/route_spec.h"

#include "supervise/container_spec.h"
#include "supervise/spec_fields.h"

namespace berth {
namespace {

using nlohmann::json;

const char* const kFields[] = {"host",       "path",     "port",          "service",
                               "strip_prefix", "max_body", "https_redirect"};

bool IsValidLabel(std::string_view label) {
  if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
    return false;
  for (char c : label)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return true;
}

// A path prefix: "/" or "/a/b" (no trailing slash, no "." or ".." segments, no query).
Status ReadPath(const json& r, const std::string& field, RouteSpec* route) {
  if (Status s = ReadSpecString(r, "path", &route->path); !s.ok())
    return Status::Invalid(field + " must be a string", field);
  std::string& path = route->path;
  if (path.empty() || path[0] != '/')
    return Status::Invalid(field + " must start with '/' (got \"" + path + "\")", field);
  for (unsigned char c : path)
    if (c <= ' ' || c == '?' || c == '#' || c == '%' || c >= 0x7f)
      return Status::Invalid(
          field + " must be a plain path prefix without spaces, '?', '#' or '%' (got \"" + path +
              "\")",
          field);
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  size_t start = 1;
  while (start < path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    std::string_view segment(path.data() + start, end - start);
    if (segment.empty() || segment == "." || segment == "..")
      return Status::Invalid(field + " must not have empty, '.' or '..' segments (got \"" +
                                 path + "\")",
                             field);
    start = end + 1;
  }
  return Status::Ok();
}

Status ReadMaxBody(const json& r, const std::string& field, RouteSpec* route) {
  if (!r.contains("max_body") || r.at("max_body").is_null()) return Status::Ok();
  const json& v = r.at("max_body");
  std::optional<int64_t> bytes;
  if (v.is_number_unsigned()) bytes = v.get<int64_t>();
  if (v.is_string()) bytes = ParseByteSize(v.get<std::string>());
  if (!bytes || *bytes < 1)
    return Status::Invalid(field + " must be a size such as 10M, 512k or 1048576 (bytes)", field);
  route->max_body = bytes;
  return Status::Ok();
}

Status ReadBool(const json& r, const char* key, const std::string& field, bool* out) {
  if (!r.contains(key) || r.at(key).is_null()) return Status::Ok();
  if (!r.at(key).is_boolean()) return Status::Invalid(field + " must be true or false", field);
  *out = r.at(key).get<bool>();
  return Status::Ok();
}

Status ParseRoute(const json& r, const std::string& at, RouteSpec* route) {
  if (!r.is_object())
    return Status::Invalid(at + " must be an object {host, path, port}", at);
  for (const auto& [key, value] : r.items()) {
    bool known = false;
    for (const char* field : kFields) known = known || key == field;
    if (!known) return Status::Invalid(at + " has no field '" + key + "'", at + "." + key);
  }
  if (Status s = ReadSpecString(r, "host", &route->host); !s.ok())
    return Status::Invalid(at + ".host must be a string", at + ".host");
  for (char& c : route->host) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
  if (route->host.empty())
    return Status::Invalid(at + ".host is required: the domain the route answers for",
                           at + ".host");
  if (!IsValidRouteHost(route->host))
    return Status::Invalid(at + ".host must be a domain name such as api.example.com or "
                                "*.example.com, without scheme or port (got \"" +
                               route->host + "\")",
                           at + ".host");
  if (Status s = ReadPath(r, at + ".path", route); !s.ok()) return s;
  if (r.contains("port") && !r.at("port").is_null()) {
    double port = 0;
    if (Status s = ReadSpecNumber(r, "port", at + ".port", 1, 65535, true, &port); !s.ok())
      return s;
    route->port = static_cast<int>(port);
  }
  if (Status s = ReadSpecString(r, "service", &route->service); !s.ok())
    return Status::Invalid(at + ".service must be a string", at + ".service");
  if (Status s = ReadBool(r, "strip_prefix", at + ".strip_prefix", &route->strip_prefix); !s.ok())
    return s;
  if (Status s = ReadBool(r, "https_redirect", at + ".https_redirect", &route->https_redirect);
      !s.ok())
    return s;
  return ReadMaxBody(r, at + ".max_body", route);
}

}  // namespace

bool IsValidRouteHost(const std::string& host) {
  if (host.empty() || host.size() > 253) return false;
  size_t start = 0;
  bool first = true;
  while (true) {
    size_t dot = host.find('.', start);
    std::string_view label(host.data() + start,
                           (dot == std::string::npos ? host.size() : dot) - start);
    bool wildcard = first && label == "*";
    if (!wildcard && !IsValidLabel(label)) return false;
    if (wildcard && dot == std::string::npos) return false;  // "*" alone
    if (dot == std::string::npos) return true;
    start = dot + 1;
    first = false;
  }
}

std::string RouteName(const RouteSpec& route) {
  return route.host + (route.path == "/" ? "/" : route.path);
}

Status ParseRoutes(const json& j, std::vector<RouteSpec>* routes) {
  if (!j.contains("routes") || j.at("routes").is_null()) return Status::Ok();
  const json& list = j.at("routes");
  if (!list.is_array())
    return Status::Invalid("routes must be an array of {host, path, port}", "routes");
  for (size_t i = 0; i < list.size(); ++i) {
    std::string at = "routes[" + std::to_string(i) + "]";
    RouteSpec route;
    if (Status s = ParseRoute(list[i], at, &route); !s.ok()) return s;
    for (const RouteSpec& earlier : *routes)
      if (earlier.host == route.host && earlier.path == route.path)
        return Status::Invalid(at + " repeats the route " + RouteName(route), at);
    routes->push_back(std::move(route));
  }
  return Status::Ok();
}

json RoutesToJson(const std::vector<RouteSpec>& routes) {
  json list = json::array();
  for (const RouteSpec& route : routes) {
    json r = {{"host", route.host},
              {"path", route.path},
              {"port", route.port ? json(*route.port) : json(nullptr)},
              {"strip_prefix", route.strip_prefix},
              {"max_body", route.max_body ? json(FormatByteSize(*route.max_body)) : json(nullptr)},
              {"https_redirect", route.https_redirect}};
    if (!route.service.empty()) r["service"] = route.service;
    list.push_back(std::move(r));
  }
  return list;
}

}  // namespace berth
