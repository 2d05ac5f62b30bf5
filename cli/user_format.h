// How berthctl reads and shows users, grants, tokens and times: `--grant SCOPE=ACTIONS`,
// `--expires 30d`, the grant lists of `grant`/`revoke`, and the cells of their tables.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "cli/app_format.h"

namespace berth::cli {

// "view,control" as ["view", "control"]; empty items are dropped.
std::vector<std::string> split_actions(std::string_view text);

// One grant from `SCOPE=ACTION[,ACTION...]` ("app:shop-*=view,control"):
// {"scope": "app:shop-*", "actions": ["view", "control"]}. Invalid when there is no '=', no
// scope or no action.
Result<nlohmann::json> parse_grant(std::string_view text);

// The grant list of several `--grant` values, in order; the first malformed one's error.
Result<nlohmann::json> parse_grants(const std::vector<std::string>& texts);

// `grants` with `actions` added to the grant of `scope` (a new grant at the end when there is
// none); actions already there are not repeated.
nlohmann::json add_grant(nlohmann::json grants, const std::string& scope,
                         const std::vector<std::string>& actions);

// `grants` without `actions` on `scope`, or without the grant of `scope` when `actions` is
// empty or none is left. NotFound when there is no grant of `scope`.
Result<nlohmann::json> remove_grant(nlohmann::json grants, const std::string& scope,
                                    const std::vector<std::string>& actions);

// A grant list on one line: "global: manage; app:shop-*: view,control"; "-" when empty and
// `null_text` when null (a token's "the grants of its user").
std::string grants_text(const nlohmann::json& grants, std::string_view null_text = "-");

// "2026-11-25T08:00:00.000Z" for `time`.
std::string format_timestamp(TimePoint time);

// A time from an RFC 3339 timestamp (given back as it is) or an age such as "30d", "12h",
// "45m" or "90s", counted from `now` into the future (`later`) or the past.
Result<std::string> parse_time(std::string_view text, TimePoint now, bool later);

}  // namespace berth::cli
