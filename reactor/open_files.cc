// Raising the open-files limit.
#include "reactor/open_files.h"

#include <sys/resource.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "reactor/log.h"

namespace berth {

size_t RaiseOpenFilesLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
  if (limit.rlim_cur < limit.rlim_max) {
    rlim_t before = limit.rlim_cur;
    limit.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
      LogWarn("cannot raise the open-files limit from " + std::to_string(before) + " to " +
              std::to_string(limit.rlim_max) + ": " + strerror(errno));
      limit.rlim_cur = before;
    }
  }
  return limit.rlim_cur == RLIM_INFINITY ? SIZE_MAX : static_cast<size_t>(limit.rlim_cur);
}

}  // namespace berth
