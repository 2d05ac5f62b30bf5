// The directory a release is written into: it must not exist or be empty, and what a failed
// job wrote there is removed again.
#pragma once

#include <string>

#include "base/status.h"

namespace berth {

class ReleaseDir {
 public:
  // Creates `path` (and its parents) or checks that the existing directory is empty.
  static Result<ReleaseDir> Prepare(const std::string& path);

  ReleaseDir(ReleaseDir&& other) noexcept;
  ReleaseDir& operator=(ReleaseDir&&) = delete;
  // Unless Keep() was called: empties the directory, and removes it if Prepare created it.
  ~ReleaseDir();

  const std::string& path() const { return path_; }
  // The parent directory, where scratch files of the same file system can go.
  std::string parent() const;
  void Keep() { keep_ = true; }

 private:
  ReleaseDir(std::string path, bool created) : path_(std::move(path)), created_(created) {}

  std::string path_;
  bool created_ = false;
  bool keep_ = false;
};

}  // namespace berth
