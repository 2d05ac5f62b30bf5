// Parsing and validating app definitions.
#include "supervise/app_spec.h"

#include <signal.h>

#include <cmath>
#include <set>

namespace berth {
namespace {

using nlohmann::json;

const std::set<std::string> kKnownFields = {
    "name",        "kind",         "command",         "directory",   "user",
    "env",         "port",         "autostart",       "restart",     "start_seconds",
    "stop_signal", "stop_timeout", "backoff",         "max_retries", "source",
    "status",      "install",      "install_options", "defined_by",  "priority",
    "start_limit", "log_forward",  "log_ring"};

bool IsValidEnvName(const std::string& name) {
  if (name.empty() || !(isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_'))
    return false;
  for (char c : name)
    if (!(isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

bool IsValidUserName(const std::string& name) {
  if (name.empty() || name.size() > 32 || name[0] == '-') return false;
  for (char c : name)
    if (!(isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.')) return false;
  return true;
}

// Whole numbers print as such (1, not 1.0).
json Number(double d) {
  if (d == std::floor(d) && std::fabs(d) < 1e15) return json(static_cast<int64_t>(d));
  return json(d);
}

// Reads a number field within [min, max]; integers only when `integral`.
Status ReadNumber(const json& j, const char* key, const std::string& field, double min, double max,
                  bool integral, double* out) {
  if (!j.contains(key) || j.at(key).is_null()) return Status::Ok();
  const json& v = j.at(key);
  std::string range = " from " + Number(min).dump() + " to " + Number(max).dump();
  if (!v.is_number() || (integral && !v.is_number_integer()))
    return Status::Invalid(field + " must be " + (integral ? "a whole number" : "a number") + range,
                           field);
  double d = v.get<double>();
  if (!std::isfinite(d) || d < min || d > max)
    return Status::Invalid(field + " must be" + range + ", not " + v.dump(), field);
  *out = d;
  return Status::Ok();
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

Status ParseCommand(const json& j, AppSpec* spec) {
  if (!j.contains("command") || j.at("command").is_null()) {
    if (spec->source) return Status::Ok();  // chosen from the release's files
    return Status::Invalid("command is required: an argv array or a shell string", "command");
  }
  return ParseArgv(j.at("command"), "command", &spec->command, &spec->shell_command);
}

Status ParseEnv(const json& j, AppSpec* spec) {
  if (!j.contains("env")) return Status::Ok();
  const json& e = j.at("env");
  if (!e.is_object()) return Status::Invalid("env must be an object of strings", "env");
  for (const auto& [key, value] : e.items()) {
    std::string field = "env." + key;
    if (!IsValidEnvName(key))
      return Status::Invalid("env name '" + key + "' must match [A-Za-z_][A-Za-z0-9_]*", field);
    if (!value.is_string()) return Status::Invalid(field + " must be a string", field);
    std::string v = value.get<std::string>();
    if (v.find('\0') != std::string::npos)
      return Status::Invalid(field + " must not contain a NUL byte", field);
    spec->env[key] = std::move(v);
  }
  return Status::Ok();
}

Status ReadString(const json& j, const char* key, std::string* out) {
  if (!j.contains(key) || j.at(key).is_null()) return Status::Ok();
  if (!j.at(key).is_string()) return Status::Invalid(std::string(key) + " must be a string", key);
  *out = j.at(key).get<std::string>();
  return Status::Ok();
}

Status ParseEnums(const json& j, AppSpec* spec) {
  std::string kind = "process";
  if (Status s = ReadString(j, "kind", &kind); !s.ok()) return s;
  if (kind != "process")
    return Status::Invalid("kind must be \"process\" (got \"" + kind + "\")", "kind");
  std::string restart = to_string(spec->restart);
  if (Status s = ReadString(j, "restart", &restart); !s.ok()) return s;
  if (restart == "always")
    spec->restart = RestartPolicy::kAlways;
  else if (restart == "on-failure")
    spec->restart = RestartPolicy::kOnFailure;
  else if (restart == "never")
    spec->restart = RestartPolicy::kNever;
  else
    return Status::Invalid("restart must be always, on-failure or never, not \"" + restart + "\"",
                           "restart");
  if (Status s = ReadString(j, "stop_signal", &spec->stop_signal); !s.ok()) return s;
  if (StopSignalNumber(spec->stop_signal) == 0)
    return Status::Invalid("stop_signal must be one of TERM INT QUIT HUP KILL USR1 USR2",
                           "stop_signal");
  return Status::Ok();
}

Status ParsePaths(const json& j, AppSpec* spec) {
  if (Status s = ReadString(j, "directory", &spec->directory); !s.ok()) return s;
  if (!spec->directory.empty() && spec->directory[0] != '/')
    return Status::Invalid("directory must be an absolute path", "directory");
  if (spec->directory.find('\0') != std::string::npos)
    return Status::Invalid("directory must not contain a NUL byte", "directory");
  if (spec->source && !spec->directory.empty())
    return Status::Invalid(
        "directory cannot be set for an app with a source: it runs in its "
        "release (use source's subdir)",
        "directory");
  if (Status s = ReadString(j, "user", &spec->user); !s.ok()) return s;
  if (!spec->user.empty() && !IsValidUserName(spec->user))
    return Status::Invalid("user must be a user name of at most 32 letters, digits, '_', '-', '.'",
                           "user");
  return Status::Ok();
}

Status ParseNumbers(const json& j, AppSpec* spec) {
  double port = 0;
  if (Status s = ReadNumber(j, "port", "port", 1, 65535, true, &port); !s.ok()) return s;
  if (j.contains("port") && !j.at("port").is_null()) spec->port = static_cast<int>(port);
  if (Status s =
          ReadNumber(j, "start_seconds", "start_seconds", 0, 3600, false, &spec->start_seconds);
      !s.ok())
    return s;
  if (Status s =
          ReadNumber(j, "stop_timeout", "stop_timeout", 0, 86400, false, &spec->stop_timeout);
      !s.ok())
    return s;
  double retries = spec->max_retries;
  if (Status s = ReadNumber(j, "max_retries", "max_retries", 0, 1000000, true, &retries); !s.ok())
    return s;
  spec->max_retries = static_cast<int>(retries);
  double priority = spec->priority;
  if (Status s = ReadNumber(j, "priority", "priority", 0, 999999, true, &priority); !s.ok())
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
  if (Status s = ReadObject(j, "backoff", {"initial_ms", "max_ms"}, "{initial_ms, max_ms}",
                            &present);
      !s.ok() || !present)
    return s;
  const json& b = j.at("backoff");
  double initial = spec->backoff.initial_ms, max = spec->backoff.max_ms;
  if (Status s = ReadNumber(b, "initial_ms", "backoff.initial_ms", 1, 3600000, true, &initial);
      !s.ok())
    return s;
  if (Status s = ReadNumber(b, "max_ms", "backoff.max_ms", 1, 3600000, true, &max); !s.ok())
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
  if (Status s = ReadNumber(l, "burst", "start_limit.burst", 1, 10000, true, &burst); !s.ok())
    return s;
  spec->start_limit.burst = static_cast<int>(burst);
  return ReadNumber(l, "interval_seconds", "start_limit.interval_seconds", 0, 86400, false,
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
  if (Status s = ReadNumber(r, "lines", "log_ring.lines", 1, 1000000, true, &lines); !s.ok())
    return s;
  // At least one whole line (16 KiB), at most 1 GiB.
  if (Status s = ReadNumber(r, "bytes", "log_ring.bytes", 16384, 1073741824, true, &bytes);
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

bool IsSafeSubdir(const std::string& subdir) {
  if (subdir.empty()) return true;
  if (subdir[0] == '/') return false;
  size_t start = 0;
  while (start <= subdir.size()) {
    size_t end = subdir.find('/', start);
    if (end == std::string::npos) end = subdir.size();
    if (subdir.compare(start, end - start, "..") == 0) return false;
    start = end + 1;
  }
  return true;
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
  if (!IsSafeSubdir(source->subdir))
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

Status ParseInstall(const json& j, AppSpec* spec) {
  if (j.contains("install") && !j.at("install").is_null()) {
    const json& i = j.at("install");
    if (i == "auto") {
      spec->install.mode = InstallSpec::Mode::kAuto;
    } else if (i == "none") {
      spec->install.mode = InstallSpec::Mode::kNone;
    } else {
      spec->install.mode = InstallSpec::Mode::kCommand;
      if (Status s = ParseArgv(i, "install", &spec->install.command, &spec->install.shell_command);
          !s.ok())
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
    spec->install.options = std::move(options);
  }
  return Status::Ok();
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

const char* to_string(AppKind) { return "process"; }

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

int StopSignalNumber(const std::string& name) {
  static const std::map<std::string, int> kSignals = {
      {"TERM", SIGTERM}, {"INT", SIGINT},   {"QUIT", SIGQUIT}, {"HUP", SIGHUP},
      {"KILL", SIGKILL}, {"USR1", SIGUSR1}, {"USR2", SIGUSR2}};
  auto it = kSignals.find(name);
  return it == kSignals.end() ? 0 : it->second;
}

Result<AppSpec> ParseAppSpec(const json& j, const std::string& name) {
  if (!j.is_object()) return Status::Invalid("an app must be a JSON object");
  for (const auto& [key, value] : j.items())
    if (!kKnownFields.count(key)) return Status::Invalid("unknown field '" + key + "'", key);
  AppSpec spec;
  spec.name = name;
  if (j.contains("name")) {
    if (!j.at("name").is_string() || j.at("name").get<std::string>() != name)
      return Status::Invalid("name in the body must be \"" + name + "\", as in the URL", "name");
  }
  if (!IsValidAppName(name))
    return Status::Invalid("name must match ^[a-z][a-z0-9-]{0,31}$ (got \"" + name + "\")", "name");
  for (auto* parse : {&ParseEnums, &ParseSource, &ParseCommand, &ParsePaths, &ParseEnv,
                      &ParseNumbers, &ParseBackoff, &ParseStartLimit, &ParseLogging,
                      &ParseInstall})
    if (Status s = parse(j, &spec); !s.ok()) return s;
  return spec;
}

json AppSpecToJson(const AppSpec& spec, bool reveal_secrets) {
  json j = {{"name", spec.name}, {"kind", to_string(spec.kind)}};
  if (spec.command.empty())
    j["command"] = nullptr;
  else
    j["command"] = spec.shell_command ? json(spec.command[2]) : json(spec.command);
  if (!spec.directory.empty()) j["directory"] = spec.directory;
  if (!spec.user.empty()) j["user"] = spec.user;
  j["env"] = spec.env;
  j["port"] = spec.port ? json(*spec.port) : json(nullptr);
  j["autostart"] = spec.autostart;
  j["restart"] = to_string(spec.restart);
  j["start_seconds"] = Number(spec.start_seconds);
  j["stop_signal"] = spec.stop_signal;
  j["stop_timeout"] = Number(spec.stop_timeout);
  j["backoff"] = {{"initial_ms", spec.backoff.initial_ms}, {"max_ms", spec.backoff.max_ms}};
  j["max_retries"] = spec.max_retries;
  j["start_limit"] = {{"burst", spec.start_limit.burst},
                      {"interval_seconds", Number(spec.start_limit.interval_seconds)}};
  j["log_forward"] = spec.log_forward;
  j["log_ring"] = {{"lines", spec.log_ring.lines}, {"bytes", spec.log_ring.bytes}};
  j["priority"] = spec.priority;
  if (spec.source) {
    j["source"] = SourceToJson(*spec.source, reveal_secrets);
    j["install"] = InstallToJson(spec.install);
    j["install_options"] = spec.install.options ? json(*spec.install.options) : json(nullptr);
  }
  return j;
}

bool ChangesHowItRuns(const AppSpec& a, const AppSpec& b) {
  return a.kind != b.kind || a.command != b.command || a.directory != b.directory ||
         a.user != b.user || a.env != b.env || a.port != b.port || ChangesWhatIsDeployed(a, b);
}

bool ChangesWhatIsDeployed(const AppSpec& a, const AppSpec& b) {
  return a.source != b.source || a.install != b.install;
}

}  // namespace berth
