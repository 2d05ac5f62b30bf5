// The lines of `berthctl show`: common fields, then a process's or a container's.
#include "cli/app_detail.h"

#include <algorithm>

namespace berth::cli {
namespace {

using nlohmann::json;

// Joins the texts of an array's items with `separator`; "" for an empty or absent array.
template <class Render>
std::string join(const json& items, const char* separator, Render render) {
  std::string text;
  if (!items.is_array()) return text;
  for (const json& item : items) text += (text.empty() ? "" : separator) + render(item);
  return text;
}

std::string plain(const json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

// An argv array as words, a shell string as it is.
std::string command_text(const json& command) {
  if (command.is_array()) return join(command, " ", plain);
  return command.is_null() ? "" : plain(command);
}

// {"A": "1", "B": "***"} as "A=1 B=***".
std::string variables_text(const json& variables) {
  std::string text;
  if (!variables.is_object()) return text;
  for (const auto& [name, value] : variables.items()) {
    text += (text.empty() ? "" : " ") + name + "=" + plain(value);
  }
  return text;
}

// "running (pid 4242) for 1m" / "running (container 3f2a1b9c8d7e) for 5m" / "stopped for 2h".
std::string state_text(const json& status, TimePoint now) {
  std::string text = field_text(status, "state");
  if (std::string id = running_id(status); id != "-") {
    text += member(status, "container_id").is_string() ? " (container " + id + ")"
                                                       : " (pid " + id + ")";
  }
  const json& since = member(status, "since");
  if (since.is_string()) {
    if (std::optional<TimePoint> start = parse_timestamp(since.get<std::string>())) {
      text += " for " + format_age(std::chrono::duration_cast<std::chrono::seconds>(now - *start));
    }
  }
  return text;
}

// "8081→80/tcp", with the host address when one is given: "0.0.0.0:8081→80/udp".
std::string port_text(const json& port) {
  std::string host = field_text(port, "host");
  if (const json& ip = member(port, "host_ip"); ip.is_string()) {
    host = ip.get<std::string>() + ":" + host;
  }
  return host + "→" + field_text(port, "container") + "/" + field_text(port, "protocol");
}

// "/srv/data→/data (read-only)".
std::string volume_text(const json& volume) {
  std::string text = field_text(volume, "host") + "→" + field_text(volume, "container");
  const json& read_only = member(volume, "read_only");
  return read_only.is_boolean() && read_only.get<bool>() ? text + " (read-only)" : text;
}

// "memory 256M, cpus 0.5, pids 100" for the limits that are set.
std::string limits_text(const json& limits) {
  std::string text;
  for (const char* key : {"memory", "cpus", "pids"}) {
    if (std::string value = field_text(limits, key); value != "-") {
      text += (text.empty() ? "" : ", ") + std::string(key) + " " + value;
    }
  }
  return text;
}

std::string registry_text(const json& auth) {
  if (!auth.is_object()) return "";
  return field_text(auth, "username") + " (password " + field_text(auth, "password") + ")";
}

// Adds `label: value` unless the value is empty or "-".
void add(std::vector<DetailLine>* lines, const char* label, std::string value) {
  if (!value.empty() && value != "-") lines->emplace_back(label, std::move(value));
}

void add_process(const json& app, std::vector<DetailLine>* lines) {
  std::string command = command_text(member(app, "command"));
  if (command.empty()) command = field_text(member(app, "status"), "command");
  add(lines, "command", command);
  add(lines, "directory", field_text(app, "directory"));
  add(lines, "user", field_text(app, "user"));
  add(lines, "port", field_text(app, "port"));
}

// "7 (sha256:3f2a1b9c8d7e)": the release a container app runs and its image id, shortened.
std::string release_text(const json& status) {
  std::string release = field_text(status, "release");
  std::string image = field_text(status, "image_id");
  if (release == "-" || image == "-") return release;
  return release + " (" + image.substr(0, 19) + ")";
}

void add_container(const json& app, std::vector<DetailLine>* lines) {
  add(lines, "image", field_text(app, "image"));
  add(lines, "release", release_text(member(app, "status")));
  add(lines, "container id", field_text(member(app, "status"), "container_id"));
  add(lines, "ports", join(member(app, "ports"), ", ", port_text));
  add(lines, "volumes", join(member(app, "volumes"), ", ", volume_text));
  add(lines, "limits", limits_text(member(app, "limits")));
  add(lines, "entrypoint", command_text(member(app, "entrypoint")));
  add(lines, "command", command_text(member(app, "command")));
  add(lines, "user", field_text(app, "user"));
  add(lines, "network", field_text(app, "network"));
  add(lines, "read_only", field_text(app, "read_only"));
  add(lines, "cap_drop", join(member(app, "cap_drop"), " ", plain));
  add(lines, "cap_add", join(member(app, "cap_add"), " ", plain));
  add(lines, "no_new_privileges", field_text(app, "no_new_privileges"));
  if (const json& health = member(app, "healthcheck"); health.is_object()) {
    add(lines, "healthcheck", health.dump());
  }
  add(lines, "registry_auth", registry_text(member(app, "registry_auth")));
}

}  // namespace

std::vector<DetailLine> app_details(const json& app, TimePoint now) {
  const json& status = member(app, "status");
  std::vector<DetailLine> lines;
  add(&lines, "name", field_text(app, "name"));
  add(&lines, "kind", field_text(app, "kind"));
  add(&lines, "state", state_text(status, now));
  add(&lines, "restarts", field_text(status, "restarts"));
  add(&lines, "exit code", field_text(status, "exit_code"));
  add(&lines, "last error", field_text(status, "last_error"));
  if (const json& health = member(status, "health"); health.is_object()) {
    add(&lines, "health", health_text(health));
  }
  if (field_text(app, "kind") == "container") {
    add_container(app, &lines);
  } else {
    add_process(app, &lines);
  }
  add(&lines, "env", variables_text(member(app, "env")));
  add(&lines, "secrets", variables_text(member(app, "secrets")));
  add(&lines, "autostart", field_text(app, "autostart"));
  add(&lines, "restart", field_text(app, "restart"));
  add(&lines, "source", source_text(app));
  return lines;
}

void render_details(const std::vector<DetailLine>& lines, std::ostream& out) {
  size_t width = 0;
  for (const auto& [label, value] : lines) width = std::max(width, label.size());
  for (const auto& [label, value] : lines) {
    out << label << ':' << std::string(width - label.size() + 1, ' ') << value << '\n';
  }
}

}  // namespace berth::cli
