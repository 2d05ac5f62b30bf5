// The container part of app definitions: parsing, validation and canonical JSON.
#include "supervise/container_spec.h"

#include <array>
#include <cctype>
#include <cmath>

#include "supervise/docker/image_reference.h"
#include "supervise/spec_fields.h"

namespace berth {
namespace {

using nlohmann::json;

constexpr std::array<const char*, 13> kFields = {
    "image",    "command", "entrypoint", "ports",   "volumes",     "limits",
    "user",     "read_only", "cap_drop", "cap_add", "network",     "healthcheck",
    "registry_auth"};
constexpr char kNoNewPrivileges[] = "no_new_privileges";

Status ReadArgv(const json& j, const char* key, std::optional<std::vector<std::string>>* out) {
  if (!j.contains(key) || j[key].is_null()) return Status::Ok();
  const json& value = j[key];
  std::string why = std::string(key) + " must be an array of strings (an argv) for a container";
  if (!value.is_array()) return Status::Invalid(why, key);
  std::vector<std::string> argv;
  for (const json& item : value) {
    if (!item.is_string()) return Status::Invalid(why, key);
    argv.push_back(item.get<std::string>());
  }
  *out = std::move(argv);
  return Status::Ok();
}

Status ReadBool(const json& j, const char* key, bool* out) {
  if (!j.contains(key) || j[key].is_null()) return Status::Ok();
  if (!j[key].is_boolean()) return Status::Invalid(std::string(key) + " must be true or false", key);
  *out = j[key].get<bool>();
  return Status::Ok();
}

bool IsCapability(const std::string& name) {
  if (name.empty()) return false;
  for (char c : name)
    if (!(std::isupper(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

Status ReadCapabilities(const json& j, const char* key, std::vector<std::string>* out) {
  if (!j.contains(key) || j[key].is_null()) return Status::Ok();
  std::string why = std::string(key) + " must be an array of capability names like \"NET_ADMIN\"";
  if (!j[key].is_array()) return Status::Invalid(why, key);
  for (const json& item : j[key]) {
    if (!item.is_string()) return Status::Invalid(why, key);
    std::string name = item.get<std::string>();
    if (name.rfind("CAP_", 0) == 0) name = name.substr(4);
    if (!IsCapability(name)) return Status::Invalid(why + " (got \"" + name + "\")", key);
    out->push_back(name);
  }
  return Status::Ok();
}

Status ReadPort(const json& item, const std::string& field, ContainerPort* port) {
  if (!item.is_object())
    return Status::Invalid(field + " must be an object like {\"host\": 8081, \"container\": 80}",
                           field);
  for (auto& [key, value] : item.items())
    if (key != "host" && key != "container" && key != "protocol" && key != "host_ip")
      return Status::Invalid("unknown field " + field + "." + key, field + "." + key);
  double host = 0, container = 0;
  if (!item.contains("host") || !item.contains("container"))
    return Status::Invalid(field + " needs both \"host\" and \"container\" ports", field);
  if (Status s = ReadSpecNumber(item, "host", field + ".host", 1, 65535, true, &host); !s.ok())
    return s;
  if (Status s = ReadSpecNumber(item, "container", field + ".container", 1, 65535, true,
                                &container);
      !s.ok())
    return s;
  port->host = static_cast<int>(host);
  port->container = static_cast<int>(container);
  if (Status s = ReadSpecString(item, "protocol", &port->protocol); !s.ok())
    return Status::Invalid(s.message(), field + ".protocol");
  if (port->protocol != "tcp" && port->protocol != "udp" && port->protocol != "sctp")
    return Status::Invalid(field + ".protocol must be tcp, udp or sctp", field + ".protocol");
  if (Status s = ReadSpecString(item, "host_ip", &port->host_ip); !s.ok())
    return Status::Invalid(s.message(), field + ".host_ip");
  return Status::Ok();
}

Status ReadPorts(const json& j, std::vector<ContainerPort>* ports) {
  if (!j.contains("ports") || j["ports"].is_null()) return Status::Ok();
  if (!j["ports"].is_array()) return Status::Invalid("ports must be an array", "ports");
  for (size_t i = 0; i < j["ports"].size(); ++i) {
    ContainerPort port;
    std::string field = "ports[" + std::to_string(i) + "]";
    if (Status s = ReadPort(j["ports"][i], field, &port); !s.ok()) return s;
    for (const ContainerPort& other : *ports)
      if (other.host == port.host && other.protocol == port.protocol)
        return Status::Invalid("host port " + std::to_string(port.host) + " appears twice",
                               field + ".host");
    ports->push_back(port);
  }
  return Status::Ok();
}

bool IsVolumeName(const std::string& name) {
  if (name.empty() || !std::isalnum(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-'))
      return false;
  return true;
}

Status ReadVolume(const json& item, const std::string& field, ContainerVolume* volume) {
  if (!item.is_object() || !item.contains("host") || !item.contains("container"))
    return Status::Invalid(
        field + " must be an object like {\"host\": \"/srv/app\", \"container\": \"/data\"}", field);
  for (auto& [key, value] : item.items())
    if (key != "host" && key != "container" && key != "read_only")
      return Status::Invalid("unknown field " + field + "." + key, field + "." + key);
  if (Status s = ReadSpecString(item, "host", &volume->host); !s.ok())
    return Status::Invalid(s.message(), field + ".host");
  if (Status s = ReadSpecString(item, "container", &volume->container); !s.ok())
    return Status::Invalid(s.message(), field + ".container");
  if (volume->host.empty() || (volume->host[0] != '/' && !IsVolumeName(volume->host)))
    return Status::Invalid(field + ".host must be an absolute path or a volume name",
                           field + ".host");
  if (volume->container.empty() || volume->container[0] != '/')
    return Status::Invalid(field + ".container must be an absolute path", field + ".container");
  if (Status s = ReadBool(item, "read_only", &volume->read_only); !s.ok())
    return Status::Invalid(field + ".read_only must be true or false", field + ".read_only");
  return Status::Ok();
}

Status ReadVolumes(const json& j, std::vector<ContainerVolume>* volumes) {
  if (!j.contains("volumes") || j["volumes"].is_null()) return Status::Ok();
  if (!j["volumes"].is_array()) return Status::Invalid("volumes must be an array", "volumes");
  for (size_t i = 0; i < j["volumes"].size(); ++i) {
    ContainerVolume volume;
    if (Status s = ReadVolume(j["volumes"][i], "volumes[" + std::to_string(i) + "]", &volume);
        !s.ok())
      return s;
    volumes->push_back(volume);
  }
  return Status::Ok();
}

Status ReadLimits(const json& j, ContainerLimits* limits) {
  if (!j.contains("limits") || j["limits"].is_null()) return Status::Ok();
  const json& value = j["limits"];
  if (!value.is_object()) return Status::Invalid("limits must be an object", "limits");
  for (auto& [key, item] : value.items())
    if (key != "memory" && key != "cpus" && key != "pids")
      return Status::Invalid("unknown field limits." + key, "limits." + key);
  if (value.contains("memory") && !value["memory"].is_null()) {
    const json& memory = value["memory"];
    std::optional<int64_t> bytes;
    if (memory.is_string()) bytes = ParseByteSize(memory.get<std::string>());
    if (memory.is_number_unsigned()) bytes = memory.get<int64_t>();
    // Docker refuses less than 6 MiB.
    if (!bytes || *bytes < 6 * 1024 * 1024)
      return Status::Invalid("limits.memory must be a size of at least 6M, like \"256M\" or \"1G\"",
                             "limits.memory");
    limits->memory_bytes = bytes;
  }
  double cpus = 0, pids = 0;
  if (value.contains("cpus") && !value["cpus"].is_null()) {
    if (Status s = ReadSpecNumber(value, "cpus", "limits.cpus", 0.01, 1024, false, &cpus); !s.ok())
      return s;
    limits->cpus = cpus;
  }
  if (value.contains("pids") && !value["pids"].is_null()) {
    if (Status s = ReadSpecNumber(value, "pids", "limits.pids", 1, 4194304, true, &pids); !s.ok())
      return s;
    limits->pids = static_cast<int64_t>(pids);
  }
  return Status::Ok();
}

Status ReadRegistryAuth(const json& j, std::optional<RegistryCredentials>* out) {
  if (!j.contains("registry_auth") || j["registry_auth"].is_null()) return Status::Ok();
  const json& value = j["registry_auth"];
  RegistryCredentials credentials;
  if (!value.is_object() || !value.contains("username") || !value.contains("password") ||
      !value["username"].is_string() || !value["password"].is_string())
    return Status::Invalid(
        "registry_auth must be an object with \"username\" and \"password\" strings",
        "registry_auth");
  for (auto& [key, item] : value.items())
    if (key != "username" && key != "password")
      return Status::Invalid("unknown field registry_auth." + key, "registry_auth." + key);
  credentials.username = value["username"].get<std::string>();
  credentials.password = value["password"].get<std::string>();
  *out = std::move(credentials);
  return Status::Ok();
}

json PortsJson(const std::vector<ContainerPort>& ports) {
  json list = json::array();
  for (const ContainerPort& port : ports) {
    json item = {{"host", port.host}, {"container", port.container}, {"protocol", port.protocol}};
    item["host_ip"] = port.host_ip.empty() ? json(nullptr) : json(port.host_ip);
    list.push_back(std::move(item));
  }
  return list;
}

json VolumesJson(const std::vector<ContainerVolume>& volumes) {
  json list = json::array();
  for (const ContainerVolume& volume : volumes)
    list.push_back(
        {{"host", volume.host}, {"container", volume.container}, {"read_only", volume.read_only}});
  return list;
}

template <class T>
json OrNull(const std::optional<T>& value) {
  return value ? json(*value) : json(nullptr);
}

}  // namespace

bool IsContainerField(const std::string& key) {
  for (const char* field : kFields)
    if (key == field) return true;
  return key == kNoNewPrivileges;
}

Status ParseContainerPart(const json& j, ContainerSpec* container) {
  if (!j.contains("image") || !j["image"].is_string() || j["image"].get<std::string>().empty())
    return Status::Invalid("a container app needs an \"image\", like \"nginx:1.27\"", "image");
  container->image = j["image"].get<std::string>();
  if (auto reference = docker::ParseImageReference(container->image); !reference.ok())
    return Status::Invalid(reference.status().message(), "image");
  Status checks[] = {ReadArgv(j, "command", &container->command),
                     ReadArgv(j, "entrypoint", &container->entrypoint),
                     ReadPorts(j, &container->ports),
                     ReadVolumes(j, &container->volumes),
                     ReadLimits(j, &container->limits),
                     ReadSpecString(j, "user", &container->user),
                     ReadBool(j, "read_only", &container->read_only),
                     ReadCapabilities(j, "cap_drop", &container->cap_drop),
                     ReadCapabilities(j, "cap_add", &container->cap_add),
                     ReadSpecString(j, "network", &container->network),
                     ReadBool(j, kNoNewPrivileges, &container->no_new_privileges),
                     ReadRegistryAuth(j, &container->registry_auth)};
  for (Status& s : checks)
    if (!s.ok()) return s;
  if (j.contains("healthcheck") && !j["healthcheck"].is_null()) {
    const json& health = j["healthcheck"];
    if (!health.is_object() || !health.contains("test") || !health["test"].is_array())
      return Status::Invalid(
          "healthcheck must be an object like {\"test\": [\"CMD\", \"wget\", \"-q\", \"…\"]}",
          "healthcheck");
    container->healthcheck = health;
  }
  return Status::Ok();
}

void ContainerPartToJson(const ContainerSpec& container, bool reveal_secrets, json* j) {
  (*j)["image"] = container.image;
  (*j)["command"] = OrNull(container.command);
  (*j)["entrypoint"] = OrNull(container.entrypoint);
  (*j)["ports"] = PortsJson(container.ports);
  (*j)["volumes"] = VolumesJson(container.volumes);
  json limits = {{"memory", nullptr}, {"cpus", nullptr}, {"pids", OrNull(container.limits.pids)}};
  if (container.limits.memory_bytes) limits["memory"] = FormatByteSize(*container.limits.memory_bytes);
  if (container.limits.cpus) limits["cpus"] = SpecNumber(*container.limits.cpus);
  (*j)["limits"] = std::move(limits);
  (*j)["user"] = container.user.empty() ? json(nullptr) : json(container.user);
  (*j)["read_only"] = container.read_only;
  (*j)["cap_drop"] = container.cap_drop;
  (*j)["cap_add"] = container.cap_add;
  (*j)["network"] = container.network.empty() ? json(nullptr) : json(container.network);
  (*j)["healthcheck"] = container.healthcheck;
  (*j)[kNoNewPrivileges] = container.no_new_privileges;
  (*j)["registry_auth"] = nullptr;
  if (container.registry_auth)
    (*j)["registry_auth"] = {
        {"username", container.registry_auth->username},
        {"password", reveal_secrets ? container.registry_auth->password : "***"}};
}

bool ContainerChangesHowItRuns(const ContainerSpec& a, const ContainerSpec& b) {
  ContainerSpec a_without_limits = a, b_without_limits = b;
  a_without_limits.limits = b_without_limits.limits = {};
  return a_without_limits != b_without_limits;
}

std::optional<int64_t> ParseByteSize(const std::string& text) {
  if (text.empty() || !std::isdigit(static_cast<unsigned char>(text[0]))) return std::nullopt;
  size_t used = 0;
  double number = 0;
  try {
    number = std::stod(text, &used);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  std::string unit = text.substr(used);
  if (unit.size() == 2 && (unit[1] == 'b' || unit[1] == 'B')) unit.pop_back();
  double scale = 1;
  if (unit == "k" || unit == "K") scale = 1024.0;
  else if (unit == "m" || unit == "M") scale = 1024.0 * 1024;
  else if (unit == "g" || unit == "G") scale = 1024.0 * 1024 * 1024;
  else if (unit == "t" || unit == "T") scale = 1024.0 * 1024 * 1024 * 1024;
  else if (!unit.empty() && unit != "b" && unit != "B") return std::nullopt;
  double bytes = number * scale;
  if (!std::isfinite(bytes) || bytes < 0 || bytes > 9.0e18) return std::nullopt;
  return static_cast<int64_t>(bytes);
}

std::string FormatByteSize(int64_t bytes) {
  const char* units[] = {"T", "G", "M", "K"};
  for (int i = 0; i < 4; ++i) {
    int64_t scale = int64_t{1} << (10 * (4 - i));
    if (bytes > 0 && bytes % scale == 0) return std::to_string(bytes / scale) + units[i];
  }
  return std::to_string(bytes);
}

}  // namespace berth
