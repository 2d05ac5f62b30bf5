// ContainerSpec: the part of an app definition that only Docker containers have (image,
// command, ports, volumes, limits, ...), with its JSON fields. AppSpec (app_spec.h) holds it.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

namespace berth {

struct ContainerPort {
  int host = 0;
  int container = 0;
  std::string protocol = "tcp";  // tcp | udp | sctp
  std::string host_ip;           // empty: berthd's --app-host
  bool operator==(const ContainerPort&) const = default;
};

// A bind mount (`host` is an absolute path) or a named volume (`host` is a name).
struct ContainerVolume {
  std::string host;
  std::string container;
  bool read_only = false;
  bool operator==(const ContainerVolume&) const = default;
};

struct ContainerLimits {
  std::optional<int64_t> memory_bytes;  // "256M" in JSON
  std::optional<double> cpus;           // 0.5: half a core
  std::optional<int64_t> pids;
  bool operator==(const ContainerLimits&) const = default;
};

struct RegistryCredentials {
  std::string username;
  std::string password;  // never shown, stored sealed
  bool operator==(const RegistryCredentials&) const = default;
};

struct ContainerSpec {
  std::string image;  // required: "registry.example.com/acme/whoami:1.4"
  std::optional<std::vector<std::string>> command;     // replaces the image's CMD
  std::optional<std::vector<std::string>> entrypoint;  // replaces the image's ENTRYPOINT
  std::vector<ContainerPort> ports;
  std::vector<ContainerVolume> volumes;
  ContainerLimits limits;
  std::string user;  // "1000:1000", "nobody"; empty: the image's
  bool read_only = false;
  std::vector<std::string> cap_drop, cap_add;
  std::string network;  // empty: Docker's default bridge
  nlohmann::json healthcheck;  // passed to Docker as is (null: the image's)
  bool no_new_privileges = true;
  std::optional<RegistryCredentials> registry_auth;
  // Not part of the API: the image id ("sha256:…") the app's current deployment chose, set
  // by the App on the spec a start uses. Empty: `image` as Docker resolves it.
  std::string image_id;
  // Not part of the API: the Docker name of a second instance started beside the serving one
  // during a zero-downtime deploy. Empty: ContainerName(app).
  std::string instance_name;
  bool operator==(const ContainerSpec&) const = default;
};

// True for the JSON fields of the container part ("image", "ports", ...).
bool IsContainerField(const std::string& key);
// Reads the container part of the app definition `json` into `*container`; Invalid naming the
// field at fault.
Status ParseContainerPart(const nlohmann::json& json, ContainerSpec* container);
// Adds the canonical JSON of `container` to `*json`; the registry password reads "***" unless
// `reveal_secrets`.
void ContainerPartToJson(const ContainerSpec& container, bool reveal_secrets,
                         nlohmann::json* json);
// True when going from `a` to `b` needs the container made again (all but the limits, which
// Docker changes in place).
bool ContainerChangesHowItRuns(const ContainerSpec& a, const ContainerSpec& b);
// "256M", "1G", "512k", "1048576" as bytes; nullopt if it is none of these.
std::optional<int64_t> ParseByteSize(const std::string& text);
// 268435456 as "256M" (the largest unit that divides it).
std::string FormatByteSize(int64_t bytes);

}  // namespace berth
