// Parsing and validating app definitions: the fields every kind shares, and the dispatch to
// the part of each kind (process_spec.cc).
#include "supervise/app_spec.h"

#include <signal.h>

#include <set>

#include "supervise/spec_fields.h"

namespace berth {
namespace {

using nlohmann::json;

// The fields of every kind, read-only ones of responses ("status", "defined_by") included.
const std::set<std::string> kCommonFields = {
    "name",        "kind",         "env",         "autostart",   "restart", "start_seconds",
    "stop_signal", "stop_timeout", "backoff",     "max_retries", "source",  "status",
    "defined_by",  "priority",     "start_limit", "log_forward", "log_ring", "secrets",
    "deploy",      "routes",       "health"};

bool IsValidEnvName(const std::string& name) {
  if (name.empty() || !(isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_'))
    return false;
  for (char c : name)
    if (!(isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

// Reads `j[key]` ("env" or "secrets"): names of environment variables to strings.
Status ParseVariables(const json& j, const std::string& key,
                      std::map<std::string, std::string>* out) {
  if (!j.contains(key) || j.at(key).is_null()) return Status::Ok();
  const json& e = j.at(key);
  if (!e.is_object()) return Status::Invalid(key + " must be an object of strings", key);
  for (const auto& [name, value] : e.items()) {
    std::string field = key + "." + name;
    if (!IsValidEnvName(name))
      return Status::Invalid(key + " name '" + name + "' must match [A-Za-z_][A-Za-z0-9_]*",
                             field);
    if (!value.is_string()) return Status::Invalid(field + " must be a string", field);
    std::string v = value.get<std::string>();
    if (v.find('\0') != std::string::npos)
      return Status::Invalid(field + " must not contain a NUL byte", field);
    (*out)[name] = std::move(v);
  }
  return Status::Ok();
}

Status ParseEnv(const json& j, AppSpec* spec) {
  if (Status s = ParseVariables(j, "env", &spec->env); !s.ok()) return s;
  if (Status s = ParseVariables(j, "secrets", &spec->secrets); !s.ok()) return s;
  for (const auto& [name, value] : spec->secrets)
    if (spec->env.count(name))
      return Status::Invalid(name + " is both in env and in secrets; keep it in one",
                             "secrets." + name);
  return Status::Ok();
}

// The kind `j` names ("process" when none); a kind the parser does not accept yet, or a "kind"
// that is no string, is an error naming "kind".
Result<AppKind> ReadKind(const json& j) {
  std::string kind = "process";
  if (Status s = ReadSpecString(j, "kind", &kind); !s.ok()) return s;
  if (kind == to_string(AppKind::kProcess)) return AppKind::kProcess;
  if (kind == to_string(AppKind::kContainer)) return AppKind::kContainer;
  if (kind == to_string(AppKind::kCompose)) return AppKind::kCompose;
  return Status::Invalid(
      "kind must be \"process\", \"container\" or \"compose\" (got \"" + kind + "\")", "kind");
}

Status CheckKnownFields(const json& j, AppKind kind) {
  auto known = [kind](const std::string& key) {
    if (kCommonFields.count(key)) return true;
    switch (kind) {
      case AppKind::kProcess:
        return IsProcessField(key);
      case AppKind::kContainer:
        return IsContainerField(key);
      case AppKind::kCompose:
        return IsComposeField(key);
    }
    return false;
  };
  for (const auto& [key, value] : j.items())
    if (!known(key)) return Status::Invalid("unknown field '" + key + "'", key);
  return Status::Ok();
}

// Reads the part of `kind` into spec->part; the common fields are read already.
Status ParsePart(const json& j, AppKind kind, AppSpec* spec) {
  switch (kind) {
    case AppKind::kProcess: {
      ProcessSpec process;
      if (Status s = ParseProcessPart(j, spec->source.has_value(), &process); !s.ok()) return s;
      spec->part = std::move(process);
      return Status::Ok();
    }
    case AppKind::kContainer: {
      if (spec->source)
        return Status::Invalid("a container app runs its image: it has no source", "source");
      ContainerSpec container;
      if (Status s = ParseContainerPart(j, &container); !s.ok()) return s;
      spec->part = std::move(container);
      return Status::Ok();
    }
    case AppKind::kCompose: {
      if (!spec->source)
        return Status::Invalid(
            "a compose app runs the compose files of its source: give source.git (or "
            "source.tarball)",
            "source");
      ComposeSpec compose;
      if (Status s = ParseComposePart(j, &compose); !s.ok()) return s;
      spec->part = std::move(compose);
      return Status::Ok();
    }
  }
  return Status::Invalid(std::string("kind \"") + to_string(kind) + "\" is not supported", "kind");
}

Status ParseEnums(const json& j, AppSpec* spec) {
  std::string restart = to_string(spec->restart);
  if (Status s = ReadSpecString(j, "restart", &restart); !s.ok()) return s;
  if (restart == "always")
    spec->restart = RestartPolicy::kAlways;
  else if (restart == "on-failure")
    spec->restart = RestartPolicy::kOnFailure;
  else if (restart == "never")
    spec->restart = RestartPolicy::kNever;
  else
    return Status::Invalid("restart must be always, on-failure or never, not \"" + restart + "\"",
                           "restart");
  if (Status s = ReadSpecString(j, "stop_signal", &spec->stop_signal); !s.ok()) return s;
  if (StopSignalNumber(spec->stop_signal) == 0)
    return Status::Invalid("stop_signal must be one of TERM INT QUIT HUP KILL USR1 USR2",
                           "stop_signal");
  return Status::Ok();
}

Status ParseNumbers(const json& j, AppSpec* spec) {
  if (Status s =
          ReadSpecNumber(j, "start_seconds", "start_seconds", 0, 3600, false, &spec->start_seconds);
      !s.ok())
    return s;
  if (Status s =
          ReadSpecNumber(j, "stop_timeout", "stop_timeout", 0, 86400, false, &spec->stop_timeout);
      !s.ok())
    return s;
  double retries = spec->max_retries;
  if (Status s = ReadSpecNumber(j, "max_retries", "max_retries", 0, 1000000, true, &retries);
      !s.ok())
    return s;
  spec->max_retries = static_cast<int>(retries);
  double priority = spec->priority;
  if (Status s = ReadSpecNumber(j, "priority", "priority", 0, 999999, true, &priority); !s.ok())
    return s;
  spec->priority = static_cast<int>(priority);
  if (j.contains("autostart")) {
    if (!j.at("autostart").is_boolean())
      return Status::Invalid("autostart must be true or false", "autostart");
    spec->autostart = j.at("autostart").get<bool>();
  }
  return Status::Ok();
}

// Checks that `key`, when present, is an object with only the `allowed` fields; `shape` is
// how the message shows it. Sets `*present`.
Status ReadObject(const json& j, const std::string& key, const std::set<std::string>& allowed,
                  const std::string& shape, bool* present) {
  *present = j.contains(key) && !j.at(key).is_null();
  if (!*present) return Status::Ok();
  const json& o = j.at(key);
  if (!o.is_object()) return Status::Invalid(key + " must be an object " + shape, key);
  for (const auto& [field, value] : o.items())
    if (!allowed.count(field))
      return Status::Invalid(key + " has no field '" + field + "'", key + "." + field);
  return Status::Ok();
}

Status ParseBackoff(const json& j, AppSpec* spec) {
  bool present;
  if (Status s =
          ReadObject(j, "backoff", {"initial_ms", "max_ms"}, "{initial_ms, max_ms}", &present);
      !s.ok() || !present)
    return s;
  const json& b = j.at("backoff");
  double initial = spec->backoff.initial_ms, max = spec->backoff.max_ms;
  if (Status s = ReadSpecNumber(b, "initial_ms", "backoff.initial_ms", 1, 3600000, true, &initial);
      !s.ok())
    return s;
  if (Status s = ReadSpecNumber(b, "max_ms", "backoff.max_ms", 1, 3600000, true, &max); !s.ok())
    return s;
  if (max < initial)
    return Status::Invalid("backoff.max_ms must not be below backoff.initial_ms", "backoff.max_ms");
  spec->backoff = {static_cast<int>(initial), static_cast<int>(max)};
  return Status::Ok();
}

Status ParseStartLimit(const json& j, AppSpec* spec) {
  bool present;
  if (Status s = ReadObject(j, "start_limit", {"burst", "interval_seconds"},
                            "{burst, interval_seconds}", &present);
      !s.ok() || !present)
    return s;
  const json& l = j.at("start_limit");
  double burst = spec->start_limit.burst;
  if (Status s = ReadSpecNumber(l, "burst", "start_limit.burst", 1, 10000, true, &burst); !s.ok())
    return s;
  spec->start_limit.burst = static_cast<int>(burst);
  return ReadSpecNumber(l, "interval_seconds", "start_limit.interval_seconds", 0, 86400, false,
                        &spec->start_limit.interval_seconds);
}

Status ParseLogging(const json& j, AppSpec* spec) {
  if (j.contains("log_forward") && !j.at("log_forward").is_null()) {
    if (!j.at("log_forward").is_boolean())
      return Status::Invalid("log_forward must be true or false", "log_forward");
    spec->log_forward = j.at("log_forward").get<bool>();
  }
  bool present;
  if (Status s = ReadObject(j, "log_ring", {"lines", "bytes"}, "{lines, bytes}", &present);
      !s.ok() || !present)
    return s;
  const json& r = j.at("log_ring");
  double lines = static_cast<double>(spec->log_ring.lines);
  double bytes = static_cast<double>(spec->log_ring.bytes);
  if (Status s = ReadSpecNumber(r, "lines", "log_ring.lines", 1, 1000000, true, &lines); !s.ok())
    return s;
  // At least one whole line (16 KiB), at most 1 GiB.
  if (Status s = ReadSpecNumber(r, "bytes", "log_ring.bytes", 16384, 1073741824, true, &bytes);
      !s.ok())
    return s;
  spec->log_ring = {static_cast<size_t>(lines), static_cast<size_t>(bytes)};
  return Status::Ok();
}

Status ReadSourceString(const json& s, const std::string& prefix, const char* key,
                        std::string* out) {
  if (!s.contains(key) || s.at(key).is_null()) return Status::Ok();
  std::string field = prefix + "." + key;
  if (!s.at(key).is_string()) return Status::Invalid(field + " must be a string", field);
  *out = s.at(key).get<std::string>();
  if (out->find('\0') != std::string::npos)
    return Status::Invalid(field + " must not contain a NUL byte", field);
  return Status::Ok();
}

bool HasScheme(const std::string& url) {
  for (const char* scheme : {"https://", "http://", "file://", "git://"})
    if (url.rfind(scheme, 0) == 0) return true;
  return false;
}

Status ParseSourceFields(const json& s, const std::string& prefix,
                         const std::set<std::string>& allowed, SourceSpec* source) {
  if (!s.is_object()) return Status::Invalid(prefix + " must be an object", prefix);
  for (const auto& [key, value] : s.items())
    if (!allowed.count(key))
      return Status::Invalid(prefix + " has no field '" + key + "'", prefix + "." + key);
  for (const auto& [key, out] :
       {std::pair{"url", &source->url}, std::pair{"ref", &source->ref},
        std::pair{"subdir", &source->subdir}, std::pair{"username", &source->username},
        std::pair{"token", &source->token}, std::pair{"sha256", &source->sha256}})
    if (Status st = ReadSourceString(s, prefix, key, out); !st.ok()) return st;
  if (source->url.empty()) return Status::Invalid(prefix + ".url is required", prefix + ".url");
  if (!HasScheme(source->url))
    return Status::Invalid(prefix + ".url must start with https://, http://, file://" +
                               (source->type == SourceSpec::Type::kGit ? " or git://" : ""),
                           prefix + ".url");
  size_t scheme_end = source->url.find("://") + 3;
  size_t authority_end = source->url.find_first_of("/?#", scheme_end);
  if (source->url.substr(scheme_end, authority_end - scheme_end).find('@') != std::string::npos)
    return Status::Invalid(prefix + ".url must not hold credentials" +
                               (source->type == SourceSpec::Type::kGit
                                    ? ": give them as source.git.username and source.git.token"
                                    : ""),
                           prefix + ".url");
  if (!IsSafeRelativePath(source->subdir))
    return Status::Invalid(prefix + ".subdir must be a relative path without '..'",
                           prefix + ".subdir");
  return Status::Ok();
}

Status ParseSource(const json& j, AppSpec* spec) {
  // A response's "source" may be "api" or "file" (who defined the app): read-only, ignored.
  if (!j.contains("source") || j.at("source").is_null() || j.at("source").is_string())
    return Status::Ok();
  const json& s = j.at("source");
  if (!s.is_object() || s.size() != 1 || !(s.contains("git") || s.contains("tarball")))
    return Status::Invalid("source must be {\"git\": {...}} or {\"tarball\": {...}}", "source");
  SourceSpec source;
  if (s.contains("git")) {
    source.type = SourceSpec::Type::kGit;
    if (Status st = ParseSourceFields(s.at("git"), "source.git",
                                      {"url", "ref", "subdir", "username", "token"}, &source);
        !st.ok())
      return st;
  } else {
    source.type = SourceSpec::Type::kTarball;
    if (Status st = ParseSourceFields(s.at("tarball"), "source.tarball",
                                      {"url", "subdir", "sha256"}, &source);
        !st.ok())
      return st;
    bool hex = source.sha256.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos;
    if (!source.sha256.empty() && (source.sha256.size() != 64 || !hex))
      return Status::Invalid("source.tarball.sha256 must be 64 hex digits",
                             "source.tarball.sha256");
  }
  spec->source = std::move(source);
  return Status::Ok();
}

// A strategy that deploys on its own needs something to look at: a Git source to poll or to
// be notified of, or a container's image tag.
Status CheckDeployStrategy(const AppSpec& spec) {
  bool git = spec.source && spec.source->type == SourceSpec::Type::kGit;
  switch (spec.deploy.strategy) {
    case DeployStrategy::kManual:
      return Status::Ok();
    case DeployStrategy::kPolling:
      if (git || spec.kind() == AppKind::kContainer) return Status::Ok();
      return Status::Invalid(
          "deploy.strategy polling needs a source.git to poll (or a container app's image)",
          "deploy.strategy");
    case DeployStrategy::kWebhook:
      if (git || spec.kind() == AppKind::kContainer) return Status::Ok();
      return Status::Invalid(
          "deploy.strategy webhook needs a source.git to deploy (or a container app's image)",
          "deploy.strategy");
  }
  return Status::Ok();
}

// Every route must lead to a port; a compose stack's to a service too.
Status CheckRoutes(const AppSpec& spec) {
  if (IsSwarmStack(spec) && !spec.routes.empty())
    return Status::Invalid(
        "routes are not for compose.target swarm: the built-in proxy does not reach a swarm's "
        "services; publish a port (the swarm's ingress serves it) or run a proxy in the stack",
        "routes");
  for (size_t i = 0; i < spec.routes.size(); ++i) {
    const RouteSpec& route = spec.routes[i];
    std::string at = "routes[" + std::to_string(i) + "]";
    if (spec.kind() == AppKind::kCompose && route.service.empty())
      return Status::Invalid(at + ".service is required: the compose service the route goes to",
                             at + ".service");
    if (spec.kind() != AppKind::kCompose && !route.service.empty())
      return Status::Invalid(at + ".service is only for compose apps", at + ".service");
    if (!RoutePort(spec, route))
      return Status::Invalid(at + ".port is required: the app has no port of its own to route to",
                             at + ".port");
  }
  return Status::Ok();
}

// An http or tcp check needs a port to probe; a compose stack's names the service too; a
// compose stack's services have healthchecks of their own for commands.
Status CheckHealth(const AppSpec& spec) {
  if (!spec.health) return Status::Ok();
  const HealthSpec& health = *spec.health;
  bool compose = spec.kind() == AppKind::kCompose;
  if (IsSwarmStack(spec))
    return Status::Invalid(
        "health is not for compose.target swarm: give the service a healthcheck in its compose "
        "file (Swarm runs it, and a deployment waits for it)",
        "health");
  if (compose && health.type == HealthProbeType::kExec)
    return Status::Invalid(
        "health.exec is not for compose apps: give the service a healthcheck in its compose "
        "file, or check it with health.http or health.tcp",
        "health.exec");
  if (!compose && !health.service.empty())
    return Status::Invalid("health.service is only for compose apps", "health.service");
  if (compose && health.service.empty())
    return Status::Invalid("health.service is required: the compose service to check",
                           "health.service");
  if (health.type != HealthProbeType::kExec && !HealthPort(spec))
    return Status::Invalid("health.port is required: the app has no port of its own to check",
                           "health.port");
  return Status::Ok();
}

// deploy.zero_downtime: true only where it can be kept.
Status CheckZeroDowntime(const AppSpec& spec) {
  if (!spec.deploy.zero_downtime.value_or(false)) return Status::Ok();
  std::string obstacle = ZeroDowntimeObstacle(spec);
  if (obstacle.empty() && !spec.health)
    obstacle = "it needs a health check, to tell when the new instance is ready";
  if (obstacle.empty()) return Status::Ok();
  return Status::Invalid("deploy.zero_downtime cannot be true: " + obstacle,
                         "deploy.zero_downtime");
}

json SourceToJson(const SourceSpec& source, bool reveal_secrets) {
  json fields = {{"url", source.url}, {"subdir", source.subdir}};
  if (source.type == SourceSpec::Type::kTarball) {
    fields["sha256"] = source.sha256;
    return {{"tarball", fields}};
  }
  fields["ref"] = source.ref;
  fields["username"] = source.username;
  fields["token"] = source.token.empty() || reveal_secrets ? source.token : kMaskedSecret;
  return {{"git", fields}};
}

}  // namespace

const char* to_string(AppKind kind) {
  switch (kind) {
    case AppKind::kProcess:
      return "process";
    case AppKind::kContainer:
      return "container";
    case AppKind::kCompose:
      return "compose";
  }
  return "process";
}

const char* to_string(RestartPolicy policy) {
  switch (policy) {
    case RestartPolicy::kAlways:
      return "always";
    case RestartPolicy::kOnFailure:
      return "on-failure";
    case RestartPolicy::kNever:
      return "never";
  }
  return "on-failure";
}

bool IsValidAppName(std::string_view name) {
  if (name.empty() || name.size() > 32 || name[0] < 'a' || name[0] > 'z') return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return true;
}

std::optional<int> RoutePort(const AppSpec& spec, const RouteSpec& route) {
  if (route.port) return route.port;
  if (const ProcessSpec* process = spec.process()) return process->port;
  if (const ContainerSpec* container = spec.container(); container && !container->ports.empty())
    return container->ports.front().container;
  return std::nullopt;
}

std::optional<int> HealthPort(const AppSpec& spec) {
  if (!spec.health) return std::nullopt;
  return RoutePort(spec, RouteSpec{.port = spec.health->port});
}

std::string ZeroDowntimeObstacle(const AppSpec& spec) {
  if (const ProcessSpec* process = spec.process()) {
    if (!spec.source) return "the app has no source to deploy";
    if (!process->port) return "the app needs a port, given to each instance as PORT";
    for (const RouteSpec& route : spec.routes)
      if (route.port && route.port != process->port)
        return "route to port " + std::to_string(*route.port) +
               ": only the app's own port moves with each instance";
    if (spec.health && spec.health->port && spec.health->port != process->port)
      return "health.port " + std::to_string(*spec.health->port) +
             ": only the app's own port moves with each instance";
    return "";
  }
  if (const ContainerSpec* container = spec.container()) {
    if (container->network == "host")
      return "with network \"host\" two containers cannot listen on the same port";
    for (const ContainerPort& port : container->ports)
      if (port.host)
        return "host port " + std::to_string(port.host) +
               " is published: the new container cannot bind it beside the old (route to the "
               "container port without publishing it)";
    return "";
  }
  return "compose stacks are brought up in place by their deployments";
}

bool ZeroDowntime(const AppSpec& spec) {
  if (spec.deploy.zero_downtime) return *spec.deploy.zero_downtime;
  return !spec.routes.empty() && spec.health && ZeroDowntimeObstacle(spec).empty();
}

int StopSignalNumber(const std::string& name) {
  static const std::map<std::string, int> kSignals = {
      {"TERM", SIGTERM}, {"INT", SIGINT},   {"QUIT", SIGQUIT}, {"HUP", SIGHUP},
      {"KILL", SIGKILL}, {"USR1", SIGUSR1}, {"USR2", SIGUSR2}};
  auto it = kSignals.find(name);
  return it == kSignals.end() ? 0 : it->second;
}

Result<AppSpec> ParseAppSpec(const json& j, const std::string& name) {
  if (!j.is_object()) return Status::Invalid("an app must be a JSON object");
  // Until a bad kind is reported (after the name), fields are checked as for a process.
  Result<AppKind> kind = ReadKind(j);
  if (Status s = CheckKnownFields(j, kind.ok() ? *kind : AppKind::kProcess); !s.ok()) return s;
  AppSpec spec;
  spec.name = name;
  if (j.contains("name")) {
    if (!j.at("name").is_string() || j.at("name").get<std::string>() != name)
      return Status::Invalid("name in the body must be \"" + name + "\", as in the URL", "name");
  }
  if (!IsValidAppName(name))
    return Status::Invalid("name must match ^[a-z][a-z0-9-]{0,31}$ (got \"" + name + "\")", "name");
  if (!kind.ok()) return kind.status();
  for (auto* parse : {&ParseEnums, &ParseSource, &ParseEnv, &ParseNumbers, &ParseBackoff,
                      &ParseStartLimit, &ParseLogging})
    if (Status s = parse(j, &spec); !s.ok()) return s;
  if (Status s = ParsePart(j, *kind, &spec); !s.ok()) return s;
  if (Status s = ParseDeploySpec(j, &spec.deploy); !s.ok()) return s;
  if (Status s = CheckDeployStrategy(spec); !s.ok()) return s;
  if (Status s = ParseRoutes(j, &spec.routes); !s.ok()) return s;
  if (Status s = CheckRoutes(spec); !s.ok()) return s;
  if (Status s = ParseHealthSpec(j, &spec.health); !s.ok()) return s;
  if (Status s = CheckHealth(spec); !s.ok()) return s;
  if (Status s = CheckZeroDowntime(spec); !s.ok()) return s;
  return spec;
}

json AppSpecToJson(const AppSpec& spec, bool reveal_secrets) {
  json j = {{"name", spec.name}, {"kind", to_string(spec.kind())}};
  j["env"] = spec.env;
  j["secrets"] = json::object();
  for (const auto& [name, value] : spec.secrets)
    j["secrets"][name] = reveal_secrets ? value : kMaskedSecret;
  j["autostart"] = spec.autostart;
  j["restart"] = to_string(spec.restart);
  j["start_seconds"] = SpecNumber(spec.start_seconds);
  j["stop_signal"] = spec.stop_signal;
  j["stop_timeout"] = SpecNumber(spec.stop_timeout);
  j["backoff"] = {{"initial_ms", spec.backoff.initial_ms}, {"max_ms", spec.backoff.max_ms}};
  j["max_retries"] = spec.max_retries;
  j["start_limit"] = {{"burst", spec.start_limit.burst},
                      {"interval_seconds", SpecNumber(spec.start_limit.interval_seconds)}};
  j["log_forward"] = spec.log_forward;
  j["log_ring"] = {{"lines", spec.log_ring.lines}, {"bytes", spec.log_ring.bytes}};
  j["priority"] = spec.priority;
  if (spec.source) j["source"] = SourceToJson(*spec.source, reveal_secrets);
  j["deploy"] = DeploySpecToJson(spec.deploy, reveal_secrets);
  j["routes"] = RoutesToJson(spec.routes);
  j["health"] = HealthSpecToJson(spec.health);
  switch (spec.kind()) {
    case AppKind::kProcess:
      ProcessPartToJson(*spec.process(), spec.source.has_value(), &j);
      break;
    case AppKind::kContainer:
      ContainerPartToJson(*spec.container(), reveal_secrets, &j);
      break;
    case AppKind::kCompose:
      ComposePartToJson(*spec.compose(), &j);
      break;
  }
  return j;
}

bool IsSwarmStack(const AppSpec& spec) {
  const ComposeSpec* compose = spec.compose();
  return compose && compose->target == ComposeTarget::kSwarm;
}

bool ChangesHowItRuns(const AppSpec& a, const AppSpec& b) {
  if (a.env != b.env || a.secrets != b.secrets || ChangesWhatIsDeployed(a, b))
    return true;  // a change of kind included
  switch (a.kind()) {
    case AppKind::kProcess:
      return ProcessChangesHowItRuns(*a.process(), *b.process());
    case AppKind::kContainer:
      return ContainerChangesHowItRuns(*a.container(), *b.container());
    case AppKind::kCompose:
      return *a.compose() != *b.compose();
  }
  return true;
}

bool ChangesHowReleasesAreBuilt(const AppSpec& a, const AppSpec& b) {
  if (a.kind() != b.kind()) return true;
  if (a.source && b.source && a.source->subdir != b.source->subdir) return true;
  if (const ComposeSpec* compose = a.compose()) return *compose != *b.compose();
  const ProcessSpec* process = a.process();
  return process && process->install != b.process()->install;
}

bool ChangesWhatIsDeployed(const AppSpec& a, const AppSpec& b) {
  if (a.kind() != b.kind() || a.source != b.source) return true;
  if (const ContainerSpec* container = a.container())
    return container->image != b.container()->image;
  if (const ComposeSpec* compose = a.compose()) return *compose != *b.compose();
  const ProcessSpec* process = a.process();
  return process && process->install != b.process()->install;
}

}  // namespace berth
