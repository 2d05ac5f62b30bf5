// inotify for one directory: close-after-write, renames in and out, deletions.
#include "reactor/directory_watcher.h"

#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace berth {
namespace {

constexpr uint32_t kMask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE |
                           IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;

}  // namespace

DirectoryWatcher::DirectoryWatcher(EventLoop* loop, ChangeFn changed)
    : loop_(loop), changed_(std::move(changed)) {}

Status DirectoryWatcher::Watch(const std::string& dir) {
  if (!fd_.valid()) {
    fd_.reset(inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
    if (!fd_.valid()) return Status::IOError(std::string("inotify: ") + strerror(errno));
    readable_ = std::make_unique<FdWatcher>(loop_, fd_.get(), [this] { OnReadable(); });
  }
  if (wd_ >= 0) inotify_rm_watch(fd_.get(), wd_);
  wd_ = inotify_add_watch(fd_.get(), dir.c_str(), kMask);
  if (wd_ < 0) return Status::IOError("cannot watch " + dir + ": " + strerror(errno));
  return Status::Ok();
}

void DirectoryWatcher::OnReadable() {
  alignas(inotify_event) char buffer[16 * 1024];
  for (;;) {
    ssize_t n = read(fd_.get(), buffer, sizeof buffer);
    if (n <= 0) return;  // EAGAIN: drained
    for (char* p = buffer; p < buffer + n;) {
      const auto* event = reinterpret_cast<const inotify_event*>(p);
      p += sizeof(inotify_event) + event->len;
      // Events of a watch already replaced (its IN_IGNORED included) are stale.
      if (event->wd != wd_ && !(event->mask & IN_Q_OVERFLOW)) continue;
      if (event->mask & (IN_Q_OVERFLOW | IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) {
        if (event->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) wd_ = -1;
        changed_("");
      } else if (event->len > 0) {
        changed_(event->name);
      }
    }
  }
}

}  // namespace berth
