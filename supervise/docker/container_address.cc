// Reading a container's addresses from the Engine's NetworkSettings.
#include "supervise/docker/container_address.h"

namespace berth::docker {
namespace {

std::string StringAt(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

std::map<std::string, std::string> ContainerAddresses(const nlohmann::json& settings) {
  std::map<std::string, std::string> addresses;
  if (!settings.is_object() || !settings.contains("Networks")) return addresses;
  const nlohmann::json& networks = settings["Networks"];
  if (!networks.is_object()) return addresses;
  for (const auto& [name, network] : networks.items()) {
    if (!network.is_object()) continue;
    std::string v4 = StringAt(network, "IPAddress");
    std::string v6 = StringAt(network, "GlobalIPv6Address");
    if (!v4.empty())
      addresses[name] = v4;
    else if (!v6.empty())
      addresses[name] = "[" + v6 + "]";
  }
  return addresses;
}

std::string PreferredAddress(const std::map<std::string, std::string>& addresses,
                             const std::string& prefix) {
  if (addresses.empty()) return "";
  if (!prefix.empty())
    for (const auto& [name, address] : addresses)
      if (name.rfind(prefix, 0) == 0) return address;
  return addresses.begin()->second;
}

}  // namespace berth::docker
