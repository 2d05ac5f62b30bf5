// Rendering berth's routes as nginx configuration (nginx mode): one file per host with its
// upstreams and one server block, plus one file of http-level definitions. Pure functions: what
// they need from the world (endpoints, which certificates exist) comes in as values.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "proxy/route_table.h"
#include "supervise/route_spec.h"

namespace berth {

// One route of a host, with where it goes now.
struct NginxRoute {
  std::string app;
  RouteSpec route;
  int index = 0;  // the route's place among its app's routes: names its upstream
  std::vector<std::string> endpoints;  // "host:port"; empty: the location answers 503
};

// One host (exact or "*.example.com") and its routes, longest path first.
struct NginxSite {
  std::string host;
  std::vector<NginxRoute> routes;
  std::string certificate;  // paths of the TLS certificate and key; empty: plain HTTP only
  std::string certificate_key;
};

struct NginxRenderOptions {
  std::string listen = "80";       // nginx `listen` address for plain HTTP: "80", "127.0.0.1:8080"
  std::string listen_tls = "443";  // and for TLS, on hosts that have a certificate
  std::string acme_webroot;        // served at /.well-known/acme-challenge/; empty: not served
  std::string set_label;           // answered at kNginxSetPath, to tell which set nginx serves
};

struct NginxFile {
  std::string name;  // a file name in the set directory
  std::string text;
  bool operator==(const NginxFile&) const = default;
};

// Every host's server block answers GET kNginxSetPath with the set's label: how berth tells
// after a reload that nginx serves the new set.
inline constexpr char kNginxSetPath[] = "/.well-known/berth-nginx-set";
// The file of http-level definitions (the websocket map, the set's label).
inline constexpr char kNginxHttpFile[] = "_berth.conf";

// The host's file name: "api.example.com.conf"; "*.example.com" → "_wildcard.example.com.conf".
std::string NginxFileName(const std::string& host);

// True when `text` is safe as one nginx token written bare: no whitespace, quotes, ';', '{',
// '}', '$', '#' or '\\', and not empty. Used for every value that comes from outside.
bool IsNginxSafeToken(const std::string& text);

// The sites of `table`: one per host, routes longest path first. `endpoints` gives a route's
// endpoints, `certificate` the certificate and key paths for a host ("" when it has none).
// Endpoints and paths that are not safe tokens are left out; a route left out is named in
// `*left_out` (when given) by app, with why.
std::vector<NginxSite> CollectNginxSites(
    const RouteTable& table,
    const std::function<std::vector<std::string>(const RouteEntry&)>& endpoints,
    const std::function<std::pair<std::string, std::string>(const std::string& host)>& certificate,
    std::map<std::string, std::string>* left_out = nullptr);

// The whole set: kNginxHttpFile and one file per site, sorted by name.
std::vector<NginxFile> RenderNginxSet(const std::vector<NginxSite>& sites,
                                      const NginxRenderOptions& options);
// One site's file (its upstreams and its server block).
std::string RenderNginxSite(const NginxSite& site, const NginxRenderOptions& options);

}  // namespace berth
