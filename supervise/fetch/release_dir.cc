// Preparing and, on failure, cleaning the release directory of a fetch.
#include "supervise/fetch/release_dir.h"

#include <filesystem>
#include <system_error>
#include <vector>

namespace berth {

namespace fs = std::filesystem;

Result<ReleaseDir> ReleaseDir::Prepare(const std::string& path) {
  std::error_code ec;
  fs::file_status status = fs::symlink_status(path, ec);
  if (fs::exists(status)) {
    if (!fs::is_directory(status)) {
      return Status::Conflict("dest_dir '" + path + "' exists and is not a directory", "dest_dir");
    }
    if (!fs::is_empty(path, ec) || ec) {
      return Status::Conflict("dest_dir '" + path + "' is not empty", "dest_dir");
    }
    return ReleaseDir(path, false);
  }
  if (!fs::create_directories(path, ec) || ec) {
    return Status::IOError("cannot create dest_dir '" + path + "': " + ec.message());
  }
  return ReleaseDir(path, true);
}

ReleaseDir::ReleaseDir(ReleaseDir&& other) noexcept
    : path_(std::move(other.path_)), created_(other.created_), keep_(other.keep_) {
  other.keep_ = true;  // the moved-from object owns nothing
}

ReleaseDir::~ReleaseDir() {
  if (keep_) return;
  std::error_code ec;
  if (created_) {
    fs::remove_all(path_, ec);
    return;
  }
  std::vector<fs::path> entries;
  for (fs::directory_iterator it(path_, ec), end; !ec && it != end; it.increment(ec)) {
    entries.push_back(it->path());
  }
  for (const auto& entry : entries) fs::remove_all(entry, ec);
}

std::string ReleaseDir::parent() const {
  fs::path dir = fs::absolute(path_).lexically_normal();
  if (!dir.has_filename()) dir = dir.parent_path();  // "releases/7/"
  return dir.parent_path().string();
}

}  // namespace berth
