// Rendering the nginx configuration of nginx mode (see nginx_config.h).
#include "proxy/nginx_config.h"

#include <algorithm>
#include <map>
#include <set>

namespace berth {
namespace {

constexpr char kAcmePath[] = "/.well-known/acme-challenge";

const char kHeader[] =
    "# Do not edit: berth writes this directory whole on every change of its routes and\n"
    "# reports (and replaces) a file that differs from what it wrote.\n";

// Definitions every site uses, at http level: Connection for websockets (and "" otherwise,
// which keeps upstream connections alive), and the client address as Forwarded wants it.
const char kHttpDefinitions[] =
    "map $http_upgrade $berth_connection {\n"
    "  default upgrade;\n"
    "  \"\" \"\";\n"
    "}\n"
    "map $remote_addr $berth_forwarded_for {\n"
    "  ~: \"\\\"[$remote_addr]\\\"\";\n"
    "  default $remote_addr;\n"
    "}\n";

// Proxy settings of every server block; each location adds its proxy_pass.
const char kProxySettings[] =
    "  proxy_http_version 1.1;\n"
    "  proxy_set_header Host $http_host;\n"
    "  proxy_set_header Upgrade $http_upgrade;\n"
    "  proxy_set_header Connection $berth_connection;\n"
    "  proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
    "  proxy_set_header X-Forwarded-Proto $scheme;\n"
    "  proxy_set_header X-Forwarded-Host $host;\n"
    "  proxy_set_header Forwarded \"for=$berth_forwarded_for;proto=$scheme;host=$host\";\n";

std::string UpstreamName(const NginxRoute& route) {
  return "berth_" + route.app + "_" + std::to_string(route.index);
}

// The port of a listen address ("443", "127.0.0.1:8443", "[::]:443").
std::string ListenPort(const std::string& listen) {
  size_t colon = listen.rfind(':');
  size_t bracket = listen.rfind(']');
  if (colon == std::string::npos || (bracket != std::string::npos && colon < bracket))
    return listen;
  return listen.substr(colon + 1);
}

// A path nginx mode cannot give a route: berth's own locations take it.
bool IsReservedPath(const std::string& path) { return path == kAcmePath || path == kNginxSetPath; }

std::string RenderUpstream(const NginxRoute& route) {
  std::string out = "upstream " + UpstreamName(route) + " {\n";
  for (const std::string& endpoint : route.endpoints) out += "  server " + endpoint + ";\n";
  return out + "  keepalive 16;\n}\n";
}

// What a location for `route` does, indented for inside its block.
std::string LocationBody(const NginxRoute& route, const NginxRenderOptions& options) {
  std::string out;
  const RouteSpec& spec = route.route;
  if (spec.https_redirect) {
    std::string port = ListenPort(options.listen_tls);
    out += "    if ($scheme = http) { return 301 https://$host" +
           (port == "443" ? std::string() : ":" + port) + "$request_uri; }\n";
  }
  out += "    client_max_body_size " +
         (spec.max_body ? std::to_string(*spec.max_body) : std::string("0")) + ";\n";
  if (route.endpoints.empty()) {
    out += "    default_type text/plain;\n";
    return out + "    return 503 \"" + route.app + " is not running\\n\";\n";
  }
  // A proxy_pass with a URI replaces the matched location prefix with it: strip_prefix.
  bool strip = spec.strip_prefix && spec.path != "/";
  return out + "    proxy_pass http://" + UpstreamName(route) + (strip ? "/" : "") + ";\n";
}

std::string RenderLocations(const NginxRoute& route, const NginxRenderOptions& options) {
  const std::string& path = route.route.path;
  std::string body = LocationBody(route, options);
  std::string out = "  # " + route.app + ": " + RouteName(route.route) + "\n";
  if (path == "/") return out + "  location / {\n" + body + "  }\n";
  return out + "  location = " + path + " {\n" + body + "  }\n  location " + path + "/ {\n" + body +
         "  }\n";
}

std::string RenderServer(const NginxSite& site, const NginxRenderOptions& options) {
  bool tls = !site.certificate.empty() && !site.certificate_key.empty();
  std::string out = "server {\n  listen " + options.listen + ";\n";
  if (tls) out += "  listen " + options.listen_tls + " ssl;\n";
  out += "  server_name " + site.host + ";\n";
  if (tls)
    out += "  ssl_certificate " + site.certificate + ";\n  ssl_certificate_key " +
           site.certificate_key + ";\n";
  out += kProxySettings;
  out += std::string("  location = ") + kNginxSetPath +
         " {\n    default_type text/plain;\n    return 200 \"$berth_nginx_set\\n\";\n  }\n";
  if (!options.acme_webroot.empty())
    out += std::string("  location ^~ ") + kAcmePath + "/ {\n    root " + options.acme_webroot +
           ";\n    default_type text/plain;\n  }\n";
  bool has_root = false;
  for (const NginxRoute& route : site.routes) {
    has_root = has_root || route.route.path == "/";
    out += RenderLocations(route, options);
  }
  if (!has_root) out += "  location / {\n    return 404;\n  }\n";
  return out + "}\n";
}

}  // namespace

std::string NginxFileName(const std::string& host) {
  if (host.rfind("*.", 0) == 0) return "_wildcard" + host.substr(1) + ".conf";
  return host + ".conf";
}

bool IsNginxSafeToken(const std::string& text) {
  if (text.empty()) return false;
  for (unsigned char c : text)
    if (c <= ' ' || c >= 0x7f || c == '"' || c == '\'' || c == ';' || c == '{' || c == '}' ||
        c == '$' || c == '#' || c == '\\')
      return false;
  return true;
}

std::vector<NginxSite> CollectNginxSites(
    const RouteTable& table,
    const std::function<std::vector<std::string>(const RouteEntry&)>& endpoints,
    const std::function<std::pair<std::string, std::string>(const std::string& host)>&
        certificate,
    std::map<std::string, std::string>* left_out) {
  std::map<std::string, NginxSite> sites;
  std::map<std::string, int> routes_of_app;
  std::set<std::pair<std::string, std::string>> taken;  // host, path: the first one wins
  for (const RouteEntry& entry : table.entries()) {
    int index = routes_of_app[entry.app]++;
    const RouteSpec& route = entry.route;
    std::string at = "routes[" + std::to_string(index) + "]";
    std::string why;
    if (!IsNginxSafeToken(route.host))
      why = at + ".host has a character nginx reads as syntax";
    else if (!IsNginxSafeToken(route.path))
      why = at + ".path \"" + route.path + "\" has a character nginx reads as syntax";
    else if (IsReservedPath(route.path))
      why = at + ".path " + route.path + " is kept by berth's nginx mode for itself";
    else if (!taken.insert({route.host, route.path}).second)
      why = at + " has the host and path of another route";
    if (!why.empty()) {
      if (left_out) (*left_out)[entry.app] = "nginx mode leaves a route out: " + why;
      continue;
    }
    NginxSite& site = sites[route.host];
    site.host = route.host;
    NginxRoute rendered{.app = entry.app, .route = route, .index = index};
    for (std::string& endpoint : endpoints(entry))
      if (IsNginxSafeToken(endpoint)) rendered.endpoints.push_back(std::move(endpoint));
    site.routes.push_back(std::move(rendered));
  }
  std::vector<NginxSite> out;
  for (auto& [host, site] : sites) {
    auto [cert, key] = certificate(host);
    if (IsNginxSafeToken(cert) && IsNginxSafeToken(key))
      site.certificate = cert, site.certificate_key = key;
    std::stable_sort(site.routes.begin(), site.routes.end(),
                     [](const NginxRoute& a, const NginxRoute& b) {
                       return a.route.path.size() > b.route.path.size();
                     });
    out.push_back(std::move(site));
  }
  return out;
}

std::string RenderNginxSite(const NginxSite& site, const NginxRenderOptions& options) {
  std::set<std::string> apps;
  for (const NginxRoute& route : site.routes) apps.insert(route.app);
  std::string names;
  for (const std::string& app : apps) names += (names.empty() ? "" : ", ") + app;
  std::string out = "# Managed by berth: " + site.host + " for the app" +
                    (apps.size() == 1 ? " " : "s ") + names + ".\n" + kHeader + "\n";
  for (const NginxRoute& route : site.routes)
    if (!route.endpoints.empty()) out += RenderUpstream(route);
  return out + RenderServer(site, options);
}

std::vector<NginxFile> RenderNginxSet(const std::vector<NginxSite>& sites,
                                      const NginxRenderOptions& options) {
  std::string label = IsNginxSafeToken(options.set_label) ? options.set_label : "unknown";
  std::vector<NginxFile> files;
  files.push_back({kNginxHttpFile, std::string("# Managed by berth: definitions its sites use.\n") +
                                       kHeader + "\n" + kHttpDefinitions +
                                       "map $host $berth_nginx_set {\n  default \"" + label +
                                       "\";\n}\n"});
  for (const NginxSite& site : sites)
    files.push_back({NginxFileName(site.host), RenderNginxSite(site, options)});
  std::sort(files.begin(), files.end(),
            [](const NginxFile& a, const NginxFile& b) { return a.name < b.name; });
  return files;
}

}  // namespace berth
