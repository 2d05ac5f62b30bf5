// ComposeStack: a project's containers read from the Engine's list, whether they are ready, and
// status.services built from them.
#include "supervise/compose_stack.h"

#include <gtest/gtest.h>

namespace berth {
namespace {

using nlohmann::json;

json Container(const std::string& id, const std::string& service, const std::string& state,
               const std::string& status, bool oneoff = false) {
  json labels = {{"com.docker.compose.project", "berth-shop"},
                 {"com.docker.compose.service", service}};
  if (oneoff) labels["com.docker.compose.oneoff"] = "True";
  return {{"Id", id},
          {"Names", {"/berth-shop_" + service + "_1"}},
          {"State", state},
          {"Status", status},
          {"Labels", labels}};
}

TEST(ComposeStackTest, ReadsServicesStatesAndHealthAndLeavesOneOffsOut) {
  json list = {Container("b", "worker", "running", "Up 3 seconds (health: starting)"),
               Container("a", "web", "running", "Up 5 seconds (healthy)"),
               Container("c", "web", "running", "Up 1 second", true), "not an object"};
  ComposeContainers containers = ParseComposeContainers(list);
  ASSERT_EQ(containers.size(), 2u);
  EXPECT_EQ(containers[0].service, "web");
  EXPECT_EQ(containers[0].name, "berth-shop_web_1");
  EXPECT_EQ(containers[0].health, "healthy");
  EXPECT_EQ(containers[1].health, "starting");
  EXPECT_TRUE(ParseComposeContainers(json::object()).empty());
}

TEST(ComposeStackTest, AContainersAddressIsTheOneOnItsProjectsNetwork) {
  json item = Container("a", "web", "running", "Up 5 seconds");
  item["NetworkSettings"] = json::parse(R"({"Networks": {
      "another": {"IPAddress": "10.1.0.7"}, "berth-shop_default": {"IPAddress": "172.18.0.3"}}})");
  ComposeContainers containers = ParseComposeContainers(json{item});
  ASSERT_EQ(1u, containers.size());
  EXPECT_EQ("172.18.0.3", containers[0].address);
}

TEST(ComposeStackTest, ReadyOnlyWhenEveryContainerRunsAndIsHealthy) {
  std::string why;
  EXPECT_EQ(Readiness({}, true, &why), StackReadiness::kWaiting);
  ComposeContainers containers = ParseComposeContainers(
      json{Container("a", "web", "running", "Up 5 seconds"),
           Container("b", "worker", "running", "Up 3 seconds (health: starting)")});
  EXPECT_EQ(Readiness(containers, true, &why), StackReadiness::kWaiting);
  EXPECT_NE(why.find("worker"), std::string::npos) << why;
  EXPECT_EQ(Readiness(containers, false, &why), StackReadiness::kReady);
  containers[1].health = "healthy";
  EXPECT_EQ(Readiness(containers, true, &why), StackReadiness::kReady);
  containers[1].health = "unhealthy";
  EXPECT_EQ(Readiness(containers, true, &why), StackReadiness::kFailed);
  EXPECT_NE(why.find("unhealthy"), std::string::npos) << why;
  containers[0].state = "exited";
  containers[0].status = "Exited (3) 1 second ago";
  EXPECT_EQ(Readiness(containers, false, &why), StackReadiness::kFailed);
  EXPECT_NE(why.find("Exited (3)"), std::string::npos) << why;
}

TEST(ComposeStackTest, ServicesJsonHasOneEntryPerServiceWithItsWorstState) {
  ComposeContainers containers =
      ParseComposeContainers(json{Container("a", "web", "running", "Up 5 seconds (healthy)"),
                                  Container("b", "worker", "exited", "Exited (0) 1 second ago")});
  containers.push_back({.id = "c", .name = "berth-shop_web_2", .service = "web",
                        .state = "restarting", .status = "Restarting (1)"});
  json services = ServicesJson(containers);
  ASSERT_EQ(services.size(), 2u) << services;
  EXPECT_EQ(services[0]["name"], "web");
  EXPECT_EQ(services[0]["containers"], json({"berth-shop_web_1", "berth-shop_web_2"}));
  EXPECT_EQ(services[0]["state"], "restarting");
  EXPECT_TRUE(services[0]["health"].is_null());
  EXPECT_EQ(services[1]["state"], "exited");
}

}  // namespace
}  // namespace berth
