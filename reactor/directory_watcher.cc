// inotify for one directory (close-after-write, renames in and out, deletions), and for the
// nearest existing ancestor while the directory is missing.
#include "reactor/directory_watcher.h"

#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "reactor/log.h"

namespace berth {
namespace {

namespace fs = std::filesystem;

constexpr uint32_t kGone = IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED;
constexpr uint32_t kDirMask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE |
                              IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;
// An ancestor: the next directory down being made or moved in, or the ancestor going away.
constexpr uint32_t kAncestorMask =
    IN_CREATE | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;
// Each pass of Attach() watches a deeper directory unless the path changes under it.
constexpr int kAttachPasses = 32;

// `dir` absolute and lexically normal, without a trailing '/'.
std::string Normalize(const std::string& dir) {
  std::error_code ignored;
  fs::path path = fs::absolute(dir, ignored).lexically_normal();
  if (!path.has_filename() && path.has_relative_path()) path = path.parent_path();
  return path.string();
}

bool IsDirectory(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

DirectoryWatcher::DirectoryWatcher(EventLoop* loop, ChangeFn changed)
    : loop_(loop), changed_(std::move(changed)) {}

Status DirectoryWatcher::Watch(const std::string& dir) {
  if (!fd_.valid()) {
    fd_.reset(inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
    if (!fd_.valid()) return Status::IOError(std::string("inotify: ") + strerror(errno));
    readable_ = std::make_unique<FdWatcher>(loop_, fd_.get(), [this] { OnReadable(); });
  }
  dir_ = Normalize(dir);
  return Attach();
}

Status DirectoryWatcher::Attach() {
  if (wd_ >= 0) inotify_rm_watch(fd_.get(), wd_);
  wd_ = -1;
  watched_.clear();
  next_.clear();
  for (int pass = 1;; ++pass) {
    fs::path path = dir_;
    for (;;) {
      wd_ = inotify_add_watch(fd_.get(), path.c_str(), path == dir_ ? kDirMask : kAncestorMask);
      if (wd_ >= 0) break;
      // Missing, or a file where a directory should be: wait for it one level up.
      if ((errno != ENOENT && errno != ENOTDIR) || path == path.parent_path())
        return Status::IOError("cannot watch " + path.string() + ": " + strerror(errno));
      path = path.parent_path();
    }
    watched_ = path.string();
    if (watched_ == dir_) return Status::Ok();
    next_ = fs::path(dir_).lexically_relative(path).begin()->string();
    // The next directory down may have been made before this watch was in place.
    if (!IsDirectory((path / next_).string()) || pass == kAttachPasses) return Status::Ok();
    inotify_rm_watch(fd_.get(), wd_);
  }
}

void DirectoryWatcher::Reattach() {
  bool had_dir = watching();
  if (Status s = Attach(); !s.ok()) LogError("no longer watching " + dir_ + ": " + s.message());
  if (had_dir || watching()) changed_("");
}

void DirectoryWatcher::OnReadable() {
  alignas(inotify_event) char buffer[16 * 1024];
  for (;;) {
    ssize_t n = read(fd_.get(), buffer, sizeof buffer);
    if (n <= 0) return;  // EAGAIN: drained
    for (char* p = buffer; p < buffer + n;) {
      const auto* event = reinterpret_cast<const inotify_event*>(p);
      p += sizeof(inotify_event) + event->len;
      if (event->mask & IN_Q_OVERFLOW) {
        Reattach();
      } else if (event->wd == wd_) {
        // Events of a watch already replaced (its IN_IGNORED included) are stale.
        OnEvent(event->mask, event->len > 0 ? event->name : "");
      }
    }
  }
}

void DirectoryWatcher::OnEvent(uint32_t mask, const std::string& name) {
  if (mask & kGone) return Reattach();
  if (name.empty()) return;
  if (watching()) return changed_(name);
  if (name == next_) Reattach();
}

}  // namespace berth
