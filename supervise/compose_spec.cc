// Parsing the compose part of app definitions, and the Compose command lines built from it.
#include "supervise/compose_spec.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <set>

#include "supervise/spec_fields.h"

namespace berth {
namespace {

using nlohmann::json;

const std::set<std::string> kComposeFields = {"file", "includes", "variables", "env_files",
                                              "profiles", "target"};

Status ReadPath(const json& value, const std::string& field, std::string* out) {
  if (!value.is_string()) return Status::Invalid(field + " must be a string", field);
  *out = value.get<std::string>();
  if (out->empty() || !IsSafeRelativePath(*out))
    return Status::Invalid(field + " must be a path inside the source, relative and without '..'",
                           field);
  return Status::Ok();
}

// Reads `c[key]`, a list of strings, each checked by `check`.
Status ReadList(const json& c, const char* key,
                const std::function<Status(const json&, const std::string&, std::string*)>& check,
                std::vector<std::string>* out) {
  if (!c.contains(key) || c.at(key).is_null()) return Status::Ok();
  std::string field = std::string("compose.") + key;
  if (!c.at(key).is_array()) return Status::Invalid(field + " must be an array of strings", field);
  for (size_t i = 0; i < c.at(key).size(); ++i) {
    std::string item;
    if (Status s = check(c.at(key)[i], field + "[" + std::to_string(i) + "]", &item); !s.ok())
      return s;
    out->push_back(std::move(item));
  }
  return Status::Ok();
}

Status ReadProfile(const json& value, const std::string& field, std::string* out) {
  if (!value.is_string()) return Status::Invalid(field + " must be a string", field);
  *out = value.get<std::string>();
  // Compose's own rule for profile names.
  bool ok = !out->empty() && isalnum(static_cast<unsigned char>((*out)[0]));
  for (char ch : *out)
    ok = ok && (isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '.' || ch == '-');
  if (!ok) return Status::Invalid(field + " must match [a-zA-Z0-9][a-zA-Z0-9_.-]*", field);
  return Status::Ok();
}

Status ReadVariables(const json& c, ComposeSpec* compose) {
  if (!c.contains("variables") || c.at("variables").is_null()) return Status::Ok();
  const json& v = c.at("variables");
  if (!v.is_object())
    return Status::Invalid("compose.variables must be an object of strings", "compose.variables");
  for (const auto& [name, value] : v.items()) {
    std::string field = "compose.variables." + name;
    bool ok = !name.empty() && (isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_');
    for (char ch : name) ok = ok && (isalnum(static_cast<unsigned char>(ch)) || ch == '_');
    if (!ok)
      return Status::Invalid("compose.variables name '" + name +
                                 "' must match [A-Za-z_][A-Za-z0-9_]*",
                             field);
    if (!value.is_string()) return Status::Invalid(field + " must be a string", field);
    std::string text = value.get<std::string>();
    if (text.find('\0') != std::string::npos)
      return Status::Invalid(field + " must not contain a NUL byte", field);
    compose->variables[name] = std::move(text);
  }
  return Status::Ok();
}

bool IsExecutable(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0;
}

// `name` found on PATH, or "".
std::string OnPath(const std::string& name) {
  const char* path = getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string candidate = dirs.substr(start, end - start) + "/" + name;
    if (end > start && IsExecutable(candidate)) return candidate;
    start = end + 1;
  }
  return "";
}

Status ReadTarget(const json& c, ComposeSpec* compose) {
  if (!c.contains("target") || c.at("target").is_null()) return Status::Ok();
  const json& t = c.at("target");
  if (t == "local") return Status::Ok();
  if (t != "swarm")
    return Status::Invalid("compose.target must be \"local\" or \"swarm\"", "compose.target");
  compose->target = ComposeTarget::kSwarm;
  // `docker stack deploy` interpolates from its environment only, and runs every service.
  if (!compose->env_files.empty())
    return Status::Invalid(
        "compose.env_files is not for compose.target swarm: docker stack deploy has no "
        "--env-file; give the variables in compose.variables",
        "compose.env_files");
  if (!compose->profiles.empty())
    return Status::Invalid(
        "compose.profiles is not for compose.target swarm: docker stack deploy runs every "
        "service and has no --profile",
        "compose.profiles");
  return Status::Ok();
}

}  // namespace

const char* to_string(ComposeTarget target) {
  return target == ComposeTarget::kSwarm ? "swarm" : "local";
}

bool IsComposeField(const std::string& key) { return key == "compose"; }

Status ParseComposePart(const json& j, ComposeSpec* compose) {
  if (!j.contains("compose") || j.at("compose").is_null()) return Status::Ok();
  const json& c = j.at("compose");
  if (!c.is_object())
    return Status::Invalid("compose must be an object {file, includes, variables, ...}",
                           "compose");
  for (const auto& [key, value] : c.items())
    if (!kComposeFields.count(key))
      return Status::Invalid("compose has no field '" + key + "'", "compose." + key);
  // "" is the default file, as the canonical JSON shows it.
  if (c.contains("file") && !c.at("file").is_null() && c.at("file") != "")
    if (Status s = ReadPath(c.at("file"), "compose.file", &compose->file); !s.ok()) return s;
  if (Status s = ReadList(c, "includes", ReadPath, &compose->includes); !s.ok()) return s;
  if (Status s = ReadList(c, "env_files", ReadPath, &compose->env_files); !s.ok()) return s;
  if (Status s = ReadList(c, "profiles", ReadProfile, &compose->profiles); !s.ok()) return s;
  if (Status s = ReadVariables(c, compose); !s.ok()) return s;
  return ReadTarget(c, compose);
}

void ComposePartToJson(const ComposeSpec& compose, json* j) {
  (*j)["compose"] = {{"file", compose.file},
                     {"includes", compose.includes},
                     {"variables", compose.variables},
                     {"env_files", compose.env_files},
                     {"profiles", compose.profiles},
                     {"target", to_string(compose.target)}};
}

std::string ComposeProjectName(const std::string& app) { return "berth-" + app; }

Result<std::string> FindDockerCli() {
  if (std::string docker = OnPath("docker"); !docker.empty()) return docker;
  return Status::NotFound("the docker CLI is not installed (docker stack deploy runs it): install "
                          "Debian's docker.io package");
}

Result<ComposeTool> FindComposeTool() {
  // The v2 plugin where the docker CLI looks for it (no process is run: nothing blocks).
  std::string docker = OnPath("docker");
  const char* home = getenv("HOME");
  std::vector<std::string> plugin_dirs = {"/usr/local/lib/docker/cli-plugins",
                                          "/usr/local/libexec/docker/cli-plugins",
                                          "/usr/lib/docker/cli-plugins",
                                          "/usr/libexec/docker/cli-plugins"};
  if (home) plugin_dirs.insert(plugin_dirs.begin(), std::string(home) + "/.docker/cli-plugins");
  if (!docker.empty())
    for (const std::string& dir : plugin_dirs)
      if (IsExecutable(dir + "/docker-compose"))
        return ComposeTool{{docker, "compose"},
                           "docker compose (v2, plugin " + dir + "/docker-compose)"};
  if (std::string v1 = OnPath("docker-compose"); !v1.empty())
    return ComposeTool{{v1}, "docker-compose (" + v1 + ")", /*v1=*/true};
  return Status::NotFound(
      "neither `docker compose` (v2) nor `docker-compose` (v1) is installed: install Debian's "
      "docker-compose package or the Compose v2 plugin");
}

std::vector<std::string> ComposeCommand(const ComposeTool& tool, const std::string& app,
                                        const ComposeSpec& compose, const std::string& workdir,
                                        const std::string& file,
                                        const std::vector<std::string>& command) {
  std::vector<std::string> argv = tool.argv;
  argv.insert(argv.end(), {"--project-name", ComposeProjectName(app), "--project-directory",
                           workdir, "-f", workdir + "/" + file});
  for (const std::string& include : compose.includes)
    argv.insert(argv.end(), {"-f", workdir + "/" + include});
  for (const std::string& env_file : compose.env_files)
    argv.insert(argv.end(), {"--env-file", workdir + "/" + env_file});
  for (const std::string& profile : compose.profiles) argv.insert(argv.end(), {"--profile", profile});
  argv.insert(argv.end(), command.begin(), command.end());
  return argv;
}

}  // namespace berth
