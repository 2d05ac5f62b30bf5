// AppSpec: what an app is (API.md "App"): parsed and validated from JSON, serialised back in
// canonical form. The same JSON is the body of PUT /v1/apps/{name} and an apps.d file.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "supervise/log_ring.h"
#include "supervise/start_limiter.h"

namespace berth {

enum class AppKind { kProcess };
enum class RestartPolicy { kAlways, kOnFailure, kNever };

const char* to_string(AppKind kind);
const char* to_string(RestartPolicy policy);

struct Backoff {
  int initial_ms = 100;
  int max_ms = 30000;
  bool operator==(const Backoff&) const = default;
};

// Where a deployed app's code comes from: a Git repository or a tarball URL.
struct SourceSpec {
  enum class Type { kGit, kTarball };
  Type type = Type::kGit;
  std::string url;
  std::string ref;       // git: branch, tag or commit; empty: the remote's HEAD
  std::string subdir;    // the app's directory inside the checkout
  std::string username;  // git over http(s)
  std::string token;     // git over http(s); never shown, stored sealed
  std::string sha256;    // tarball: expected digest (hex), optional
  bool operator==(const SourceSpec&) const = default;
};

// How a deployed release is installed: detected from its files, not at all, or a command.
struct InstallSpec {
  enum class Mode { kAuto, kNone, kCommand };
  Mode mode = Mode::kAuto;
  std::vector<std::string> command;  // argv; for a string, {"/bin/sh", "-c", text}
  bool shell_command = false;
  std::optional<std::vector<std::string>> options;  // replace npm's default flags
  bool operator==(const InstallSpec&) const = default;
};

inline constexpr char kMaskedSecret[] = "***";

struct AppSpec {
  std::string name;
  AppKind kind = AppKind::kProcess;
  // argv; for a string command, {"/bin/sh", "-c", text}. May be empty for an app with a
  // source: the command is then chosen from the release's files.
  std::vector<std::string> command;
  bool shell_command = false;  // the command was given as a string
  std::string directory;       // empty: <state>/apps/<name>
  std::string user;            // empty: the default for how berthd runs
  std::map<std::string, std::string> env;
  std::optional<int> port;
  bool autostart = true;
  RestartPolicy restart = RestartPolicy::kOnFailure;
  double start_seconds = 1;
  std::string stop_signal = "TERM";
  double stop_timeout = 10;
  Backoff backoff;
  int max_retries = 5;
  StartLimit start_limit;   // for every start but one asked for through the API
  bool log_forward = true;  // output lines also go to berthd's log
  LogRingLimits log_ring;
  // supervisord's order: lower starts first and stops last; apps of equal priority start and
  // stop together.
  int priority = 999;
  std::optional<SourceSpec> source;
  InstallSpec install;

  bool operator==(const AppSpec&) const = default;
};

// True for names matching ^[a-z][a-z0-9-]{0,31}$.
bool IsValidAppName(std::string_view name);

// Validates `json` as an app definition. `name` is the name from the URL or file name; a
// "name" in the body must match it. Read-only members of responses ("source", "status") are
// accepted and ignored, so a GET body can be PUT back.
Result<AppSpec> ParseAppSpec(const nlohmann::json& json, const std::string& name);

// The canonical JSON of a spec, every field present. Secrets (a source's token) read "***"
// unless `reveal_secrets`.
nlohmann::json AppSpecToJson(const AppSpec& spec, bool reveal_secrets = false);

// True when going from `a` to `b` changes how the app runs, so a running app must restart.
bool ChangesHowItRuns(const AppSpec& a, const AppSpec& b);
// True when going from `a` to `b` needs a new deployment (other code or install).
bool ChangesWhatIsDeployed(const AppSpec& a, const AppSpec& b);

// The signal number for a stop_signal name (TERM, INT, QUIT, HUP, KILL, USR1, USR2); 0 if none.
int StopSignalNumber(const std::string& name);

}  // namespace berth
