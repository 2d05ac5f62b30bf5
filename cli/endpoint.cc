// Endpoint resolution: URL parsing (with curl_url) and the search of local state directories.
#include "cli/endpoint.h"

#include <cstdlib>
#include <fstream>
#include <system_error>

#include "cli/credentials.h"
#include "cli/curl_handles.h"

namespace berth::cli {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kUnixPrefix = "unix:";
const char* const kSystemdSocket = "/run/berth/api.sock";

std::optional<std::string> get_url_part(CURLU* url, CURLUPart part) {
  char* raw = nullptr;
  if (curl_url_get(url, part, &raw, 0) != CURLUE_OK) return std::nullopt;
  CurlString owned(raw);
  return std::string(owned.get());
}

Result<Endpoint> parse_unix_url(std::string_view url) {
  std::string path(url.substr(kUnixPrefix.size()));
  if (path.empty()) return Status::Invalid("the URL " + std::string(url) + " names no socket path");
  return Endpoint{std::string(url), "http://localhost", std::move(path), ""};
}

Result<Endpoint> parse_http_url(std::string_view url) {
  std::string full(url);
  if (full.find("://") == std::string::npos) full = "http://" + full;
  auto bad = [&] {
    return Status::Invalid("cannot use the URL " + std::string(url) +
                           ": expected http://HOST:PORT, https://HOST:PORT or unix:/PATH");
  };
  CurlUrl parsed(curl_url());
  if (!parsed || curl_url_set(parsed.get(), CURLUPART_URL, full.c_str(), 0) != CURLUE_OK) {
    return bad();
  }
  std::optional<std::string> scheme = get_url_part(parsed.get(), CURLUPART_SCHEME);
  if (!scheme || (*scheme != "http" && *scheme != "https")) return bad();
  while (full.ends_with('/')) full.pop_back();
  return Endpoint{full, full, "", ""};
}

std::optional<std::string> read_token_file(const fs::path& path) {
  std::ifstream in(path);
  std::string token;
  if (!in || !std::getline(in, token)) return std::nullopt;
  size_t end = token.find_last_not_of(" \t\r\n");
  token.erase(end == std::string::npos ? 0 : end + 1);
  if (token.empty()) return std::nullopt;
  return token;
}

std::string default_url(const std::vector<fs::path>& state_dirs) {
  std::vector<fs::path> sockets;
  sockets.reserve(state_dirs.size() + 1);
  for (const fs::path& dir : state_dirs) sockets.push_back(dir / "run" / "api.sock");
  sockets.emplace_back(kSystemdSocket);
  for (const fs::path& socket : sockets) {
    std::error_code ec;
    if (fs::is_socket(socket, ec)) return std::string(kUnixPrefix) + socket.string();
  }
  return std::string(kDefaultUrl);
}

std::string default_token(const std::vector<fs::path>& state_dirs) {
  for (const fs::path& dir : state_dirs) {
    if (std::optional<std::string> token = read_token_file(dir / "admin-token")) return *token;
  }
  return "";
}

std::optional<std::string> saved_token(const EnvLookup& env, const std::string& url) {
  std::optional<fs::path> file = credentials_path(env);
  if (!file) return std::nullopt;
  std::optional<SavedLogin> login = find_saved_login(*file, url);
  if (!login) return std::nullopt;
  return login->token;
}

}  // namespace

EnvLookup process_env() {
  return [](const char* name) -> std::optional<std::string> {
    const char* value = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): single-threaded
    if (value == nullptr || *value == '\0') return std::nullopt;
    return std::string(value);
  };
}

std::vector<fs::path> state_dir_candidates(const EnvLookup& env) {
  std::vector<fs::path> dirs;
  if (std::optional<std::string> dir = env("BERTH_STATE_DIR")) dirs.emplace_back(*dir);
  std::error_code ec;
  if (fs::is_directory(".berth", ec)) dirs.push_back(fs::absolute(".berth", ec));
  dirs.emplace_back("/var/lib/berth");
  return dirs;
}

Result<Endpoint> parse_url(std::string_view url) {
  if (url.starts_with(kUnixPrefix)) return parse_unix_url(url);
  return parse_http_url(url);
}

Result<Endpoint> resolve_endpoint(const std::optional<std::string>& url_flag,
                                  const std::optional<std::string>& token_flag,
                                  const EnvLookup& env) {
  std::vector<fs::path> state_dirs = state_dir_candidates(env);
  std::optional<std::string> url = url_flag ? url_flag : env("BERTH_URL");
  Result<Endpoint> endpoint = parse_url(url ? *url : default_url(state_dirs));
  if (!endpoint.ok()) return endpoint;
  std::optional<std::string> token = token_flag ? token_flag : env("BERTH_TOKEN");
  if (!token) token = saved_token(env, endpoint->url);
  endpoint->token = token ? *token : default_token(state_dirs);
  return endpoint;
}

}  // namespace berth::cli
