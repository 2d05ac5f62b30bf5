// Grants, token lifetimes and times as berthctl reads and prints them.
#include "cli/user_format.h"

#include <algorithm>
#include <cstdio>
#include <ctime>

namespace berth::cli {
namespace {

using nlohmann::json;

json* find_grant(json& grants, const std::string& scope) {
  for (json& grant : grants) {
    if (grant.is_object() && grant.value("scope", "") == scope) return &grant;
  }
  return nullptr;
}

// The seconds of an age "30d", "12h", "45m", "90s"; nullopt for anything else.
std::optional<long long> age_seconds(std::string_view text) {  // NOLINT(google-runtime-int)
  if (text.size() < 2 || text.size() > 10) return std::nullopt;
  long long count = 0;  // NOLINT(google-runtime-int)
  for (char c : text.substr(0, text.size() - 1)) {
    if (c < '0' || c > '9') return std::nullopt;
    count = count * 10 + (c - '0');
  }
  switch (text.back()) {
    case 'd':
      return count * 86400;
    case 'h':
      return count * 3600;
    case 'm':
      return count * 60;
    case 's':
      return count;
    default:
      return std::nullopt;
  }
}

}  // namespace

std::vector<std::string> split_actions(std::string_view text) {
  std::vector<std::string> actions;
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    if (!item.empty()) actions.emplace_back(item);
    text = comma == std::string_view::npos ? "" : text.substr(comma + 1);
  }
  return actions;
}

Result<json> parse_grant(std::string_view text) {
  size_t equals = text.find('=');
  std::vector<std::string> actions = equals == std::string_view::npos
                                         ? std::vector<std::string>()
                                         : split_actions(text.substr(equals + 1));
  if (equals == 0 || actions.empty())
    return Status::Invalid(
        "a grant is SCOPE=ACTION[,ACTION...], e.g. app:shop=view,control, not \"" +
        std::string(text) + "\"");
  return json{{"scope", std::string(text.substr(0, equals))}, {"actions", actions}};
}

Result<json> parse_grants(const std::vector<std::string>& texts) {
  json grants = json::array();
  for (const std::string& text : texts) {
    Result<json> grant = parse_grant(text);
    if (!grant.ok()) return grant.status();
    grants.push_back(std::move(grant).value());
  }
  return grants;
}

json add_grant(json grants, const std::string& scope, const std::vector<std::string>& actions) {
  if (!grants.is_array()) grants = json::array();
  json* grant = find_grant(grants, scope);
  if (grant == nullptr) {
    grants.push_back({{"scope", scope}, {"actions", json::array()}});
    grant = &grants.back();
  }
  json& have = (*grant)["actions"];
  if (!have.is_array()) have = json::array();
  for (const std::string& action : actions) {
    if (std::find(have.begin(), have.end(), action) == have.end()) have.push_back(action);
  }
  return grants;
}

Result<json> remove_grant(json grants, const std::string& scope,
                          const std::vector<std::string>& actions) {
  if (!grants.is_array() || find_grant(grants, scope) == nullptr)
    return Status::NotFound("there is no grant on " + scope);
  json kept = json::array();
  for (json& grant : grants) {
    if (grant.value("scope", "") != scope) {
      kept.push_back(std::move(grant));
      continue;
    }
    if (actions.empty()) continue;
    json left = json::array();
    for (const json& action : grant.value("actions", json::array())) {
      if (std::find(actions.begin(), actions.end(), action) == actions.end())
        left.push_back(action);
    }
    if (left.empty()) continue;
    grant["actions"] = std::move(left);
    kept.push_back(std::move(grant));
  }
  return kept;
}

std::string grants_text(const json& grants, std::string_view null_text) {
  if (grants.is_null()) return std::string(null_text);
  std::string text;
  for (const json& grant : grants.is_array() ? grants : json::array()) {
    std::string actions;
    const json& list = member(grant, "actions");
    for (const json& action : list.is_array() ? list : json::array())
      actions += (actions.empty() ? "" : ",") +
                 (action.is_string() ? action.get<std::string>() : action.dump());
    text += (text.empty() ? "" : "; ") + field_text(grant, "scope") + ": " + actions;
  }
  return text.empty() ? "-" : text;
}

std::string format_timestamp(TimePoint time) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm utc = {};
  gmtime_r(&seconds, &utc);
  char text[96];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(ms % 1000));
  return text;
}

Result<std::string> parse_time(std::string_view text, TimePoint now, bool later) {
  if (parse_timestamp(text)) return std::string(text);
  std::optional<long long> age = age_seconds(text);  // NOLINT(google-runtime-int)
  if (!age)
    return Status::Invalid("\"" + std::string(text) +
                           "\" is neither an RFC 3339 time (2026-11-25T08:00:00Z) nor an age "
                           "such as 30d, 12h, 45m or 90s");
  std::chrono::seconds delta(*age);
  return format_timestamp(later ? now + delta : now - delta);
}

}  // namespace berth::cli
