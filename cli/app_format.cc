// Text renderings of apps and events.
#include "cli/app_format.h"

#include <cstdio>
#include <ctime>
#include <iterator>

namespace berth::cli {
namespace {

using nlohmann::json;

// Seconds east of UTC for "Z", "+hh:mm" or "-hh:mm"; nullopt for anything else.
std::optional<int> parse_offset(std::string_view text) {
  if (text == "Z" || text == "z") return 0;
  int hours = 0;
  int minutes = 0;
  int consumed = 0;
  std::string copy(text);
  if (text.size() != 6 || (text[0] != '+' && text[0] != '-') ||
      std::sscanf(copy.c_str() + 1, "%2d:%2d%n", &hours, &minutes, &consumed) != 2 ||
      consumed != 5) {
    return std::nullopt;
  }
  int seconds = hours * 3600 + minutes * 60;
  return text[0] == '-' ? -seconds : seconds;
}

// Skips a fraction of a second (".123") at `pos`; the clock has no need for it.
size_t skip_fraction(std::string_view text, size_t pos) {
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
  }
  return pos;
}

std::string describe_pid_and_exit(const json& data) {
  std::string parts;
  if (std::string pid = field_text(data, "pid"); pid != "-") parts = "pid " + pid;
  if (std::string code = field_text(data, "exit_code"); code != "-") {
    parts += (parts.empty() ? "" : ", ") + std::string("exit_code ") + code;
  }
  return parts.empty() ? "" : " (" + parts + ")";
}

}  // namespace

const json& member(const json& object, std::string_view key) {
  static const json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

std::optional<TimePoint> parse_timestamp(std::string_view text) {
  std::tm tm = {};
  int consumed = 0;
  std::string copy(text);
  if (std::sscanf(copy.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6 ||
      consumed != 19) {
    return std::nullopt;
  }
  std::optional<int> offset = parse_offset(text.substr(skip_fraction(text, 19)));
  if (!offset) return std::nullopt;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  std::time_t utc = timegm(&tm);
  return std::chrono::system_clock::from_time_t(utc - *offset);
}

std::string format_age(std::chrono::seconds age) {
  long long total = age.count() < 0 ? 0 : age.count();         // NOLINT(google-runtime-int)
  long long days = total / 86400;                              // NOLINT(google-runtime-int)
  long long hours = total % 86400 / 3600;                      // NOLINT(google-runtime-int)
  long long minutes = total % 3600 / 60;                       // NOLINT(google-runtime-int)
  long long seconds = total % 60;                              // NOLINT(google-runtime-int)
  auto two = [](long long a, char ua, long long b, char ub) {  // NOLINT(google-runtime-int)
    return std::to_string(a) + ua + (b == 0 ? "" : std::to_string(b) + ub);
  };
  if (days > 0) return two(days, 'd', hours, 'h');
  if (hours > 0) return two(hours, 'h', minutes, 'm');
  if (minutes > 0) return two(minutes, 'm', seconds, 's');
  return std::to_string(seconds) + "s";
}

std::string field_text(const json& object, std::string_view key) {
  const json& value = member(object, key);
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return "-";
  return value.dump();
}

std::string source_text(const json& app) {
  const json& source = member(app, "source");
  if (!source.is_object()) return field_text(app, "source");
  if (const json& git = member(source, "git"); git.is_object()) {
    std::string text = "git " + field_text(git, "url");
    if (const json& ref = member(git, "ref"); ref.is_string() && !ref.get<std::string>().empty())
      text += "#" + ref.get<std::string>();
    return text;
  }
  if (const json& tarball = member(source, "tarball"); tarball.is_object())
    return "tarball " + field_text(tarball, "url");
  return source.dump();
}

std::vector<std::string> app_table_headers() {
  return {"NAME", "KIND", "STATE", "PID/CONTAINER", "SINCE", "RESTARTS", "SOURCE"};
}

std::string running_id(const json& status) {
  if (const json& id = member(status, "container_id"); id.is_string()) {
    return id.get<std::string>().substr(0, kShortContainerId);
  }
  return field_text(status, "pid");
}

std::vector<std::string> app_row(const json& app, TimePoint now) {
  const json& status = member(app, "status");
  std::string since = "-";
  const json& since_value = member(status, "since");
  if (since_value.is_string()) {
    if (std::optional<TimePoint> start = parse_timestamp(since_value.get<std::string>())) {
      since = format_age(std::chrono::duration_cast<std::chrono::seconds>(now - *start));
    }
  }
  return {field_text(app, "name"),
          field_text(app, "kind"),
          field_text(status, "state"),
          running_id(status),
          since,
          field_text(status, "restarts"),
          source_text(app)};
}

std::string format_bytes(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  double value = static_cast<double>(bytes) / 1024;
  size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(kUnits)) {
    value /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, "%.1f %s", value, kUnits[unit]);
  return text;
}

std::string health_text(const json& health) {
  if (!health.is_object()) return "not checked";
  std::string text = field_text(health, "status");
  const json& failures = member(health, "failures");
  if (!failures.is_number_integer() || failures.get<int>() == 0) return text;
  int count = failures.get<int>();
  text += " (" + std::to_string(count) + (count == 1 ? " failure" : " failures");
  if (const json& error = member(health, "last_error"); error.is_string()) {
    text += ": " + error.get<std::string>();
  }
  return text + ")";
}

std::string event_line(const SseEvent& event) {
  json data = json::parse(event.data, nullptr, /*allow_exceptions=*/false);
  if (event.type == "health" && data.is_object()) {
    return field_text(data, "ts") + " " + field_text(data, "app") + " health " +
           health_text(member(data, "health"));
  }
  if (event.type != "app" || !data.is_object()) return event.type + " " + event.data;
  return field_text(data, "ts") + " " + field_text(data, "app") + " " + field_text(data, "from") +
         " -> " + field_text(data, "to") + describe_pid_and_exit(data);
}

}  // namespace berth::cli
