// Parsing and serialising the process part of app definitions.
#include "supervise/process_spec.h"

#include <set>

#include "supervise/spec_fields.h"

namespace berth {
namespace {

using nlohmann::json;

const std::set<std::string> kProcessFields = {"command", "directory", "user",
                                              "port",    "install",   "install_options"};

bool IsValidUserName(const std::string& name) {
  if (name.empty() || name.size() > 32 || name[0] == '-') return false;
  for (char c : name)
    if (!(isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.')) return false;
  return true;
}

// An argv array or a shell string, as `command` and `install` take them.
Status ParseArgv(const json& c, const std::string& key, std::vector<std::string>* argv,
                 bool* shell) {
  if (c.is_string()) {
    std::string text = c.get<std::string>();
    if (text.find_first_not_of(" \t\n") == std::string::npos)
      return Status::Invalid(key + " must not be empty", key);
    *shell = true;
    *argv = {"/bin/sh", "-c", text};
    return Status::Ok();
  }
  if (!c.is_array() || c.empty())
    return Status::Invalid(key + " must be a non-empty array of strings or a string", key);
  for (size_t i = 0; i < c.size(); ++i) {
    std::string field = key + "[" + std::to_string(i) + "]";
    if (!c[i].is_string()) return Status::Invalid(field + " must be a string", field);
    std::string arg = c[i].get<std::string>();
    if (arg.find('\0') != std::string::npos)
      return Status::Invalid(field + " must not contain a NUL byte", field);
    argv->push_back(std::move(arg));
  }
  if ((*argv)[0].empty()) return Status::Invalid(key + "[0] must name a program", key + "[0]");
  return Status::Ok();
}

Status ParseCommand(const json& j, bool has_source, ProcessSpec* process) {
  if (!j.contains("command") || j.at("command").is_null()) {
    if (has_source) return Status::Ok();  // chosen from the release's files
    return Status::Invalid("command is required: an argv array or a shell string", "command");
  }
  return ParseArgv(j.at("command"), "command", &process->command, &process->shell_command);
}

Status ParsePaths(const json& j, bool has_source, ProcessSpec* process) {
  if (Status s = ReadSpecString(j, "directory", &process->directory); !s.ok()) return s;
  if (!process->directory.empty() && process->directory[0] != '/')
    return Status::Invalid("directory must be an absolute path", "directory");
  if (process->directory.find('\0') != std::string::npos)
    return Status::Invalid("directory must not contain a NUL byte", "directory");
  if (has_source && !process->directory.empty())
    return Status::Invalid(
        "directory cannot be set for an app with a source: it runs in its "
        "release (use source's subdir)",
        "directory");
  if (Status s = ReadSpecString(j, "user", &process->user); !s.ok()) return s;
  if (!process->user.empty() && !IsValidUserName(process->user))
    return Status::Invalid("user must be a user name of at most 32 letters, digits, '_', '-', '.'",
                           "user");
  return Status::Ok();
}

Status ParsePort(const json& j, ProcessSpec* process) {
  double port = 0;
  if (Status s = ReadSpecNumber(j, "port", "port", 1, 65535, true, &port); !s.ok()) return s;
  if (j.contains("port") && !j.at("port").is_null()) process->port = static_cast<int>(port);
  return Status::Ok();
}

Status ParseInstall(const json& j, InstallSpec* install) {
  if (j.contains("install") && !j.at("install").is_null()) {
    const json& i = j.at("install");
    if (i == "auto") {
      install->mode = InstallSpec::Mode::kAuto;
    } else if (i == "none") {
      install->mode = InstallSpec::Mode::kNone;
    } else {
      install->mode = InstallSpec::Mode::kCommand;
      if (Status s = ParseArgv(i, "install", &install->command, &install->shell_command); !s.ok())
        return s;
    }
  }
  if (j.contains("install_options") && !j.at("install_options").is_null()) {
    const json& o = j.at("install_options");
    if (!o.is_array())
      return Status::Invalid("install_options must be an array of strings", "install_options");
    std::vector<std::string> options;
    for (size_t k = 0; k < o.size(); ++k) {
      std::string field = "install_options[" + std::to_string(k) + "]";
      if (!o[k].is_string()) return Status::Invalid(field + " must be a string", field);
      options.push_back(o[k].get<std::string>());
    }
    install->options = std::move(options);
  }
  return Status::Ok();
}

json InstallToJson(const InstallSpec& install) {
  switch (install.mode) {
    case InstallSpec::Mode::kAuto:
      return "auto";
    case InstallSpec::Mode::kNone:
      return "none";
    case InstallSpec::Mode::kCommand:
      return install.shell_command ? json(install.command[2]) : json(install.command);
  }
  return "auto";
}

}  // namespace

bool IsProcessField(const std::string& key) { return kProcessFields.count(key) > 0; }

Status ParseProcessPart(const json& j, bool has_source, ProcessSpec* process) {
  if (Status s = ParseCommand(j, has_source, process); !s.ok()) return s;
  if (Status s = ParsePaths(j, has_source, process); !s.ok()) return s;
  if (Status s = ParsePort(j, process); !s.ok()) return s;
  return ParseInstall(j, &process->install);
}

void ProcessPartToJson(const ProcessSpec& process, bool has_source, json* j) {
  json& out = *j;
  if (process.command.empty())
    out["command"] = nullptr;
  else
    out["command"] = process.shell_command ? json(process.command[2]) : json(process.command);
  if (!process.directory.empty()) out["directory"] = process.directory;
  if (!process.user.empty()) out["user"] = process.user;
  out["port"] = process.port ? json(*process.port) : json(nullptr);
  if (has_source) {
    out["install"] = InstallToJson(process.install);
    out["install_options"] =
        process.install.options ? json(*process.install.options) : json(nullptr);
  }
}

bool ProcessChangesHowItRuns(const ProcessSpec& a, const ProcessSpec& b) {
  return a.command != b.command || a.directory != b.directory || a.user != b.user ||
         a.port != b.port;
}

}  // namespace berth
