// ProcessSpec: the part of an app definition that only native processes have (command,
// directory, user, port, install), with its JSON fields. AppSpec (app_spec.h) holds it.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

namespace berth {

// How a deployed release is installed: detected from its files, not at all, or a command.
struct InstallSpec {
  enum class Mode { kAuto, kNone, kCommand };
  Mode mode = Mode::kAuto;
  std::vector<std::string> command;  // argv; for a string, {"/bin/sh", "-c", text}
  bool shell_command = false;
  std::optional<std::vector<std::string>> options;  // replace npm's default flags
  bool operator==(const InstallSpec&) const = default;
};

struct ProcessSpec {
  // argv; for a string command, {"/bin/sh", "-c", text}. May be empty for an app with a
  // source: the command is then chosen from the release's files.
  std::vector<std::string> command;
  bool shell_command = false;  // the command was given as a string
  std::string directory;       // empty: <state>/apps/<name>
  std::string user;            // empty: the default for how berthd runs
  std::optional<int> port;
  InstallSpec install;  // used only with a source
  bool operator==(const ProcessSpec&) const = default;
};

// True for the JSON fields of the process part ("command", "port", ...).
bool IsProcessField(const std::string& key);

// Reads the process part of the app definition `json` into `*process`. `has_source`: the app
// deploys from a source, so its command may be left out (chosen from the release) and it may
// not name a directory (it runs in its release).
Status ParseProcessPart(const nlohmann::json& json, bool has_source, ProcessSpec* process);

// Adds the canonical JSON of `process` to `*json`; install fields only when `has_source`.
void ProcessPartToJson(const ProcessSpec& process, bool has_source, nlohmann::json* json);

// True when going from `a` to `b` changes how the process runs (install aside: that is a
// change of what is deployed).
bool ProcessChangesHowItRuns(const ProcessSpec& a, const ProcessSpec& b);

}  // namespace berth
