// A container app deployed by webhook: a signed push makes it pull its image again (trigger
// "webhook"), against a private registry on the shared dockerd.
#include <unistd.h>

#include "tests/integration/deploy_support.h"
#include "tests/integration/docker_support.h"
#include "tests/integration/webhook_support.h"

namespace berth::testing {
namespace {

constexpr char kSecret[] = "container-hook-secret-51c2";

TEST(GitOpsContainerTest, ASignedPushPullsTheImageAgain) {
  ASSERT_TRUE(EnsureTestImage());
  PrivateRegistry registry;
  ASSERT_TRUE(registry.Start("carol", "hook-pw"));
  ASSERT_TRUE(registry.Push(kTestImage, "x/hook:1"));
  BerthdProcess berthd;
  ASSERT_TRUE(berthd.Start());
  std::string app = "ct-hook-" + std::to_string(getpid());
  ContainerCleanup cleanup("berth.app=" + app);
  nlohmann::json spec = {{"kind", "container"},
                         {"image", registry.Image("x/hook:1")},
                         {"command", {"sleep", "1000"}},
                         {"start_seconds", 0.5},
                         {"registry_auth", {{"username", "carol"}, {"password", "hook-pw"}}},
                         {"deploy", {{"strategy", "webhook"}, {"secret", kSecret}}}};
  ASSERT_EQ(201, berthd.Put("/v1/apps/" + app, spec).status);
  ASSERT_TRUE(berthd.WaitForState(app, "running", milliseconds(60000))) << berthd.LastSeen();

  std::string body = R"({"ref":"refs/heads/main"})";
  HttpResponse reply = PerformRequest(
      "POST", berthd.base_url() + "/v1/apps/" + app + "/webhook", body,
      {"Content-Type: application/json", "X-GitHub-Event: push", "X-GitHub-Delivery: c-1",
       "X-Hub-Signature-256: sha256=" + Hmac(EVP_sha256(), kSecret, body)});
  ASSERT_EQ(202, reply.status) << reply.Describe();
  int64_t id = reply.json().value("deployment", int64_t{0});
  EXPECT_EQ("/v1/apps/" + app + "/deployments/" + std::to_string(id), reply.header("Location"));
  nlohmann::json deployment = WaitForDeployment(berthd, app, id);
  EXPECT_EQ("webhook", deployment.value("trigger", ""));
  // The same image again: pulled, then skipped, the container left alone.
  EXPECT_EQ("skipped", deployment.value("outcome", "")) << deployment.dump();
  std::string log = berthd.Get("/v1/apps/" + app + "/deployments/" + std::to_string(id) +
                               "?log=true")
                        .json()
                        .value("log", "");
  EXPECT_NE(std::string::npos, log.find("x/hook")) << log;
  EXPECT_EQ(std::string::npos, log.find(kSecret));
}

}  // namespace
}  // namespace berth::testing
