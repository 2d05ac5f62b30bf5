// The /stacks API's bodies, validation and JSON, as upstream's Rails service has them.
#include "handlers/stack_json.h"

#include <algorithm>
#include <cctype>
#include <regex>

#include "base/hex.h"
#include "reactor/clock.h"

namespace berth {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

bool IsAttribute(const std::string& key) {
  for (const char* attribute : kStackAttributes)
    if (key == attribute) return true;
  return false;
}

// What Rails' strong parameters let through: scalars, an array of scalars for the includes,
// an object of scalars for the variables.
bool Permitted(const std::string& key, const json& value) {
  auto all_scalars = [](const json& items) {
    for (const auto& item : items)
      if (item.is_structured()) return false;
    return true;
  };
  if (key == "compose_includes") return value.is_array() && all_scalars(value);
  if (key == "compose_variables") return value.is_object() && all_scalars(value);
  return !value.is_structured();
}

// Rails' blank?: nil, false, whitespace, an empty array or hash.
bool Blank(const json& value) {
  if (value.is_null()) return true;
  if (value.is_boolean()) return !value.get<bool>();
  if (value.is_structured()) return value.empty();
  if (!value.is_string()) return false;
  for (char c : value.get_ref<const std::string&>())
    if (!std::isspace(static_cast<unsigned char>(c))) return false;
  return true;
}

std::string Text(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  return value.is_null() ? "" : value.dump();
}

json At(const json& stack, const char* key) { return stack.value(key, json()); }

// The scheme the way Addressable finds it: before the first ':' when no '/', '?' or '#' comes
// first; "" when there is none. False when the text cannot be a URL at all.
bool UrlScheme(const std::string& url, std::string* scheme) {
  for (char c : url)
    if (std::iscntrl(static_cast<unsigned char>(c)) || c == ' ') return false;
  size_t colon = url.find(':');
  size_t stop = url.find_first_of("/?#");
  *scheme = colon != std::string::npos && colon < stop ? url.substr(0, colon) : "";
  return true;
}

void CheckRepository(const json& stack, ordered_json* errors) {
  json repository = At(stack, "git_repository");
  if (Blank(repository)) return;
  std::string scheme;
  if (!UrlScheme(Text(repository), &scheme)) {
    (*errors)["git_repository"].push_back("is not a valid URL");
  } else if (scheme != "ssh" && scheme != "http" && scheme != "https" && scheme != "file") {
    (*errors)["git_repository"].push_back("scheme must be one of file, ssh, http, or https");
  }
}

// Rails' numericality (only_integer, greater_than: 0) on the value as sent, then berth's bounds.
std::string IntervalError(const json& value) {
  static const std::regex kInteger(R"(\s*[+-]?\d+\s*)");
  static const std::regex kNumber(R"(\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*)");
  long long interval = 0;
  if (value.is_number_integer()) {
    interval = value.get<long long>();
  } else if (value.is_number_float()) {
    return "must be an integer";
  } else if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    if (!std::regex_match(text, kInteger))
      return std::regex_match(text, kNumber) ? "must be an integer" : "is not a number";
    if (text.size() > 12) return "must be less than or equal to 604800";
    interval = std::stoll(text);
  } else {
    return "is not a number";
  }
  if (interval <= 0) return "must be greater than 0";
  if (interval < kMinPollIntervalS)
    return "must be greater than or equal to " + std::to_string(kMinPollIntervalS);
  if (interval > 7 * 86400) return "must be less than or equal to 604800";
  return "";
}

void Require(const json& stack, const char* key, ordered_json* errors) {
  if (Blank(At(stack, key))) (*errors)[key].push_back("can't be blank");
}

json OrNull(const std::string& text) { return text.empty() ? json() : json(text); }

json Masked(const std::string& secret) { return secret.empty() ? json() : json(kMaskedSecret); }

}  // namespace

std::optional<json> StackParams(std::string_view body) {
  json parsed = json::parse(body, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) return std::nullopt;
  const json* source = &parsed;
  if (parsed.contains("stack")) {
    if (!parsed["stack"].is_object()) return std::nullopt;
    source = &parsed["stack"];
  }
  json params = json::object();
  for (const auto& [key, value] : source->items())
    if (IsAttribute(key) && Permitted(key, value)) params[key] = value;
  if (params.empty()) return std::nullopt;
  return params;
}

std::string NormalizeSignatureHeader(std::string_view header) {
  std::string out, word;
  auto flush = [&] {
    if (word.empty()) return;
    if (!out.empty()) out += '-';
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(word[0])));
    for (size_t i = 1; i < word.size(); ++i)
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(word[i])));
    word.clear();
  };
  for (char c : header) {
    if (c == '-' || c == '_' || std::isspace(static_cast<unsigned char>(c)))
      flush();
    else
      word += c;
  }
  flush();
  return out;
}

ordered_json ValidateStack(const json& stack, bool name_taken) {
  ordered_json errors = ordered_json::object();
  CheckRepository(stack, &errors);
  json name = At(stack, "name");
  if (Blank(name)) errors["name"].push_back("can't be blank");
  if (name_taken) errors["name"].push_back("has already been taken");
  if (!Blank(name) && !IsValidAppName(Text(name))) errors["name"].push_back("is invalid");
  for (const char* key : {"git_repository", "git_reference", "compose_file"})
    Require(stack, key, &errors);
  std::string strategy = Text(At(stack, "strategy"));
  if (strategy != "polling" && strategy != "webhook")
    errors["strategy"].push_back("is not included in the list");
  Require(stack, "strategy", &errors);
  if (strategy == "polling") {
    if (std::string error = IntervalError(At(stack, "polling_interval")); !error.empty())
      errors["polling_interval"].push_back(error);
  }
  if (strategy == "webhook") {
    Require(stack, "signature_header", &errors);
    Require(stack, "signature_secret", &errors);
  }
  return errors;
}

json StackAppJson(const json& stack, json base) {
  base["name"] = Text(At(stack, "name"));
  base["kind"] = "compose";
  json git = base.contains("source") && base["source"].contains("git") ? base["source"]["git"]
                                                                       : json::object();
  git["url"] = Text(At(stack, "git_repository"));
  git["ref"] = Text(At(stack, "git_reference"));
  git["username"] = Text(At(stack, "git_username"));
  git["token"] = Text(At(stack, "git_token"));
  base["source"] = {{"git", git}};
  json& compose = base["compose"];
  if (!compose.is_object()) compose = json::object();
  compose["file"] = Text(At(stack, "compose_file"));
  json includes = At(stack, "compose_includes");
  compose["includes"] = includes.is_array() ? includes : json::array();
  json variables = json::object();
  if (json given = At(stack, "compose_variables"); given.is_object())
    for (const auto& [key, value] : given.items()) variables[key] = Text(value);
  compose["variables"] = variables;
  json& deploy = base["deploy"];
  if (!deploy.is_object()) deploy = json::object();
  deploy["strategy"] = Text(At(stack, "strategy"));
  if (deploy["strategy"] == "polling") {
    json interval = At(stack, "polling_interval");
    deploy["interval"] = interval.is_string() ? json(RubyToInteger(Text(interval))) : interval;
  }
  deploy["signature_header"] = NormalizeSignatureHeader(Text(At(stack, "signature_header")));
  deploy["secret"] = Text(At(stack, "signature_secret"));
  return base;
}

json StackAttributes(const AppSpec& spec) {
  SourceSpec source = spec.source.value_or(SourceSpec{});
  ComposeSpec compose = spec.compose() ? *spec.compose() : ComposeSpec{};
  bool polling = spec.deploy.strategy == DeployStrategy::kPolling;
  return {{"name", spec.name},
          {"git_repository", source.url},
          {"git_reference", source.ref},
          {"git_username", OrNull(source.username)},
          {"git_token", OrNull(source.token)},
          {"compose_file", OrNull(compose.file)},
          {"compose_variables", compose.variables},
          {"compose_includes", compose.includes},
          {"strategy", to_string(spec.deploy.strategy)},
          {"polling_interval", polling ? json(spec.deploy.interval_s) : json()},
          {"signature_header", OrNull(spec.deploy.signature_header)},
          {"signature_secret", OrNull(spec.deploy.secret)}};
}

std::string StackAttributeOf(const std::string& field) {
  static const std::pair<const char*, const char*> kFields[] = {
      {"name", "name"},
      {"source.git.url", "git_repository"},
      {"source.git.ref", "git_reference"},
      {"source.git.username", "git_username"},
      {"source.git.token", "git_token"},
      {"source", "git_repository"},
      {"compose.file", "compose_file"},
      {"compose.includes", "compose_includes"},
      {"compose.variables", "compose_variables"},
      {"deploy.strategy", "strategy"},
      {"deploy.interval", "polling_interval"},
      {"deploy.signature_header", "signature_header"},
      {"deploy.secret", "signature_secret"}};
  for (const auto& [prefix, attribute] : kFields) {
    std::string_view p(prefix);
    if (field == p || (field.starts_with(p) && (field[p.size()] == '.' || field[p.size()] == '[')))
      return attribute;
  }
  return "base";
}

ordered_json StackJson(const AppSpec& spec, const StoredStack& stack, const StackStats& stats,
                       bool healthy, bool with_stats) {
  json attributes = StackAttributes(spec);
  attributes["git_token"] = Masked(spec.source ? spec.source->token : "");
  attributes["signature_secret"] = Masked(spec.deploy.secret);
  ordered_json out = {{"id", stack.id}, {"name", spec.name}, {"uuid", stack.uuid}};
  // Upstream's schema order: the variables come before the includes.
  for (const char* key : {"git_repository", "git_reference", "git_username", "git_token",
                          "compose_file", "compose_variables", "compose_includes", "strategy",
                          "polling_interval", "signature_header", "signature_secret"})
    out[key] = attributes[key];
  if (with_stats) {
    out["processed"] = stats.processed;
    out["failed"] = stats.failed;
    out["last_run"] = stats.last_run ? json(*stats.last_run) : json();
  }
  out["created_at"] = stack.created_at;
  out["updated_at"] = stack.updated_at;
  out["healthy"] = healthy;
  if (with_stats) out["last_action"] = stats.last_action ? json(*stats.last_action) : json();
  return out;
}

std::string RailsTime(int64_t wall_ms) { return FormatRfc3339(wall_ms); }

long RubyToInteger(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  bool negative = false;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) negative = text[i++] == '-';
  long value = 0;
  for (; i < text.size(); ++i) {
    char c = text[i];
    bool underscore = c == '_' && i + 1 < text.size() &&
                      std::isdigit(static_cast<unsigned char>(text[i + 1])) && i > 0 &&
                      std::isdigit(static_cast<unsigned char>(text[i - 1]));
    if (underscore) continue;
    if (!std::isdigit(static_cast<unsigned char>(c))) break;
    if (value < 1000000000) value = value * 10 + (c - '0');
  }
  value = std::min(value, 1000000000L);
  return negative ? -value : value;
}

std::string NewStackUuid() {
  std::string hex = RandomHex(16);
  hex[12] = '4';
  hex[16] = "89ab"[std::stoi(hex.substr(16, 1), nullptr, 16) & 3];
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

}  // namespace berth
