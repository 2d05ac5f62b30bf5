// Link headers (RFC 8288) as registries page tag lists with them:
// `Link: </v2/acme/app/tags/list?n=100&last=1.4>; rel="next"`.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace berth::docker {

// The URL of the first link whose `rel` (a space-separated list, case-insensitive) holds
// "next", resolved against `request_url` (the absolute URL of the request that got the
// header), so a relative link (`/v2/…`, `?last=…`) and an absolute one both come out absolute.
// The result may name another host than the request, as a registry may send one there.
// nullopt if there is no next link. Invalid, saying what is wrong, if the header is not a list
// of `<URI>; params`, the request URL is not absolute, or the link does not resolve to an
// http(s) URL.
[[nodiscard]] Result<std::optional<std::string>> NextLinkUrl(std::string_view link_header,
                                                             std::string_view request_url);

}  // namespace berth::docker
