// Saved logins: the API token `berthctl login` made for each berthd URL, kept in the user's
// $XDG_CONFIG_HOME/berth/credentials.json (0600, in a 0700 directory).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "base/status.h"
#include "cli/endpoint.h"

namespace berth::cli {

struct SavedLogin {
  std::string token;     // the API token, "berth_..."; a secret: never printed
  std::string user;      // whose token it is
  int64_t token_id = 0;  // its id, for `berthctl logout` to delete it
};

// $XDG_CONFIG_HOME/berth/credentials.json, else $HOME/.config/berth/credentials.json;
// nullopt when neither variable is set.
std::optional<std::filesystem::path> credentials_path(const EnvLookup& env);

// The login saved for `url` in `file`; nullopt when there is none, or no readable file.
// The file is an object from URL to {"token", "user", "token_id"}.
std::optional<SavedLogin> find_saved_login(const std::filesystem::path& file,
                                           const std::string& url);

// Saves `login` for `url` (replacing one saved before), or with nullopt forgets it. The file
// is replaced whole through a temporary file with mode 0600; its directory is made 0700.
[[nodiscard]] Status save_login(const std::filesystem::path& file, const std::string& url,
                                const std::optional<SavedLogin>& login);

}  // namespace berth::cli
