// ComposeSpec: the part of an app definition that only Compose stacks have (which compose files
// of the source to run, with which variables, env files and profiles), with its JSON fields, and
// the Compose command lines every compose step uses. AppSpec (app_spec.h) holds it.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/status.h"

namespace berth {

// Where a compose app runs: with the Compose tool on this Docker host, or as a Swarm stack
// (`docker stack deploy`) on the swarm whose manager berthd talks to (swarm_runtime.h).
enum class ComposeTarget { kLocal, kSwarm };
const char* to_string(ComposeTarget target);

struct ComposeSpec {
  // The compose file, relative to the release's workdir (the source's root or subdir). Empty:
  // the first of kDefaultComposeFiles that exists there.
  std::string file;
  std::vector<std::string> includes;  // more files, each given as another -f, in order
  // Given to Compose as environment, for ${VAR} in the files. The app's `env` and `secrets`
  // are given too (secrets never written to disk).
  std::map<std::string, std::string> variables;
  std::vector<std::string> env_files;  // --env-file, relative to the workdir
  std::vector<std::string> profiles;   // --profile
  ComposeTarget target = ComposeTarget::kLocal;
  // Not part of the definition: the workdir of the release a launch runs (set by the App).
  std::string release_workdir;
  bool operator==(const ComposeSpec&) const = default;
};

// Looked for in this order when `file` is empty, as Compose itself does.
inline constexpr const char* kDefaultComposeFiles[] = {"compose.yaml", "compose.yml",
                                                       "docker-compose.yml", "docker-compose.yaml"};

// True for the JSON fields of the compose part ("compose").
bool IsComposeField(const std::string& key);
// Reads the compose part of the app definition `json` into `*compose`; Invalid naming the field
// at fault.
Status ParseComposePart(const nlohmann::json& json, ComposeSpec* compose);
// Adds the canonical JSON of `compose` to `*json`.
void ComposePartToJson(const ComposeSpec& compose, nlohmann::json* json);

// The Compose project of app `app`: its containers carry the label
// com.docker.compose.project=<this>.
std::string ComposeProjectName(const std::string& app);

// Which Compose berthd runs: `docker compose` (v2) when the docker CLI has the plugin, else
// Debian's `docker-compose` (v1).
struct ComposeTool {
  std::vector<std::string> argv;  // {"docker", "compose"} or {"/usr/bin/docker-compose"}
  std::string description;       // "docker compose v2.24.1", "docker-compose 1.29.2"
  bool v1 = false;               // Debian's docker-compose 1.x: one --env-file at most
};
// Finds the tool once (it runs `docker compose version`, blocking for at most a second: call it
// at startup or in a child, not per request). NotFound naming both when neither is installed.
Result<ComposeTool> FindComposeTool();

// The docker CLI on PATH (for `docker stack`); NotFound when it is not installed.
Result<std::string> FindDockerCli();

// The argv of `tool` running `command` (e.g. {"up", "-d"}) on the stack of app `app` whose
// release workdir is `workdir`: project name, every -f file, --env-file and --profile in order.
// REQUIRES: `file` is resolved (not empty).
std::vector<std::string> ComposeCommand(const ComposeTool& tool, const std::string& app,
                                        const ComposeSpec& compose, const std::string& workdir,
                                        const std::string& file,
                                        const std::vector<std::string>& command);

}  // namespace berth
