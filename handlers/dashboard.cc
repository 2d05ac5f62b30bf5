// GET /dashboard and /dashboard/{file}: the web dashboard's files, embedded at build time. Public:
// the page signs in through the API itself.
#include "handlers/api.h"
#include "handlers/dashboard_assets.h"

namespace berth {
namespace {

// The page runs only its own script and style and talks only to this origin.
constexpr char kContentSecurityPolicy[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; "
    "object-src 'none'";

const DashboardAsset* FindAsset(std::string_view name) {
  for (const DashboardAsset& asset : DashboardAssets())
    if (asset.name == name) return &asset;
  return nullptr;
}

// Whether an If-None-Match header names `etag` (a list, or *).
bool Matches(const char* if_none_match, std::string_view etag) {
  if (!if_none_match) return false;
  std::string_view tags(if_none_match);
  if (tags == "*") return true;
  for (size_t pos = tags.find(etag); pos != std::string_view::npos;
       pos = tags.find(etag, pos + 1)) {
    bool starts = pos == 0 || tags[pos - 1] == ' ' || tags[pos - 1] == ',' || tags[pos - 1] == '/';
    size_t end = pos + etag.size();
    bool ends = end == tags.size() || tags[end] == ',' || tags[end] == ' ';
    if (starts && ends) return true;
  }
  return false;
}

void Serve(Exchange& exchange, const DashboardAsset& asset) {
  exchange.AddHeader("ETag", std::string(asset.etag));
  // Always revalidated: a new berthd serves its own files at once.
  exchange.AddHeader("Cache-Control", "no-cache");
  exchange.AddHeader("Content-Security-Policy", kContentSecurityPolicy);
  exchange.AddHeader("X-Content-Type-Options", "nosniff");
  exchange.AddHeader("Referrer-Policy", "no-referrer");
  exchange.AddHeader("X-Frame-Options", "DENY");
  if (Matches(exchange.header("If-None-Match"), asset.etag)) return exchange.ReplyEmpty(304);
  exchange.ReplyText(200, asset.content_type, asset.body);
}

void GetIndex(Api&, const std::shared_ptr<Exchange>& exchange) {
  Serve(*exchange, DashboardAssets().front());
}

void GetFile(Api&, const std::shared_ptr<Exchange>& exchange) {
  const std::string& name = exchange->param("file");
  const DashboardAsset* asset = FindAsset(name);
  if (!asset)
    return exchange->ReplyError(404, "not_found", "the dashboard has no file named '" + name + "'");
  Serve(*exchange, *asset);
}

}  // namespace

void AddDashboardRoutes(Router* router) {
  router->Add(
      {.method = "GET", .pattern = "/dashboard", .handler = GetIndex, .public_route = true});
  router->Add(
      {.method = "GET", .pattern = "/dashboard/{file}", .handler = GetFile, .public_route = true});
}

}  // namespace berth
