// The pure parts of the Supervisor-compatible /stacks API (handlers/stacks.cc): request bodies,
// Rails-style validation, the mapping between a stack's attributes and a compose app's
// definition, and the stack JSON upstream's clients read. docs/stacks-compat.md has the why.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "store/stacks_repository.h"
#include "supervise/app_spec.h"

namespace berth {

// The attributes a stack body may set, in upstream's schema order.
inline constexpr const char* kStackAttributes[] = {
    "name",      "git_repository",   "git_reference",     "git_username",
    "git_token", "compose_file",     "compose_variables", "compose_includes",
    "strategy",  "polling_interval", "signature_header",  "signature_secret"};

// The stack attributes of a request body: those of its "stack" object when it has one, else
// those at its top level (Rails' wrap_parameters); other keys are dropped. nullopt when the
// body is not a JSON object or names no attribute: Rails' 400.
std::optional<nlohmann::json> StackParams(std::string_view body);

// A signature header as upstream stores it: words split on '-', '_' and spaces, each
// capitalised, joined by '-' ("x_hub_signature_256" -> "X-Hub-Signature-256").
std::string NormalizeSignatureHeader(std::string_view header);

// Upstream's validation of the attributes a stack would have (`stack`, its current attributes
// with the request's merged in), then berth's limits, as Rails renders them:
// {"<attribute>": ["<message>", ...]} in upstream's order (ordered_json keeps it); empty when
// valid. `name_taken`: an app other than this stack's has the name.
nlohmann::ordered_json ValidateStack(const nlohmann::json& stack, bool name_taken);

// A compose app's definition with `stack`'s attributes: `base` (the app's canonical JSON with
// secrets revealed, or {} for a new one) with the mapped fields set.
nlohmann::json StackAppJson(const nlohmann::json& stack, nlohmann::json base);

// The stack attributes of a compose app with a git source, secrets in clear (for merging).
nlohmann::json StackAttributes(const AppSpec& spec);

// The attribute a field of the app definition ("source.git.ref") maps to, "base" for none.
std::string StackAttributeOf(const std::string& field);

// What upstream's stats say of a stack, counted over its jobs.
struct StackStats {
  int64_t processed = 0;
  int64_t failed = 0;
  std::optional<std::string> last_run;  // Rails time
  std::optional<std::string> last_action;
};

// The stack JSON with upstream's keys in schema order: `with_stats` for a create or update
// answer, without processed, failed, last_run and last_action for GET /stacks/{uuid}. Secrets
// read "***" when set, null when not.
nlohmann::ordered_json StackJson(const AppSpec& spec, const StoredStack& stack,
                                 const StackStats& stats, bool healthy, bool with_stats);

// The Rails rendering of a time: UTC ISO 8601 with milliseconds, "2026-12-05T22:31:07.123Z".
std::string RailsTime(int64_t wall_ms);

// Ruby's String#to_i: optional spaces and sign, then the leading digits; 0 when there are none.
// Clamped to +-1e9.
long RubyToInteger(std::string_view text);

// A random (version 4) UUID.
std::string NewStackUuid();

}  // namespace berth
