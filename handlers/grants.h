// Grants: what a user (or one of their tokens) may do, as scopes times actions, and the
// inheritance between actions. Pure logic: parsing, checking and explaining.
#pragma once

#include <array>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace berth {

// What a caller does. `manage` implies every other action of its scope; every action implies
// `view`. `create_apps` and `manage_users` exist on the global scope only.
enum class Action {
  kView,
  kViewLogs,
  kControl,            // start, stop, restart, pause, unpause
  kDeploy,             // redeploy, rollback, webhooks
  kEditEnv,            // env and secrets
  kEditConfiguration,  // everything else in the spec
  kManage,             // all of the above, plus delete
  kCreateApps,         // global only
  kManageUsers,        // global only
};

inline constexpr std::array<Action, 9> kAllActions = {
    Action::kView,   Action::kViewLogs,   Action::kControl,
    Action::kDeploy, Action::kEditEnv,    Action::kEditConfiguration,
    Action::kManage, Action::kCreateApps, Action::kManageUsers};

const char* to_string(Action action);
std::optional<Action> ParseAction(std::string_view name);
// Whether the action can be granted on an app scope (false for create_apps, manage_users).
bool IsAppAction(Action action);

// One grant: a scope ("global", "app:<name>" or "app:<glob>" with * and ?) and its actions.
struct Grant {
  std::string scope;
  std::vector<Action> actions;

  bool operator==(const Grant&) const = default;
};

using Grants = std::vector<Grant>;

// Reads a JSON array of {"scope", "actions"}; an Invalid Status names the field at fault,
// under `field` (e.g. "grants[1].actions[0]").
Result<Grants> ParseGrants(const nlohmann::json& json, const std::string& field = "grants");
nlohmann::json GrantsToJson(const Grants& grants);

// Whether `scope` covers the app named `app` ("" is the global scope, covered only by global).
bool ScopeCovers(const std::string& scope, std::string_view app);

// Whether `grants` allow `action` on `app` ("" for the global scope), with inheritance: a grant
// on global covers every app.
bool Allows(const Grants& grants, Action action, std::string_view app);

// Grants made ready for the per-request check: the actions each scope gives, inheritance
// applied, apps named exactly found by lookup. Allows() answers as berth::Allows(list, ...).
class GrantSet {
 public:
  explicit GrantSet(Grants grants);
  const Grants& list() const { return list_; }
  bool Allows(Action action, std::string_view app) const;

 private:
  Grants list_;
  uint32_t on_global_ = 0;                                  // berthd's own resources
  uint32_t on_apps_ = 0;                                    // every app, from global grants
  std::map<std::string, uint32_t, std::less<>> exact_;      // app name -> actions
  std::vector<std::pair<std::string, uint32_t>> patterns_;  // fnmatch pattern -> actions
};

// Why each action that `grants` allow on `app` is allowed, e.g. {view: "implied by control on
// app:shop-*", control: "granted on app:shop-*"}. Actions not allowed are absent.
std::map<Action, std::string> Explain(const Grants& grants, std::string_view app);

// The first grant in `wanted` that reaches further than `limit` allows, as a message naming
// it ("grants[0]: app:* control is more than the user has"); "" when every one fits.
std::string WiderThan(const Grants& wanted, const Grants& limit, const std::string& field);

}  // namespace berth
