// AppSpec: what an app is (API.md "App"): parsed and validated from JSON, serialised back in
// canonical form. The same JSON is the body of PUT /v1/apps/{name} and an apps.d file.
// The fields every kind shares live in AppSpec itself; what only one kind has lives in its
// part (ProcessSpec in process_spec.h, ContainerSpec in container_spec.h, ComposeSpec in
// compose_spec.h), held in AppSpec::part.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "base/status.h"
#include "supervise/log_ring.h"
#include "supervise/compose_spec.h"
#include "supervise/container_spec.h"
#include "supervise/deploy_spec.h"
#include "supervise/health_spec.h"
#include "supervise/process_spec.h"
#include "supervise/route_spec.h"
#include "supervise/start_limiter.h"

namespace berth {

// In the order of AppSpec::Part's alternatives.
enum class AppKind { kProcess, kContainer, kCompose };
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


inline constexpr char kMaskedSecret[] = "***";

struct AppSpec {
  using Part = std::variant<ProcessSpec, ContainerSpec, ComposeSpec>;

  std::string name;
  std::map<std::string, std::string> env;
  // Given to the app as environment variables like env, but stored sealed and shown as "***".
  std::map<std::string, std::string> secrets;
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
  std::optional<SourceSpec> source;  // deploys from Git or a tarball
  DeploySpec deploy;                 // when it deploys: by hand, polling, webhook
  std::vector<RouteSpec> routes;     // the hosts and paths the proxy sends to it
  std::optional<HealthSpec> health;  // how berth checks that it serves; none: not checked
  Part part;                         // what only this kind of app has; a process by default

  // The kind is that of the part: there is no other record of it.
  AppKind kind() const { return static_cast<AppKind>(part.index()); }
  // The process part, or nullptr for an app of another kind.
  const ProcessSpec* process() const { return std::get_if<ProcessSpec>(&part); }
  ProcessSpec* process() { return std::get_if<ProcessSpec>(&part); }
  // The container part, or nullptr for an app of another kind.
  const ContainerSpec* container() const { return std::get_if<ContainerSpec>(&part); }
  ContainerSpec* container() { return std::get_if<ContainerSpec>(&part); }
  // The compose part, or nullptr for an app of another kind.
  const ComposeSpec* compose() const { return std::get_if<ComposeSpec>(&part); }
  ComposeSpec* compose() { return std::get_if<ComposeSpec>(&part); }

  bool operator==(const AppSpec&) const = default;
};

static_assert(std::is_same_v<
              std::variant_alternative_t<static_cast<size_t>(AppKind::kProcess), AppSpec::Part>,
              ProcessSpec>);
static_assert(std::is_same_v<
              std::variant_alternative_t<static_cast<size_t>(AppKind::kContainer), AppSpec::Part>,
              ContainerSpec>);
static_assert(std::is_same_v<
              std::variant_alternative_t<static_cast<size_t>(AppKind::kCompose), AppSpec::Part>,
              ComposeSpec>);

// True for names matching ^[a-z][a-z0-9-]{0,31}$.
bool IsValidAppName(std::string_view name);

// Validates `json` as an app definition: the common fields, then those of its kind (a field of
// another kind is an unknown field). `name` is the name
// from the URL or file name; a "name" in the body must match it. Read-only members of
// responses ("source", "status", "defined_by") are accepted and ignored, so a GET body can be
// PUT back.
Result<AppSpec> ParseAppSpec(const nlohmann::json& json, const std::string& name);

// The canonical JSON of a spec, every field present. Secrets (a source's token) read "***"
// unless `reveal_secrets`.
nlohmann::json AppSpecToJson(const AppSpec& spec, bool reveal_secrets = false);

// True when going from `a` to `b` changes how the app runs, so a running app must restart: a
// change of kind, env, what is deployed, or what its part says about running.
bool ChangesHowItRuns(const AppSpec& a, const AppSpec& b);
// True when going from `a` to `b` needs a new deployment (another kind, source, install or
// image).
bool ChangesWhatIsDeployed(const AppSpec& a, const AppSpec& b);
// True when going from `a` to `b` needs a new release even of the revision already serving:
// the release would be built otherwise (a process app's install, the source's subdir, a
// compose app's files, variables, env files or profiles).
bool ChangesHowReleasesAreBuilt(const AppSpec& a, const AppSpec& b);

// True for a compose app with compose.target swarm (a Swarm stack, swarm_runtime.h).
bool IsSwarmStack(const AppSpec& spec);

// The port of the app that `route` goes to: its own, else the app's (a process's `port`, a
// container's first port); nullopt when neither says.
std::optional<int> RoutePort(const AppSpec& spec, const RouteSpec& route);

// The port an http or tcp health check of `spec` probes: health.port, else as RoutePort
// chooses; nullopt when there is none (or no check).
std::optional<int> HealthPort(const AppSpec& spec);
// Why `spec` cannot run its new release beside the old one during a deploy ("" when it can):
// a process app is given a fresh PORT, so its routes and check must use its own port; a
// container's second instance cannot bind the host ports the first one holds.
std::string ZeroDowntimeObstacle(const AppSpec& spec);
// Whether deploys of `spec` start the new release beside the old and switch traffic once it is
// healthy: deploy.zero_downtime, or when that is null, whether the app has routes and a health
// check and nothing stands in the way.
bool ZeroDowntime(const AppSpec& spec);

// The signal number for a stop_signal name (TERM, INT, QUIT, HUP, KILL, USR1, USR2); 0 if none.
int StopSignalNumber(const std::string& name);

}  // namespace berth
