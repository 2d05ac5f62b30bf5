// Apps from files in apps.d, kept in step with the directory through inotify.
#include "supervise/apps_directory.h"

#include <dirent.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <vector>

#include "reactor/clock.h"
#include "reactor/log.h"

namespace berth {
namespace {

constexpr long kSettleMs = 5;
// How long a vanished apps.d may stay away before its apps go: a directory replaced by two
// moves (mv apps.d apps.d.old; mv apps.d.new apps.d) is missing for a moment.
constexpr long kGoneMs = 500;
constexpr off_t kMaxFileBytes = 1 << 20;  // the API's body limit

bool EndsWith(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

Result<std::string> ReadSmallFile(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return Status::NotFound(strerror(errno));
  if (!S_ISREG(st.st_mode)) return Status::Invalid("not a regular file");
  if (st.st_size > kMaxFileBytes) return Status::Invalid("larger than 1 MiB");
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in.good() && !in.eof()) return Status::IOError("cannot read it");
  return text.str();
}

Result<AppSpec> ParseFile(const std::string& name, const std::string& text) {
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(text, nullptr, true, /*ignore_comments=*/true);
  } catch (const nlohmann::json::parse_error& e) {
    std::string what = e.what();
    size_t at = what.find("parse error");  // drop nlohmann's "[json.exception...] " prefix
    return Status::Invalid("not valid JSON: " + what.substr(at == std::string::npos ? 0 : at));
  }
  return ParseAppSpec(json, name);
}

}  // namespace

std::string AppNameForFile(const std::string& file) {
  if (file.empty() || file[0] == '.' || !EndsWith(file, ".json")) return "";
  return file.substr(0, file.size() - 5);
}

AppsDirectory::AppsDirectory(EventLoop* loop, Supervisor* supervisor, std::string dir)
    : loop_(loop),
      supervisor_(supervisor),
      dir_(std::move(dir)),
      watcher_(loop, [this](const std::string& file) { OnChange(file); }),
      settle_(loop, [this] { ApplyPending(); }),
      rescan_(loop, [this] { SyncAll(); }) {}

void AppsDirectory::Scan() {
  if (mkdir(dir_.c_str(), 0755) == 0) LogInfo("created " + dir_ + " for app definition files");
  if (Status s = watcher_.Watch(dir_); !s.ok()) {
    // Nothing to watch, not even an ancestor; SIGHUP tries again.
    if (!watch_error_logged_) LogError("app definition files are not watched: " + s.message());
    watch_error_logged_ = true;
  } else {
    watch_error_logged_ = false;
    if (!watcher_.watching())
      LogInfo("no " + dir_ + " yet; its app definition files are applied once it appears");
  }
  SyncAll();
}

std::optional<std::set<std::string>> AppsDirectory::FileAppNames() const {
  std::unique_ptr<DIR, int (*)(DIR*)> d(opendir(dir_.c_str()), &closedir);
  if (!d) return std::nullopt;
  std::set<std::string> names;
  while (dirent* entry = readdir(d.get())) {
    std::string name = AppNameForFile(entry->d_name);
    if (!name.empty()) names.insert(name);
  }
  return names;
}

void AppsDirectory::SyncAll() {
  std::set<std::string> names = FileAppNames().value_or(std::set<std::string>{});
  for (const auto& [name, app] : supervisor_->apps())
    if (app->source() == "file") names.insert(name);
  for (const std::string& name : names) Sync(name);
}

void AppsDirectory::OnChange(const std::string& file) {
  if (file.empty()) {
    LogInfo("rescanning " + dir_);
    struct stat st {};
    rescan_.Start(stat(dir_.c_str(), &st) == 0 ? 0 : kGoneMs);
    return;
  }
  std::string name = AppNameForFile(file);
  if (name.empty()) return;
  pending_.insert(name);
  if (!settle_.pending()) settle_.Start(kSettleMs);
}

void AppsDirectory::ApplyPending() {
  std::set<std::string> names;
  names.swap(pending_);
  for (const std::string& name : names) Sync(name);
}

void AppsDirectory::Sync(const std::string& name) {
  std::string path = dir_ + "/" + name + ".json";
  struct stat st {};
  if (stat(path.c_str(), &st) == 0) return Apply(name, path);
  App* app = supervisor_->Find(name);
  if (!app || app->source() != "file" || supervisor_->IsBeingRemoved(name)) return;
  LogInfo("app " + name + ": " + path + " is gone; removing the app");
  supervisor_->RemoveFile(name, [this, name](Status status) {
    if (!status.ok()) LogError("app " + name + ": cannot remove: " + status.message());
    // The file may have come back while the app was stopping.
    loop_->Defer([this, name] { Sync(name); });
  });
}

void AppsDirectory::Apply(const std::string& name, const std::string& path) {
  if (!IsValidAppName(name))
    return Refuse(name,
                  "the file name must be an app name (a-z, 0-9 and '-', starting with a "
                  "letter, at most 32 characters) followed by .json");
  if (supervisor_->IsBeingRemoved(name)) return;  // Sync runs again once it is gone
  auto text = ReadSmallFile(path);
  if (!text.ok()) return Refuse(name, text.status().message());
  auto spec = ParseFile(name, *text);
  if (!spec.ok()) return Refuse(name, spec.status().message());
  App* before = supervisor_->Find(name);
  AppSpec wanted = *spec;
  bool changed = !before || before->spec() != wanted;
  auto applied = supervisor_->ApplyFile(std::move(spec).value());
  if (!applied.ok()) return Refuse(name, applied.status().message());
  if (changed) LogInfo("app " + name + ": " + (before ? "updated from " : "defined by ") + path);
}

void AppsDirectory::Refuse(const std::string& name, const std::string& error) {
  std::string message = dir_ + "/" + name + ".json: " + error;
  LogError(message + (supervisor_->Find(name) ? " (the app keeps its last good definition)"
                                              : " (no app is defined)"));
  if (App* app = supervisor_->Find(name); app && app->source() == "file")
    app->SetConfigError(message);
  supervisor_->bus().Publish(ConfigEvent{name, "invalid", WallClockMs(), message});
}

}  // namespace berth
