// Where a container can be reached: its addresses on its networks, as the Engine reports them in
// NetworkSettings (of GET /containers/{id}/json, and of each entry of GET /containers/json).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace berth::docker {

// Network name -> the container's address there: the IPv4 address, else the global IPv6 one
// in brackets ("[fd00::2]"), ready to take ":port". Networks without an address are left out.
std::map<std::string, std::string> ContainerAddresses(const nlohmann::json& network_settings);

// The address on the first network whose name starts with `prefix` (the whole name, or a
// Compose project's "<project>_"), else on the first network; "" when there is none.
std::string PreferredAddress(const std::map<std::string, std::string>& addresses,
                             const std::string& prefix);

}  // namespace berth::docker
