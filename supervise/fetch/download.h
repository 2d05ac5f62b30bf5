// Downloading a tarball with libcurl (http, https, file) into a file, hashing it on the way.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "supervise/fetch/output.h"

namespace berth {

struct DownloadLimits {
  uint64_t max_bytes = uint64_t{1} << 30;  // 1 GiB
  long connect_timeout_s = 15;
  long low_speed_bytes = 1024;  // abort when slower than this...
  long low_speed_time_s = 60;   // ...for this long
};

struct Download {
  std::string sha256;  // lower-case hex
  uint64_t size = 0;
};

// Writes the body at `url` to `fd` (at its current offset). `url` may carry userinfo; it is
// used for basic authentication and never printed.
Result<Download> DownloadToFile(const std::string& url, int fd, Output& output,
                                const DownloadLimits& limits = {});

}  // namespace berth
