// How berthctl shows apps and events as text: `ls` rows, ages, `events` lines.
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/sse_parser.h"

namespace berth::cli {

using TimePoint = std::chrono::system_clock::time_point;

// Parses an RFC 3339 timestamp such as "2026-11-25T08:00:00.000Z" (fraction optional, offset
// `Z` or `+hh:mm`/`-hh:mm`). nullopt when it is not one.
std::optional<TimePoint> parse_timestamp(std::string_view text);

// A short age: "45s", "3m12s", "2h5m", "3d4h". Negative ages (clock skew) read "0s".
std::string format_age(std::chrono::seconds age);

// object[key], or null when `object` is not an object or has no such key.
const nlohmann::json& member(const nlohmann::json& object, std::string_view key);

// object[key] as display text: a string as it is, a number or boolean printed, "-" when the key
// is missing or null or `object` is not an object.
std::string field_text(const nlohmann::json& object, std::string_view key);

// How many characters of a container id berthctl shows, as `docker ps` does.
inline constexpr size_t kShortContainerId = 12;

// What runs for an app's `status`: its short container id, else its pid, else "-".
std::string running_id(const nlohmann::json& status);

// A size in bytes for people: "512 B", "1.5 KiB", "48.2 MiB", "2.0 GiB" (powers of 1024).
std::string format_bytes(uint64_t bytes);

// Where an app comes from: "api" and "file" as they come; a code source as "git URL#REF" or
// "tarball URL".
std::string source_text(const nlohmann::json& app);

// The columns of `berthctl ls`.
std::vector<std::string> app_table_headers();

// One `berthctl ls` row for an app as the API renders it; SINCE is how long the app has been in
// its current state, measured at `now`.
std::vector<std::string> app_row(const nlohmann::json& app, TimePoint now);

// An app's `status.health` for people: "healthy", "starting (1 failure: <why>)", "unhealthy
// (3 failures: <why>)"; "not checked" for null.
std::string health_text(const nlohmann::json& health);

// One line for `berthctl events`: "<ts> <app> <from> -> <to> (pid 42, exit_code 1)" for an app
// event (the parenthesis lists only what is not null), "<ts> <app> health <health_text>" for a
// health event, "<type> <data>" for any other event.
std::string event_line(const SseEvent& event);

}  // namespace berth::cli
