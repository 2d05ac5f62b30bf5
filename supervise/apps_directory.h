// AppsDirectory: apps defined by files, <config>/apps.d/<name>.json (the body of
// PUT /v1/apps/<name>, comments allowed), watched with inotify, also while the directory or its
// parents do not exist yet. A file that does not parse or validate leaves its app on its last
// good definition; the error goes to the log, to an event and to the app's status.last_error.
#pragma once

#include <optional>
#include <set>
#include <string>

#include "reactor/directory_watcher.h"
#include "reactor/event_loop.h"
#include "supervise/supervisor.h"

namespace berth {

class AppsDirectory {
 public:
  AppsDirectory(EventLoop* loop, Supervisor* supervisor, std::string dir);

  // Creates the directory when its parent exists, (re)starts watching it (or, while it is
  // missing, its nearest existing ancestor until it appears), and syncs every file. At start and
  // on SIGHUP.
  void Scan();
  const std::string& dir() const { return dir_; }
  // The app names of the files in the directory now, valid or not; nullopt when it cannot be
  // read (then nobody can tell which file apps are gone).
  std::optional<std::set<std::string>> FileAppNames() const;

 private:
  // Reads every file and drops the file apps whose file is gone.
  void SyncAll();
  void OnChange(const std::string& file);
  void ApplyPending();
  // Brings the app `name` in line with its file: created, replaced, left alone or removed.
  void Sync(const std::string& name);
  void Apply(const std::string& name, const std::string& path);
  void Refuse(const std::string& name, const std::string& error);

  EventLoop* loop_;
  Supervisor* supervisor_;
  std::string dir_;
  DirectoryWatcher watcher_;
  // Names changed in the last few milliseconds: an editor's rename-then-write settles first.
  std::set<std::string> pending_;
  Timer settle_;
  Timer rescan_;  // the whole directory, once it appeared or has stayed away for a moment
  bool watch_error_logged_ = false;
};

// The app name for a file in apps.d: "web" for "web.json"; "" for files that are not app
// definitions (hidden, editor backups, other extensions).
std::string AppNameForFile(const std::string& file);

}  // namespace berth
