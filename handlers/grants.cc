// Grants: parsing, the inheritance between actions, and explaining an effective set.
#include "handlers/grants.h"

#include <fnmatch.h>

#include <algorithm>
#include <regex>

namespace berth {
namespace {

constexpr std::string_view kGlobal = "global";
constexpr std::string_view kAppPrefix = "app:";
constexpr size_t kMaxGrants = 64;

const char* const kNames[] = {"view",   "view_logs",   "control",
                              "deploy", "edit_env",    "edit_configuration",
                              "manage", "create_apps", "manage_users"};

bool IsGlobal(std::string_view scope) { return scope == kGlobal; }

bool HasWildcard(std::string_view pattern) {
  return pattern.find_first_of("*?") != std::string_view::npos;
}

// An app name, or a pattern of one with * and ?.
bool IsAppPattern(const std::string& pattern) {
  static const std::regex kPattern("^[a-z0-9*?-]{1,64}$");
  return std::regex_match(pattern, kPattern);
}

Status CheckScope(const std::string& scope, const std::string& field) {
  if (IsGlobal(scope)) return Status::Ok();
  if (scope.rfind(kAppPrefix, 0) == 0 && IsAppPattern(scope.substr(kAppPrefix.size())))
    return Status::Ok();
  return Status::Invalid(field +
                             " must be \"global\", \"app:<name>\" or \"app:<pattern>\" (with * "
                             "and ?), not \"" +
                             scope + "\"",
                         field);
}

// Whether holding `held` on a scope gives `wanted` there (`global`: the scope is global).
bool Implies(Action held, Action wanted, bool global, bool for_app) {
  if (held == wanted) return true;
  if (held == Action::kManage && (global || IsAppAction(wanted))) return true;
  // create_apps and manage_users are about berthd itself: the view they bring is of its global
  // resources, not of every app.
  if (wanted == Action::kView) return for_app ? IsAppAction(held) : true;
  return false;
}

// Whether the scope `outer` covers every app `inner` does. Sound, not complete: a pattern is
// covered by global, by itself, or by a "prefix*" pattern it starts with.
bool ScopeContains(const std::string& outer, const std::string& inner) {
  if (IsGlobal(outer)) return true;
  if (IsGlobal(inner)) return false;
  std::string inner_pattern = inner.substr(kAppPrefix.size());
  if (!HasWildcard(inner_pattern)) return ScopeCovers(outer, inner_pattern);
  if (outer == inner) return true;
  std::string outer_pattern = outer.substr(kAppPrefix.size());
  size_t star = outer_pattern.find('*');
  return star == outer_pattern.size() - 1 && !HasWildcard(outer_pattern.substr(0, star)) &&
         inner_pattern.rfind(outer_pattern.substr(0, star), 0) == 0;
}

}  // namespace

const char* to_string(Action action) { return kNames[static_cast<int>(action)]; }

std::optional<Action> ParseAction(std::string_view name) {
  for (Action action : kAllActions)
    if (name == to_string(action)) return action;
  return std::nullopt;
}

bool IsAppAction(Action action) {
  return action != Action::kCreateApps && action != Action::kManageUsers;
}

Result<Grants> ParseGrants(const nlohmann::json& json, const std::string& field) {
  if (!json.is_array()) return Status::Invalid(field + " must be an array of grants", field);
  if (json.size() > kMaxGrants)
    return Status::Invalid(field + " may hold " + std::to_string(kMaxGrants) + " grants at most",
                           field);
  Grants grants;
  for (size_t i = 0; i < json.size(); ++i) {
    std::string at = field + "[" + std::to_string(i) + "]";
    const nlohmann::json& item = json[i];
    if (!item.is_object())
      return Status::Invalid(at + " must be an object {\"scope\", \"actions\"}", at);
    for (const auto& [key, value] : item.items())
      if (key != "scope" && key != "actions")
        return Status::Invalid(at + " has an unknown field '" + key + "'", at + "." + key);
    if (!item.contains("scope") || !item["scope"].is_string())
      return Status::Invalid(at + ".scope is required (\"global\" or \"app:<name>\")",
                             at + ".scope");
    Grant grant{.scope = item["scope"].get<std::string>()};
    if (Status s = CheckScope(grant.scope, at + ".scope"); !s.ok()) return s;
    const nlohmann::json& actions = item.contains("actions") ? item["actions"] : nlohmann::json();
    if (!actions.is_array() || actions.empty())
      return Status::Invalid(at + ".actions must be a non-empty array of actions", at + ".actions");
    for (size_t j = 0; j < actions.size(); ++j) {
      std::string action_field = at + ".actions[" + std::to_string(j) + "]";
      auto action =
          actions[j].is_string() ? ParseAction(actions[j].get<std::string>()) : std::nullopt;
      if (!action)
        return Status::Invalid(
            action_field +
                " must be one of view, view_logs, control, deploy, "
                "edit_env, edit_configuration, manage, create_apps, manage_users",
            action_field);
      if (!IsGlobal(grant.scope) && !IsAppAction(*action))
        return Status::Invalid(
            action_field + ": " + to_string(*action) + " can only be granted on the global scope",
            action_field);
      if (std::find(grant.actions.begin(), grant.actions.end(), *action) == grant.actions.end())
        grant.actions.push_back(*action);
    }
    grants.push_back(std::move(grant));
  }
  return grants;
}

nlohmann::json GrantsToJson(const Grants& grants) {
  nlohmann::json out = nlohmann::json::array();
  for (const Grant& grant : grants) {
    nlohmann::json actions = nlohmann::json::array();
    for (Action action : grant.actions) actions.push_back(to_string(action));
    out.push_back({{"scope", grant.scope}, {"actions", actions}});
  }
  return out;
}

namespace {

// ScopeCovers for an app name that is NUL-terminated. Most scopes name one app: those are a
// comparison; only patterns go through fnmatch.
bool Covers(const std::string& scope, const char* app, size_t size) {
  if (IsGlobal(scope)) return true;
  if (size == 0 || scope.compare(0, kAppPrefix.size(), kAppPrefix) != 0) return false;
  const char* pattern = scope.c_str() + kAppPrefix.size();
  if (!HasWildcard(std::string_view(pattern, scope.size() - kAppPrefix.size())))
    return std::string_view(pattern, scope.size() - kAppPrefix.size()) ==
           std::string_view(app, size);
  return fnmatch(pattern, app, 0) == 0;
}

}  // namespace

bool ScopeCovers(const std::string& scope, std::string_view app) {
  std::string name(app);
  return Covers(scope, name.c_str(), name.size());
}

bool Allows(const Grants& grants, Action action, std::string_view app) {
  bool for_app = !app.empty();
  std::string name(app);
  for (const Grant& grant : grants) {
    if (!Covers(grant.scope, name.c_str(), name.size())) continue;
    for (Action held : grant.actions)
      if (Implies(held, action, IsGlobal(grant.scope), for_app)) return true;
  }
  return false;
}

namespace {

uint32_t Bit(Action action) { return 1u << static_cast<int>(action); }

// The actions `held` gives on a scope, inheritance applied.
uint32_t Closure(const std::vector<Action>& held, bool global, bool for_app) {
  uint32_t mask = 0;
  for (Action have : held)
    for (Action action : kAllActions)
      if (Implies(have, action, global, for_app)) mask |= Bit(action);
  return mask;
}

}  // namespace

GrantSet::GrantSet(Grants grants) : list_(std::move(grants)) {
  for (const Grant& grant : list_) {
    if (IsGlobal(grant.scope)) {
      on_global_ |= Closure(grant.actions, true, false);
      on_apps_ |= Closure(grant.actions, true, true);
      continue;
    }
    std::string pattern = grant.scope.substr(kAppPrefix.size());
    uint32_t mask = Closure(grant.actions, false, true);
    if (HasWildcard(pattern))
      patterns_.emplace_back(std::move(pattern), mask);
    else
      exact_[pattern] |= mask;
  }
}

bool GrantSet::Allows(Action action, std::string_view app) const {
  uint32_t bit = Bit(action);
  if (app.empty()) return (on_global_ & bit) != 0;
  if (on_apps_ & bit) return true;
  if (auto it = exact_.find(app); it != exact_.end() && (it->second & bit)) return true;
  if (patterns_.empty()) return false;
  std::string name(app);
  for (const auto& [pattern, mask] : patterns_)
    if ((mask & bit) && fnmatch(pattern.c_str(), name.c_str(), 0) == 0) return true;
  return false;
}

std::map<Action, std::string> Explain(const Grants& grants, std::string_view app) {
  std::map<Action, std::string> why;
  bool for_app = !app.empty();
  for (Action action : kAllActions) {
    if (for_app && !IsAppAction(action)) continue;
    for (const Grant& grant : grants) {
      if (!ScopeCovers(grant.scope, app)) continue;
      auto direct = std::find(grant.actions.begin(), grant.actions.end(), action);
      if (direct != grant.actions.end()) {
        why[action] = "granted on " + grant.scope;
        break;
      }
      for (Action held : grant.actions) {
        if (Implies(held, action, IsGlobal(grant.scope), for_app)) {
          why[action] = std::string("implied by ") + to_string(held) + " on " + grant.scope;
          break;
        }
      }
      if (why.count(action)) break;
    }
  }
  return why;
}

std::string WiderThan(const Grants& wanted, const Grants& limit, const std::string& field) {
  for (size_t i = 0; i < wanted.size(); ++i) {
    const Grant& grant = wanted[i];
    for (Action action : grant.actions) {
      bool fits = std::any_of(limit.begin(), limit.end(), [&](const Grant& held) {
        if (!ScopeContains(held.scope, grant.scope)) return false;
        return std::any_of(held.actions.begin(), held.actions.end(), [&](Action a) {
          return Implies(a, action, IsGlobal(held.scope), !IsGlobal(grant.scope));
        });
      });
      if (!fits)
        return field + "[" + std::to_string(i) + "]: " + to_string(action) + " on " + grant.scope +
               " is more than the user may do";
    }
  }
  return "";
}

}  // namespace berth
