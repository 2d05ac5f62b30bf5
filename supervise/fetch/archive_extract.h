// Extraction of a downloaded archive (tar, optionally gzip/bzip2/xz/zstd-compressed, or zip)
// into a release directory, in two passes over the same file: the member list is checked as
// a whole first (ArchiveTree), then libarchive writes it with its own safety checks on.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "supervise/fetch/output.h"

namespace berth {

struct ExtractLimits {
  uint64_t max_bytes = uint64_t{16} << 30;  // what the members may add up to
  uint64_t max_members = 1'000'000;
};

// Extracts the archive in `fd` (read from offset 0; seekable) into `dest_dir`, an existing
// empty directory. A single top-level directory is kept as it is. Members are refused when
// their path is absolute or has "..", when a symlink or hard link leads outside dest_dir, and
// when they are devices, fifos or sockets; nothing is written then.
Status ExtractArchive(int fd, const std::string& dest_dir, Output& output,
                      const ExtractLimits& limits = {});

}  // namespace berth
