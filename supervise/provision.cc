// App definitions from container-style environment variables (SERVICES, SVC_<i>_*, and the
// legacy SERVICE_A_*/SERVICE_B_* slots); see provision.h for the rules.
#include "supervise/provision.h"

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <optional>
#include <string_view>
#include <utility>

namespace berth {
namespace {

using Env = std::map<std::string, std::string>;

constexpr char kWhitespace[] = " \t\r\n\v\f";
constexpr int kMaxServicesCount = 1000;
const char* const kNumberedFields[] = {"REPO", "PORT", "REF", "NAME", "USER", "CMD"};

std::string Trim(std::string_view text) {
  size_t begin = text.find_first_not_of(kWhitespace);
  if (begin == std::string_view::npos) return "";
  size_t end = text.find_last_not_of(kWhitespace);
  return std::string(text.substr(begin, end - begin + 1));
}

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// The trimmed value of `key`; empty when unset.
std::string Get(const Env& env, const std::string& key) {
  auto it = env.find(key);
  return it == env.end() ? "" : Trim(it->second);
}

bool IsDigits(std::string_view text) {
  return !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
}

// A whole number from `min` to `max`, digits only.
std::optional<int> ParseNumber(const std::string& text, int min, int max) {
  if (!IsDigits(text) || text.size() > 9) return std::nullopt;
  int value = std::stoi(text);
  if (value < min || value > max) return std::nullopt;
  return value;
}

// Where the authority ("user:pass@host:port") of the URL whose "://" is at `scheme_end` ends.
size_t AuthorityEnd(const std::string& text, size_t scheme_end) {
  size_t end = text.find_first_of("/?#|; \t", scheme_end);
  return end == std::string::npos ? text.size() : end;
}

// `text` with the user information of every URL in it replaced by "***", so that an error
// quoting an entry never repeats a password or token.
std::string RedactCredentials(std::string text) {
  for (size_t pos = text.find("://"); pos != std::string::npos; pos = text.find("://", pos)) {
    pos += 3;
    size_t end = AuthorityEnd(text, pos);
    size_t at = text.rfind('@', end == 0 ? 0 : end - 1);
    if (at != std::string::npos && at >= pos && at < end) text.replace(pos, at - pos, "***");
  }
  return text;
}

bool HasCredentials(const std::string& url) {
  size_t scheme = url.find("://");
  if (scheme == std::string::npos) return false;
  size_t start = scheme + 3;
  size_t end = url.find_first_of("/?#", start);
  return url.substr(start, end == std::string::npos ? end : end - start).find('@') !=
         std::string::npos;
}

bool StartsWithAny(const std::string& text, std::initializer_list<const char*> prefixes) {
  for (const char* prefix : prefixes)
    if (text.rfind(prefix, 0) == 0) return true;
  return false;
}

// The last path component of a URL, without query, fragment, trailing '/' or ".git".
std::string LastPathComponent(const std::string& url) {
  size_t start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  std::string path = url.substr(start, url.find_first_of("?#", start) - start);
  while (!path.empty() && path.back() == '/') path.pop_back();
  std::string last = path.substr(path.rfind('/') + 1);  // npos + 1 == 0
  std::string lower = Lower(last);
  if (lower.size() >= 4 && lower.compare(lower.size() - 4, 4, ".git") == 0)
    last.resize(last.size() - 4);
  return last;
}

// Lower-case, [a-z0-9-] only, runs of '-' collapsed, no '-' at either end.
std::string Slug(const std::string& text) {
  std::string slug;
  for (char c : Lower(text)) {
    bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    char out = keep ? c : '-';
    if (out == '-' && (slug.empty() || slug.back() == '-')) continue;
    slug.push_back(out);
  }
  while (!slug.empty() && slug.back() == '-') slug.pop_back();
  return slug;
}

std::string NameFromRepo(const std::string& url) {
  std::string slug = Slug(LastPathComponent(url));
  size_t letter = slug.find_first_of("abcdefghijklmnopqrstuvwxyz");
  std::string name = letter != std::string::npos ? slug.substr(letter)
                     : slug.empty()              ? "app"
                                                 : "app-" + slug;
  name.resize(std::min<size_t>(name.size(), 32));
  while (!name.empty() && name.back() == '-') name.pop_back();
  return name;
}

// One setting as the user wrote it: `var` names it in errors ("port", "SVC_2_PORT").
struct Field {
  std::string var;
  std::string value;
};

// One service before validation, in whichever form it was written.
struct Candidate {
  std::string label;  // "SERVICES entry 2", "SVC_2", "SERVICE_A"
  std::string quote;  // the entry's text, for SERVICES; shown redacted after the label
  Field repo, tarball, port, ref, subdir, name, user, cmd, install_cmd;
  int default_port = 0;      // 0: none
  std::string default_name;  // empty: derived from repo
};

// A candidate named `label` whose fields are the variables `prefix` + REPO, PORT, ...
Candidate MakeCandidate(std::string label, const std::string& prefix) {
  Candidate c;
  c.label = std::move(label);
  std::pair<Field*, const char*> fields[] = {
      {&c.repo, "REPO"}, {&c.tarball, "TARBALL"}, {&c.port, "PORT"},
      {&c.ref, "REF"},   {&c.subdir, "SUBDIR"},   {&c.name, "NAME"},
      {&c.user, "USER"}, {&c.cmd, "CMD"},         {&c.install_cmd, "INSTALL_CMD"}};
  for (auto& [field, suffix] : fields) field->var = prefix + suffix;
  return c;
}

void ReadFields(const Env& env, std::initializer_list<Field*> fields) {
  for (Field* field : fields) field->value = Get(env, field->var);
}

Status CheckUrl(const Field& url, bool git) {
  if (!StartsWithAny(url.value, {"https://", "http://", "file://"}) &&
      !(git && url.value.rfind("git://", 0) == 0))
    return Status::Invalid(url.var + " '" + RedactCredentials(url.value) +
                           "' must start with https://, http://, file://" +
                           (git ? " or git://" : ""));
  if (HasCredentials(url.value))
    return Status::Invalid(url.var +
                           " must not hold credentials (user:token@host): this form has no "
                           "place for a secret; define an app needing them with "
                           "source.git.username and source.git.token through the API or an "
                           "apps.d file");
  return Status::Ok();
}

std::vector<std::string> ShellCommand(const std::string& text) { return {"/bin/sh", "-c", text}; }

Status SetSource(const Candidate& c, AppSpec* spec) {
  if (!c.repo.value.empty() && !c.tarball.value.empty())
    return Status::Invalid("set " + c.repo.var + " or " + c.tarball.var + ", not both");
  if (c.repo.value.empty() && c.tarball.value.empty())
    return Status::Invalid(c.repo.var + " is required");
  bool git = !c.repo.value.empty();
  const Field& url = git ? c.repo : c.tarball;
  if (Status s = CheckUrl(url, git); !s.ok()) return s;
  SourceSpec source;
  source.type = git ? SourceSpec::Type::kGit : SourceSpec::Type::kTarball;
  source.url = url.value;
  if (git) source.ref = c.ref.value;
  source.subdir = c.subdir.value;
  spec->source = std::move(source);
  return Status::Ok();
}

Status SetPortAndName(const Candidate& c, AppSpec* spec) {
  if (!c.port.value.empty()) {
    std::optional<int> port = ParseNumber(c.port.value, 1, 65535);
    if (!port)
      return Status::Invalid(c.port.var + " '" + c.port.value +
                             "' is not a number from 1 to 65535");
    spec->process()->port = *port;
  } else if (c.default_port != 0) {
    spec->process()->port = c.default_port;
  }
  if (!c.name.value.empty() && !IsValidAppName(c.name.value))
    return Status::Invalid(c.name.var + " '" + c.name.value +
                           "' must match ^[a-z][a-z0-9-]{0,31}$");
  spec->name = !c.name.value.empty()     ? c.name.value
               : !c.default_name.empty() ? c.default_name
                                         : NameFromRepo(spec->source->url);
  if (!IsValidAppName(spec->name))
    return Status::Invalid("the name '" + spec->name + "' is not a valid app name; set " +
                           c.name.var);
  return Status::Ok();
}

Result<AppSpec> BuildSpec(const Candidate& c) {
  AppSpec spec;
  spec.part = ProcessSpec{};
  spec.autostart = true;
  if (Status s = SetSource(c, &spec); !s.ok()) return s;
  if (Status s = SetPortAndName(c, &spec); !s.ok()) return s;
  ProcessSpec& process = *spec.process();
  process.user = c.user.value;
  if (!c.cmd.value.empty()) {
    process.command = ShellCommand(c.cmd.value);
    process.shell_command = true;
  }
  if (!c.install_cmd.value.empty()) {
    process.install.mode = InstallSpec::Mode::kCommand;
    process.install.command = ShellCommand(c.install_cmd.value);
    process.install.shell_command = true;
  }
  // Through the JSON form, so that every check of ParseAppSpec applies here too.
  return ParseAppSpec(AppSpecToJson(spec, /*reveal_secrets=*/true), spec.name);
}

// Gathers apps and errors, refusing a name or port taken by an earlier app.
class Provisioner {
 public:
  void Add(const Candidate& c) {
    Result<AppSpec> spec = BuildSpec(c);
    if (!spec.ok()) return Error(c, spec.status().message());
    if (auto it = name_owners_.find(spec->name); it != name_owners_.end())
      return Error(c, "name '" + spec->name + "' is already taken by " + it->second);
    const std::optional<int>& port = spec->process()->port;  // every provisioned app is a process
    if (port) {
      if (auto it = port_owners_.find(*port); it != port_owners_.end())
        return Error(c, "port " + std::to_string(*port) + " is already taken by " + it->second);
    }
    std::string owner = c.label + " (app '" + spec->name + "')";
    name_owners_[spec->name] = c.label;
    if (port) port_owners_[*port] = owner;
    result_.apps.push_back(std::move(spec).value());
  }
  void Error(const Candidate& c, const std::string& problem) {
    std::string quote = c.quote.empty() ? "" : " ('" + RedactCredentials(c.quote) + "')";
    Error(c.label + quote + ": " + problem);
  }
  void Error(std::string sentence) { result_.errors.push_back(std::move(sentence)); }
  ProvisionResult Take() { return std::move(result_); }

 private:
  ProvisionResult result_;
  std::map<std::string, std::string> name_owners_;
  std::map<int, std::string> port_owners_;
};

// Form 1: SERVICES='repo|port|ref|name|user|cmd;...'.
Candidate ParseServicesEntry(const std::string& entry, int number) {
  Candidate c;
  c.label = "SERVICES entry " + std::to_string(number);
  c.quote = entry;
  Field* fields[] = {&c.repo, &c.port, &c.ref, &c.name, &c.user, &c.cmd};
  const char* vars[] = {"repo", "port", "ref", "name", "user", "cmd"};
  size_t start = 0;
  for (size_t i = 0; i < std::size(fields); ++i) {
    fields[i]->var = vars[i];
    if (start > entry.size()) continue;
    bool last = i + 1 == std::size(fields);  // cmd keeps any further '|'
    size_t end = last ? std::string::npos : entry.find('|', start);
    fields[i]->value = Trim(entry.substr(start, end == std::string::npos ? end : end - start));
    start = end == std::string::npos ? entry.size() + 1 : end + 1;
  }
  c.tarball.var = "tarball";
  return c;
}

void ReadServicesList(const Env& env, Provisioner* out) {
  std::string list = Get(env, "SERVICES");
  int number = 0;
  size_t start = 0;
  while (start <= list.size()) {
    size_t end = list.find(';', start);
    if (end == std::string::npos) end = list.size();
    std::string entry = Trim(std::string_view(list).substr(start, end - start));
    start = end + 1;
    if (!entry.empty()) out->Add(ParseServicesEntry(entry, ++number));
  }
}

// Form 2: SERVICES_COUNT and SVC_<i>_*. Returns the count, or nullopt when unset or invalid.
std::optional<int> ReadServicesCount(const Env& env, Provisioner* out) {
  std::string text = Get(env, "SERVICES_COUNT");
  if (text.empty()) return std::nullopt;
  std::optional<int> count = ParseNumber(text, 0, kMaxServicesCount);
  if (!count)
    out->Error("SERVICES_COUNT '" + text + "' is not a whole number from 0 to " +
               std::to_string(kMaxServicesCount) + "; no SVC_<i> service is read");
  return count;
}

// The "<i>" of a variable named SVC_<i>_<field>; empty when it is not one.
std::string NumberedIndex(const std::string& key) {
  if (key.rfind("SVC_", 0) != 0) return "";
  size_t underscore = key.find('_', 4);
  if (underscore == std::string::npos) return "";
  std::string index = key.substr(4, underscore - 4);
  std::string suffix = key.substr(underscore + 1);
  for (const char* field : kNumberedFields)
    if (suffix == field && IsDigits(index)) return index;
  return "";
}

// Which SVC_<i>_* variables are read, for an error about one that is not.
std::string ReadRange(std::optional<int> count) {
  if (!count) return "set SERVICES_COUNT to the number of SVC_<i> services";
  std::string n = std::to_string(*count);
  if (*count == 0) return "SERVICES_COUNT is 0";
  return "SERVICES_COUNT is " + n + ", so only SVC_1_* to SVC_" + n + "_* are read";
}

// Reports SVC_<i>_* variables that no i in 1..count reads, so a typo does not go unseen.
void ReportStrayNumbered(const Env& env, std::optional<int> count, Provisioner* out) {
  for (const auto& [key, value] : env) {
    std::string index = NumberedIndex(key);
    if (index.empty() || Trim(value).empty()) continue;
    std::optional<int> i = ParseNumber(index, 1, count.value_or(0));
    if (i && std::to_string(*i) == index) continue;
    out->Error(key + " is ignored: " + ReadRange(count));
  }
}

void ReadNumberedServices(const Env& env, Provisioner* out) {
  bool count_set = !Get(env, "SERVICES_COUNT").empty();
  std::optional<int> count = ReadServicesCount(env, out);
  if (count_set && !count) return;  // already reported
  for (int i = 1; i <= count.value_or(0); ++i) {
    std::string label = "SVC_" + std::to_string(i);
    Candidate c = MakeCandidate(label, label + "_");
    ReadFields(env, {&c.repo, &c.port, &c.ref, &c.name, &c.user, &c.cmd});
    out->Add(c);
  }
  ReportStrayNumbered(env, count, out);
}

// Form 3: the legacy SERVICE_A_* and SERVICE_B_* slots.
enum class SlotMode { kAuto, kAlways, kNever };

std::optional<SlotMode> ReadSlotMode(const Env& env, Provisioner* out) {
  std::string mode = Lower(Get(env, "DEFAULT_SERVICES_MODE"));
  if (mode.empty() || mode == "auto") return SlotMode::kAuto;
  if (mode == "always") return SlotMode::kAlways;
  if (mode == "never") return SlotMode::kNever;
  out->Error("DEFAULT_SERVICES_MODE '" + Get(env, "DEFAULT_SERVICES_MODE") +
             "' must be auto, always or never; SERVICE_A and SERVICE_B are skipped");
  return std::nullopt;
}

// True when the slot is enabled; nullopt (reported) when ENABLED is not a boolean.
std::optional<bool> ReadEnabled(const Env& env, const std::string& slot, Provisioner* out) {
  std::string var = slot + "_ENABLED";
  std::string value = Lower(Get(env, var));
  if (value.empty() || value == "true" || value == "1" || value == "yes" || value == "on")
    return true;
  if (value == "false" || value == "0" || value == "no" || value == "off") return false;
  out->Error(slot + ": " + var + " '" + Get(env, var) +
             "' must be true or false (1/0, yes/no, on/off)");
  return std::nullopt;
}

// The slot's candidate when the mode and ENABLED define it; nullopt otherwise (or on error).
std::optional<Candidate> ReadSlot(const Env& env, SlotMode mode, const std::string& slot,
                                  int default_port, const std::string& default_name,
                                  Provisioner* out) {
  std::optional<bool> enabled = ReadEnabled(env, slot, out);
  if (!enabled || !*enabled) return std::nullopt;
  Candidate c = MakeCandidate(slot, slot + "_");
  ReadFields(env,
             {&c.repo, &c.tarball, &c.port, &c.ref, &c.subdir, &c.name, &c.cmd, &c.install_cmd});
  c.default_port = default_port;
  c.default_name = default_name;
  bool has_source = !c.repo.value.empty() || !c.tarball.value.empty();
  if (has_source) return c;
  if (mode == SlotMode::kAlways)
    out->Error(c, c.repo.var + " or " + c.tarball.var +
                      " is required as DEFAULT_SERVICES_MODE is always (set " + slot +
                      "_ENABLED=false to leave the slot out)");
  return std::nullopt;
}

// The port a slot asks for, when it parses.
std::optional<int> SlotPort(const Candidate& c) {
  if (c.port.value.empty()) return c.default_port;
  return ParseNumber(c.port.value, 1, 65535);
}

void ReadLegacySlots(const Env& env, Provisioner* out) {
  std::optional<SlotMode> mode = ReadSlotMode(env, out);
  if (!mode || *mode == SlotMode::kNever) return;
  std::optional<Candidate> a = ReadSlot(env, *mode, "SERVICE_A", 8080, "service-a", out);
  std::optional<Candidate> b = ReadSlot(env, *mode, "SERVICE_B", 9090, "service-b", out);
  if (a) out->Add(*a);
  if (!b) return;
  std::optional<int> port_a = a ? SlotPort(*a) : std::nullopt;
  if (port_a && port_a == SlotPort(*b))
    return out->Error(*b, "port " + std::to_string(*port_a) +
                              " is also SERVICE_A's port; give SERVICE_A_PORT and "
                              "SERVICE_B_PORT different values");
  out->Add(*b);
}

}  // namespace

ProvisionResult ProvisionFromEnvironment(const Env& env) {
  Provisioner provisioner;
  ReadServicesList(env, &provisioner);
  ReadNumberedServices(env, &provisioner);
  ReadLegacySlots(env, &provisioner);
  return provisioner.Take();
}

}  // namespace berth
