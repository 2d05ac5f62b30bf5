// Tests of reading a container's addresses from the Engine's NetworkSettings.
#include "supervise/docker/container_address.h"

#include <gtest/gtest.h>

namespace berth::docker {
namespace {

using nlohmann::json;

TEST(ContainerAddressTest, IPv4FirstThenIPv6InBracketsAndNetworksWithoutOneLeftOut) {
  json settings = json::parse(R"({"Networks": {
    "bridge": {"IPAddress": "172.17.0.2", "GlobalIPv6Address": "fd00::2"},
    "v6only": {"IPAddress": "", "GlobalIPv6Address": "fd00:1::3"},
    "none": {"IPAddress": ""},
    "odd": "not an object"}})");
  std::map<std::string, std::string> expected = {{"bridge", "172.17.0.2"},
                                                 {"v6only", "[fd00:1::3]"}};
  EXPECT_EQ(expected, ContainerAddresses(settings));
  EXPECT_TRUE(ContainerAddresses(json()).empty());
  EXPECT_TRUE(ContainerAddresses(json::parse(R"({"Networks": null})")).empty());
}

TEST(ContainerAddressTest, ThePreferredNetworkElseTheFirst) {
  std::map<std::string, std::string> addresses = {{"a_net", "10.0.0.2"},
                                                  {"shop_default", "172.18.0.4"}};
  EXPECT_EQ("172.18.0.4", PreferredAddress(addresses, "shop_"));
  EXPECT_EQ("172.18.0.4", PreferredAddress(addresses, "shop_default"));
  EXPECT_EQ("10.0.0.2", PreferredAddress(addresses, "other"));
  EXPECT_EQ("10.0.0.2", PreferredAddress(addresses, ""));
  EXPECT_EQ("", PreferredAddress({}, "shop_"));
}

}  // namespace
}  // namespace berth::docker
