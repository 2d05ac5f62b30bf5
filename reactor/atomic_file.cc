// Replacing a file whole through a temporary file and rename(2).
#include "reactor/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "reactor/handles.h"

namespace berth {
namespace {

bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// The rename itself is durable only once the directory holding the entry is synced.
bool SyncParentDirectory(const std::string& path) {
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  UniqueFd fd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  return fd.valid() && fsync(fd.get()) == 0;
}

}  // namespace

Status WriteFileAtomically(const std::string& path, std::string_view contents, mode_t mode,
                           Durability durability) {
  std::string tmp = path + ".tmp";
  UniqueFd fd(open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
  bool sync = durability == Durability::kPowerLoss;
  bool ok = fd.valid() && fchmod(fd.get(), mode) == 0 && WriteAll(fd.get(), contents) &&
            (!sync || fsync(fd.get()) == 0);
  int saved = errno;
  fd.reset();
  if (ok && rename(tmp.c_str(), path.c_str()) == 0) {
    if (sync && !SyncParentDirectory(path))
      return Status::IOError("cannot sync the directory of " + path + ": " + strerror(errno));
    return Status::Ok();
  }
  if (ok) saved = errno;
  unlink(tmp.c_str());
  return Status::IOError("cannot write " + path + ": " + strerror(saved));
}

}  // namespace berth
