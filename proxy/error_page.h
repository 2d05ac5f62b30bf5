// The short answers the built-in proxy gives itself (404 no route, 413, 502, 503, 504, a
// redirect to HTTPS): a small HTML page, or JSON for a client that accepts JSON, naming the
// app but nothing internal (no address, port or error of the system).
#pragma once

#include <string>
#include <string_view>

namespace berth {

// A whole response. `app` may be empty (no route). `json`: the client accepts
// application/json. `close`: announce that the connection closes after it.
std::string ProxyErrorResponse(int status, std::string_view app, bool json, bool close,
                               bool head_only = false);
// A 308 to `location` (https://host/target).
std::string RedirectResponse(const std::string& location, bool close);
// True when the Accept header prefers or allows JSON over HTML ("application/json",
// "application/*+json"), not for browsers' "text/html,...,*/*".
bool AcceptsJson(const std::string* accept);

}  // namespace berth
