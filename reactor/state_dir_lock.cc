// Taking <state>/berthd.lock, and naming who holds it when it is taken.
#include "reactor/state_dir_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace berth {
namespace {

std::string ReadHolder(int fd) {
  char text[32] = {};
  ssize_t n = pread(fd, text, sizeof text - 1, 0);
  if (n <= 0) return "";
  std::string pid(text, static_cast<size_t>(n));
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
  return pid;
}

// The holder writes its pid just after it takes the lock: give it a moment to do so.
std::string WaitForHolder(int fd) {
  for (int attempt = 0; attempt < 20; ++attempt) {
    std::string pid = ReadHolder(fd);
    if (!pid.empty()) return pid;
    timespec pause{0, 10 * 1000 * 1000};
    nanosleep(&pause, nullptr);
  }
  return "unknown";
}

}  // namespace

Result<StateDirLock> StateDirLock::Acquire(const std::string& state_dir) {
  std::string path = state_dir + "/berthd.lock";
  UniqueFd fd(open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!fd.valid()) return Status::IOError("cannot open " + path + ": " + strerror(errno));
  if (flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK)
      return Status::IOError("cannot lock " + path + ": " + strerror(errno));
    return Status::Conflict("another berthd (pid " + WaitForHolder(fd.get()) + ") uses " +
                            state_dir);
  }
  std::string pid = std::to_string(getpid()) + "\n";
  if (ftruncate(fd.get(), 0) != 0 ||
      pwrite(fd.get(), pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size()))
    return Status::IOError("cannot write " + path + ": " + strerror(errno));
  return StateDirLock(std::move(fd));
}

}  // namespace berth
