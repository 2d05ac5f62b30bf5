// Saved logins: reading credentials.json, and replacing it whole with owner-only modes.
#include "cli/credentials.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace berth::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The whole file as a JSON object; an empty object when it is missing or not one.
json read_all(const fs::path& file) {
  std::ifstream in(file);
  if (!in) return json::object();
  std::stringstream text;
  text << in.rdbuf();
  json parsed = json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  return parsed.is_object() ? parsed : json::object();
}

Status io_error(const std::string& what, const fs::path& path, int error) {
  return Status::IOError("cannot " + what + " " + path.string() + ": " + std::strerror(error));
}

// Writes `text` to `file` through `file`.tmp (0600, synced) and rename(2).
Status replace_file(const fs::path& file, const std::string& text) {
  fs::path tmp = file;
  tmp += ".tmp";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return io_error("write", tmp, errno);
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  bool ok = done == text.size() && fchmod(fd, 0600) == 0 && fsync(fd) == 0;
  int error = errno;
  close(fd);
  if (ok && rename(tmp.c_str(), file.c_str()) == 0) return Status::Ok();
  if (ok) error = errno;
  unlink(tmp.c_str());
  return io_error("write", file, error);
}

}  // namespace

std::optional<fs::path> credentials_path(const EnvLookup& env) {
  if (std::optional<std::string> config = env("XDG_CONFIG_HOME"))
    return fs::path(*config) / "berth" / "credentials.json";
  if (std::optional<std::string> home = env("HOME"))
    return fs::path(*home) / ".config" / "berth" / "credentials.json";
  return std::nullopt;
}

std::optional<SavedLogin> find_saved_login(const fs::path& file, const std::string& url) {
  json all = read_all(file);
  auto entry = all.find(url);
  if (entry == all.end() || !entry->is_object()) return std::nullopt;
  SavedLogin login;
  login.token = entry->value("token", "");
  login.user = entry->value("user", "");
  login.token_id = entry->value("token_id", int64_t{0});
  if (login.token.empty()) return std::nullopt;
  return login;
}

Status save_login(const fs::path& file, const std::string& url,
                  const std::optional<SavedLogin>& login) {
  std::error_code ec;
  fs::create_directories(file.parent_path(), ec);
  if (ec) return io_error("create", file.parent_path(), ec.value());
  if (chmod(file.parent_path().c_str(), 0700) != 0)
    return io_error("protect", file.parent_path(), errno);
  json all = read_all(file);
  if (login) {
    all[url] = {{"token", login->token}, {"user", login->user}, {"token_id", login->token_id}};
  } else {
    all.erase(url);
  }
  return replace_file(file, all.dump(2) + "\n");
}

}  // namespace berth::cli
