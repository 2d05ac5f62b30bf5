// The dashboard's files (dashboard/ in the source tree), embedded into berthd at build time by
// handlers/embed_dashboard.cmake.
#pragma once

#include <span>
#include <string_view>

namespace berth {

struct DashboardAsset {
  std::string_view name;          // "app.js"
  std::string_view content_type;  // "text/javascript; charset=utf-8"
  std::string_view etag;          // a quoted digest of the body
  std::string_view body;
};

// Every embedded file, index.html first.
std::span<const DashboardAsset> DashboardAssets();

}  // namespace berth
