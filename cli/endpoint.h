// Endpoint: where berthd answers and which token to show it, from flags, the environment and
// the state directories of a local berthd.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace berth::cli {

inline constexpr std::string_view kDefaultUrl = "http://127.0.0.1:7070";

struct Endpoint {
  std::string url;          // as the user knows it, for messages: "unix:/x/api.sock", "http://..."
  std::string base_url;     // where requests go, without a trailing slash ("http://localhost"
                            // when talking over a unix socket)
  std::string unix_socket;  // the socket path; empty for TCP
  std::string token;        // empty when none was found
};

// Reads an environment variable; tests pass their own.
using EnvLookup = std::function<std::optional<std::string>(const char* name)>;

// The real environment; unset and empty variables both read as nullopt.
EnvLookup process_env();

// The state directories of a local berthd, in the order they are tried: $BERTH_STATE_DIR,
// ./.berth when it exists, /var/lib/berth.
std::vector<std::filesystem::path> state_dir_candidates(const EnvLookup& env);

// Parses a --url or BERTH_URL value: `unix:/path/api.sock`, `http://host:port[/prefix]`,
// `https://...`, or a bare `host:port` (taken as http). Status::Invalid for anything else.
Result<Endpoint> parse_url(std::string_view url);

// The URL comes from `url_flag`, else BERTH_URL, else the first <state>/run/api.sock that exists
// (then /run/berth/api.sock, where systemd puts the runtime dir), else kDefaultUrl.
// The token comes from `token_flag`, else BERTH_TOKEN, else the token `berthctl login` saved
// for that URL (credentials.h), else the first readable, non-empty <state>/admin-token. Fails only
// when the URL given cannot be parsed.
Result<Endpoint> resolve_endpoint(const std::optional<std::string>& url_flag,
                                  const std::optional<std::string>& token_flag,
                                  const EnvLookup& env);

}  // namespace berth::cli
