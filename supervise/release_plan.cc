// Release plans: the install steps and the start command of a release, chosen from its files.
#include "supervise/release_plan.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "reactor/handles.h"

namespace berth {
namespace {

constexpr size_t kMaxPackageJsonBytes = 4 << 20;

struct FreeDeleter {
  void operator()(char* p) const { free(p); }
};

// The working directory of a release. Names are looked up through `dir_` (absolute, as
// given) and must resolve inside `real_`, so that a symlink cannot lead out of the tree.
class ReleaseTree {
 public:
  explicit ReleaseTree(const std::string& workdir);

  const std::string& dir() const { return dir_; }
  std::string Path(const std::string& relative) const { return dir_ + "/" + relative; }
  bool HasFile(const std::string& relative) const { return Has(relative, S_IFREG); }
  bool HasDir(const std::string& relative) const { return Has(relative, S_IFDIR); }
  // The contents of the regular file `relative` when it has at most `max_bytes`.
  std::optional<std::string> Read(const std::string& relative, size_t max_bytes) const;

 private:
  // The resolved path of `relative` when it exists and stays inside the tree.
  std::optional<std::string> Resolve(const std::string& relative) const;
  bool Has(const std::string& relative, mode_t type) const;

  std::string dir_;
  std::string real_;  // empty when the directory does not resolve: nothing is found in it
};

ReleaseTree::ReleaseTree(const std::string& workdir) {
  std::error_code ec;
  std::filesystem::path absolute = std::filesystem::absolute(workdir, ec);
  dir_ = (ec ? std::filesystem::path(workdir) : absolute).lexically_normal().string();
  while (dir_.size() > 1 && dir_.back() == '/') {
    dir_.pop_back();
  }
  std::unique_ptr<char, FreeDeleter> real(realpath(dir_.c_str(), nullptr));
  if (real) {
    real_ = real.get();
  }
}

std::optional<std::string> ReleaseTree::Resolve(const std::string& relative) const {
  if (real_.empty()) {
    return std::nullopt;
  }
  std::unique_ptr<char, FreeDeleter> real(realpath(Path(relative).c_str(), nullptr));
  if (!real) {
    return std::nullopt;
  }
  std::string resolved = real.get();
  bool inside = real_ == "/" || resolved == real_ || resolved.starts_with(real_ + "/");
  if (!inside) {
    return std::nullopt;
  }
  return resolved;
}

bool ReleaseTree::Has(const std::string& relative, mode_t type) const {
  std::optional<std::string> resolved = Resolve(relative);
  struct stat st;
  return resolved && stat(resolved->c_str(), &st) == 0 && (st.st_mode & S_IFMT) == type;
}

std::optional<std::string> ReleaseTree::Read(const std::string& relative, size_t max_bytes) const {
  std::optional<std::string> resolved = Resolve(relative);
  if (!resolved) {
    return std::nullopt;
  }
  // O_NONBLOCK: a FIFO swapped in after Resolve must not hang the caller.
  UniqueFd fd(open(resolved->c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  struct stat st;
  if (!fd.valid() || fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) ||
      static_cast<size_t>(st.st_size) > max_bytes) {
    return std::nullopt;
  }
  std::string text;
  char buf[8192];
  ssize_t n;
  while ((n = read(fd.get(), buf, sizeof buf)) > 0) {
    text.append(buf, n);
    if (text.size() > max_bytes) {
      return std::nullopt;
    }
  }
  if (n < 0) {
    return std::nullopt;
  }
  return text;
}

std::vector<std::string> Concat(std::vector<std::string> head,
                                const std::vector<std::string>& tail) {
  head.insert(head.end(), tail.begin(), tail.end());
  return head;
}

std::optional<InstallStep> PipStep(const ReleaseTree& tree) {
  std::vector<std::string> pip = {tree.Path(".venv/bin/pip"), "install",
                                  "--disable-pip-version-check", "--no-input"};
  if (tree.HasFile("requirements.txt")) {
    return InstallStep{Concat(pip, {"-r", "requirements.txt"}), "pip install -r requirements.txt"};
  }
  for (const char* marker : {"pyproject.toml", "setup.py"}) {
    if (tree.HasFile(marker)) {
      return InstallStep{Concat(pip, {"."}), std::string("pip install . (") + marker + ")"};
    }
  }
  return std::nullopt;
}

// How a Node project is installed: the command before its flags, and the default flags.
struct NodeInstaller {
  const char* lockfile;
  std::vector<std::string> command;
  std::vector<std::string> default_flags;
};

std::optional<InstallStep> NodeStep(const ReleaseTree& tree, const InstallSpec& install) {
  const std::vector<std::string> npm_flags = {"--omit=dev", "--no-audit", "--no-fund"};
  const NodeInstaller installers[] = {
      {"pnpm-lock.yaml", {"pnpm", "install", "--frozen-lockfile"}, {"--prod"}},
      {"yarn.lock", {"yarn", "install", "--frozen-lockfile"}, {"--production"}},
      {"package-lock.json", {"npm", "ci"}, npm_flags},
      {"package.json", {"npm", "install"}, npm_flags},
  };
  for (const NodeInstaller& installer : installers) {
    if (!tree.HasFile(installer.lockfile)) {
      continue;
    }
    const std::vector<std::string>& flags =
        install.options ? *install.options : installer.default_flags;
    std::string what =
        installer.command[0] + " " + installer.command[1] + " (" + installer.lockfile + ")";
    return InstallStep{Concat(installer.command, flags), std::move(what)};
  }
  return std::nullopt;
}

// What an automatic install planned, which decides the PATH of the release.
struct Planned {
  bool venv = false;
  bool node = false;
};

Planned PlanAuto(const ReleaseTree& tree, const InstallSpec& install, InstallPlan* plan) {
  Planned planned;
  if (std::optional<InstallStep> pip = PipStep(tree)) {
    plan->steps.push_back({{"python3", "-m", "venv", ".venv"}, "python3 -m venv .venv"});
    plan->steps.push_back(std::move(*pip));
    planned.venv = true;
  }
  if (std::optional<InstallStep> node = NodeStep(tree, install)) {
    plan->steps.push_back(std::move(*node));
    planned.node = true;
  }
  return planned;
}

void AddPathDirs(const ReleaseTree& tree, Planned planned, InstallPlan* plan) {
  if (planned.venv || tree.HasDir(".venv/bin")) {
    plan->path_dirs.push_back(tree.Path(".venv/bin"));
  }
  if (planned.node || tree.HasDir("node_modules")) {
    plan->path_dirs.push_back(tree.Path("node_modules/.bin"));
  }
}

bool HasStartScript(const ReleaseTree& tree) {
  std::optional<std::string> text = tree.Read("package.json", kMaxPackageJsonBytes);
  if (!text) {
    return false;
  }
  nlohmann::json package = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!package.is_object()) {
    return false;
  }
  auto scripts = package.find("scripts");
  if (scripts == package.end() || !scripts->is_object()) {
    return false;
  }
  auto start = scripts->find("start");
  return start != scripts->end() && start->is_string() &&
         !start->get_ref<const std::string&>().empty();
}

bool NeedsQuotes(const std::string& word) {
  if (word.empty()) {
    return true;
  }
  for (char c : word) {
    bool plain = isalnum(static_cast<unsigned char>(c)) ||
                 std::string_view("-_./=:,+@%").find(c) != std::string_view::npos;
    if (!plain) {
      return true;
    }
  }
  return false;
}

// argv as one would type it in a shell: words with special characters in single quotes.
std::string ShellText(const std::vector<std::string>& argv) {
  std::string text;
  for (const std::string& word : argv) {
    if (!text.empty()) {
      text += ' ';
    }
    if (!NeedsQuotes(word)) {
      text += word;
      continue;
    }
    text += '\'';
    for (char c : word) {
      text += c == '\'' ? std::string("'\\''") : std::string(1, c);
    }
    text += '\'';
  }
  return text;
}

StartPlan GivenCommand(const ProcessSpec& process) {
  bool shell = process.shell_command && process.command.size() == 3;
  return {process.command, shell, shell ? process.command[2] : ShellText(process.command),
          "command"};
}

StartPlan ShellPlan(const std::string& script, std::string text, std::string reason) {
  return {{"/bin/sh", "-c", script}, true, std::move(text), std::move(reason)};
}

}  // namespace

InstallPlan PlanInstall(const std::string& workdir, const InstallSpec& install) {
  ReleaseTree tree(workdir);
  InstallPlan plan;
  Planned planned;
  switch (install.mode) {
    case InstallSpec::Mode::kAuto:
      planned = PlanAuto(tree, install, &plan);
      break;
    case InstallSpec::Mode::kNone:
      break;
    case InstallSpec::Mode::kCommand:
      if (!install.command.empty()) {
        plan.steps.push_back({install.command, "install command"});
      }
      break;
  }
  AddPathDirs(tree, planned, &plan);
  return plan;
}

StartPlan PlanStart(const std::string& workdir, const ProcessSpec& process) {
  if (!process.command.empty()) {
    return GivenCommand(process);
  }
  ReleaseTree tree(workdir);
  for (const char* script : {"server.js", "index.js"}) {
    if (tree.HasFile(script)) {
      return {
          {"node", script}, false, std::string("node ") + script, std::string(script) + " found"};
    }
  }
  if (HasStartScript(tree)) {
    return {{"npm", "start"}, false, "npm start", "package.json has a start script"};
  }
  if (tree.HasFile("app.py")) {
    return ShellPlan(R"(exec uvicorn app:app --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}")",
                     "uvicorn app:app --host $HOST --port $PORT", "app.py found");
  }
  return ShellPlan(R"(exec python3 -m http.server "${PORT:-8000}" --bind "${HOST:-127.0.0.1}")",
                   "python3 -m http.server $PORT --bind $HOST",
                   "no start command found: serving the files");
}

}  // namespace berth
