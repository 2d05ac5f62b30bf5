// SwarmStack: a stack's services, tasks and nodes read from a manager's Engine, whether they are
// ready, status.services built from them; and compose.target in the app definition.
#include "supervise/swarm_stack.h"

#include <gtest/gtest.h>

#include "reactor/clock.h"
#include "supervise/app_spec.h"

namespace berth {
namespace {

using nlohmann::json;

const json kSpecV2 = {{"Image", "busybox"}, {"Args", {"web v2"}}};
const json kSpecV1 = {{"Image", "busybox"}, {"Args", {"web v1"}}};

json Service(const std::string& id, const std::string& name, int replicas,
             const json& update = nullptr) {
  json service = {{"ID", id},
                  {"Spec",
                   {{"Name", name},
                    {"Labels", {{"com.docker.stack.namespace", "berth-shop"}}},
                    {"Mode", {{"Replicated", {{"Replicas", replicas}}}}},
                    {"TaskTemplate", {{"ContainerSpec", kSpecV2}}}}}};
  if (!update.is_null()) service["UpdateStatus"] = update;
  return service;
}

json Task(const std::string& service, const json& spec, const std::string& state,
          const std::string& desired, const std::string& err = "") {
  return {{"ServiceID", service},
          {"NodeID", "n1"},
          {"DesiredState", desired},
          {"UpdatedAt", "2026-12-05T10:00:00Z"},
          {"Spec", {{"ContainerSpec", spec}}},
          {"Status", {{"State", state}, {"Err", err}}}};
}

const json kNodes = {
    {{"ID", "n1"}, {"Description", {{"Hostname", "manager-1"}}}, {"Status", {{"State", "ready"}}}}};

TEST(SwarmStackTest, CountsOnlyRunningTasksOfThePresentSpec) {
  json services = {Service("w", "berth-shop_web", 2), "not an object"};
  json tasks = {Task("w", kSpecV2, "running", "running"), Task("w", kSpecV1, "running", "running"),
                Task("w", kSpecV1, "failed", "shutdown", "task: non-zero exit (1)")};
  SwarmStack stack = ParseSwarmStack(services, tasks, kNodes);
  ASSERT_EQ(stack.services.size(), 1u);
  EXPECT_EQ(stack.services[0].desired, 2);
  EXPECT_EQ(stack.services[0].running, 1);
  std::string why;
  EXPECT_EQ(SwarmReadiness(stack, 0, &why), StackReadiness::kWaiting);
  EXPECT_EQ(why,
            "service berth-shop_web runs 1 of 2 replicas (its newest task failed: task: "
            "non-zero exit (1))");

  json shown = SwarmStackJson(stack);
  ASSERT_EQ(shown["services"][0]["tasks"].size(), 3u) << shown;
  EXPECT_EQ(shown["services"][0]["name"], "web");
  EXPECT_EQ(shown["services"][0]["tasks"][0]["node"], "manager-1");
  EXPECT_EQ(shown["nodes"], json::parse(R"([{"name":"manager-1","state":"ready","running":2}])"));
}

TEST(SwarmStackTest, ReadyWhenEveryServiceRunsItsReplicas) {
  SwarmStack stack =
      ParseSwarmStack(json::array({Service("w", "berth-shop_web", 1)}),
                      json::array({Task("w", kSpecV2, "running", "running")}), kNodes);
  std::string why;
  EXPECT_EQ(SwarmReadiness(stack, 0, &why), StackReadiness::kReady) << why;
  EXPECT_EQ(SwarmReadiness(ParseSwarmStack(json::array(), json::array(), kNodes), 0, &why),
            StackReadiness::kWaiting);
}

TEST(SwarmStackTest, ARollbackBySwarmAfterTheDeployBeganFailsIt) {
  json update = {{"State", "rollback_completed"},
                 {"StartedAt", "2026-12-05T10:00:00.5Z"},
                 {"Message", "rollback completed"}};
  SwarmStack stack =
      ParseSwarmStack(json::array({Service("w", "berth-shop_web", 1, update)}),
                      json::array({Task("w", kSpecV2, "running", "running")}), kNodes);
  std::string why;
  int64_t began = *ParseRfc3339("2026-12-05T10:00:00Z");
  EXPECT_EQ(SwarmReadiness(stack, began, &why), StackReadiness::kFailed);
  EXPECT_EQ(why,
            "Swarm rolled service berth-shop_web back (rollback_completed): rollback completed");
  // One from before this deployment is history.
  EXPECT_EQ(SwarmReadiness(stack, began + 60000, &why), StackReadiness::kReady);
}

TEST(SwarmStackTest, StackDeployGetsEveryFileAndTheProject) {
  ComposeSpec compose;
  compose.includes = {"prod.yaml"};
  EXPECT_EQ(StackDeployArgs("shop", compose, "/r/1", "compose.yaml"),
            (std::vector<std::string>{"stack", "deploy", "--with-registry-auth", "--prune", "-c",
                                      "/r/1/compose.yaml", "-c", "/r/1/prod.yaml", "berth-shop"}));
}

json ComposeApp(const json& compose) {
  return {{"kind", "compose"},
          {"source", {{"git", {{"url", "https://example.com/shop.git"}}}}},
          {"compose", compose}};
}

TEST(SwarmStackTest, ComposeTargetIsLocalOrSwarmAndSwarmRefusesWhatAStackCannotDo) {
  Result<AppSpec> local = ParseAppSpec(ComposeApp(json::object()), "shop");
  ASSERT_TRUE(local.ok()) << local.status().message();
  EXPECT_FALSE(IsSwarmStack(*local));
  EXPECT_EQ(AppSpecToJson(*local)["compose"]["target"], "local");
  Result<AppSpec> swarm = ParseAppSpec(ComposeApp({{"target", "swarm"}}), "shop");
  ASSERT_TRUE(swarm.ok()) << swarm.status().message();
  EXPECT_TRUE(IsSwarmStack(*swarm));
  EXPECT_EQ(AppSpecToJson(*swarm)["compose"]["target"], "swarm");
  EXPECT_TRUE(ChangesHowItRuns(*local, *swarm));

  Result<AppSpec> bad = ParseAppSpec(ComposeApp({{"target", "k8s"}}), "shop");
  EXPECT_EQ(bad.status().field(), "compose.target");
  bad = ParseAppSpec(ComposeApp({{"target", "swarm"}, {"env_files", {"a.env"}}}), "shop");
  EXPECT_EQ(bad.status().field(), "compose.env_files");
  json routed = ComposeApp({{"target", "swarm"}});
  routed["routes"] = {{{"host", "shop.example.com"}, {"service", "web"}, {"port", 80}}};
  EXPECT_EQ(ParseAppSpec(routed, "shop").status().field(), "routes");
}

}  // namespace
}  // namespace berth
