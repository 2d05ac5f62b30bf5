// Container apps deployed by webhook and by polling, against a private registry on the shared
// dockerd: a signed push makes an app pull its image again (trigger "webhook"); a poll asks the
// registry for the tag's digest and deploys (trigger "poll") only when it moved.
#include <unistd.h>

#include "tests/integration/deploy_support.h"
#include "tests/integration/docker_support.h"
#include "tests/integration/webhook_support.h"

namespace berth::testing {
namespace {

constexpr char kSecret[] = "container-hook-secret-51c2";
constexpr int kInterval = 10;

// A container app of `image` at `registry` that polls every kInterval seconds.
nlohmann::json PollingSpec(const std::string& image, const std::string& password) {
  return {{"kind", "container"},
          {"image", image},
          {"command", {"sleep", "1000"}},
          {"start_seconds", 0.5},
          {"registry_auth", {{"username", "dora"}, {"password", password}}},
          {"deploy", {{"strategy", "polling"}, {"interval", kInterval}}}};
}

// The image id Docker has for `reference`, "" when none.
std::string ImageId(const std::string& reference) {
  HttpResponse reply = DockerApi("GET", "/images/" + reference + "/json");
  return reply.status == 200 ? reply.json().value("Id", "") : "";
}

// Makes a local image other than kTestImage (a file more), named `name`.
::testing::AssertionResult CommitOtherImage(const std::string& name) {
  std::string container = "berth-poll-build-" + std::to_string(getpid());
  CommandResult run =
      DockerCli({"run", "--name", container, kTestImage, "sh", "-c", "echo 2 > /version"});
  CommandResult commit = DockerCli({"commit", container, name});
  DockerCli({"rm", "-f", container});
  if (run.exit_code != 0 || commit.exit_code != 0)
    return ::testing::AssertionFailure() << run.Describe() << commit.Describe();
  return ::testing::AssertionSuccess();
}

TEST(GitOpsContainerTest, ASignedPushPullsTheImageAgain) {
  ASSERT_TRUE(EnsureTestImage());
  PrivateRegistry registry;
  ASSERT_TRUE(registry.Start("carol", "hook-pw"));
  ASSERT_TRUE(registry.Push(kTestImage, "x/hook:1"));
  std::string app = "ct-hook-" + std::to_string(getpid());
  ContainerCleanup cleanup("berth.app=" + app);  // after berthd stopped (declared before it)
  BerthdProcess berthd;
  ASSERT_TRUE(berthd.Start());
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
  std::string log =
      berthd.Get("/v1/apps/" + app + "/deployments/" + std::to_string(id) + "?log=true")
          .json()
          .value("log", "");
  EXPECT_NE(std::string::npos, log.find("x/hook")) << log;
  EXPECT_EQ(std::string::npos, log.find(kSecret));
}

TEST(GitOpsContainerTest, PollingPullsWhenTheTagsDigestMovesAndANoOpPollPullsNothing) {
  ASSERT_TRUE(EnsureTestImage());
  PrivateRegistry registry;
  ASSERT_TRUE(registry.Start("dora", "poll-pw"));
  ASSERT_TRUE(registry.Push(kTestImage, "x/poll:1"));
  std::string other = "berth-test/poll-" + std::to_string(getpid()) + ":2";
  ASSERT_TRUE(CommitOtherImage(other));
  std::string app = "ct-poll-" + std::to_string(getpid());
  std::string refused = "ct-poll-refused-" + std::to_string(getpid());
  // Declared before berthd, so they run after it stopped: no app restarts what they remove.
  ContainerCleanup cleanup("berth.app=" + app);
  ContainerCleanup cleanup_refused("berth.app=" + refused);
  BerthdProcess berthd;
  ASSERT_TRUE(berthd.Start());
  ASSERT_EQ(
      201,
      berthd.Put("/v1/apps/" + app, PollingSpec(registry.Image("x/poll:1"), "poll-pw")).status);
  ASSERT_TRUE(berthd.WaitForState(app, "running", milliseconds(60000))) << berthd.LastSeen();
  nlohmann::json before_rows = Deployments(berthd, app);
  ASSERT_EQ(1u, before_rows.size()) << before_rows.dump();
  std::string first_image = before_rows[0].value("revision", "");
  // The same image, pulled already: the start pulls nothing, and the poll fails on the
  // credentials.
  ASSERT_EQ(
      201,
      berthd.Put("/v1/apps/" + refused, PollingSpec(registry.Image("x/poll:1"), "wrong")).status);

  auto polled = berthd.WaitForApp(
      app,
      [](const nlohmann::json& a) {
        const nlohmann::json& status = a["status"];
        return status.contains("poll") &&
               status["poll"].value("result", nlohmann::json()).is_string();
      },
      milliseconds((kInterval * 11 / 10 + 5) * 1000));
  ASSERT_TRUE(polled) << berthd.LastSeen();
  EXPECT_EQ("unchanged", (*polled)["status"]["poll"].value("result", "")) << polled->dump();
  EXPECT_EQ("", LastError(*polled));
  EXPECT_EQ(before_rows, Deployments(berthd, app));
  std::string metrics = berthd.Get("/metrics").body;
  EXPECT_NE(std::string::npos,
            metrics.find("berth_polls_total{app=\"" + app + "\",result=\"unchanged\"} 1"))
      << metrics;

  auto refusing = berthd.WaitForApp(
      refused,
      [](const nlohmann::json& a) { return LastError(a).find("refused") != std::string::npos; },
      milliseconds((kInterval * 11 / 10 + 5) * 1000));
  ASSERT_TRUE(refusing) << berthd.LastSeen();
  EXPECT_NE(std::string::npos,
            LastError(*refusing).find("poll failed: the registry " + registry.host() +
                                      " refused the credentials of 'dora'"))
      << refusing->dump();
  EXPECT_EQ(std::string::npos, refusing->dump().find("wrong"));

  ASSERT_TRUE(registry.Push(other, "x/poll:1"));
  Clock::time_point pushed = Clock::now();
  int64_t first = before_rows[0].value("id", int64_t{0});
  int64_t id = 0;
  ASSERT_TRUE(WaitUntil([&] { return (id = NewestDeploymentId(berthd, app)) > first; },
                        milliseconds((kInterval * 11 / 10 + 2) * 1000), milliseconds(50)))
      << "no deployment within interval + 10 % + 2 s of the push";
  nlohmann::json deployment = WaitForDeployment(berthd, app, id);
  EXPECT_EQ("poll", deployment.value("trigger", ""));
  EXPECT_EQ("succeeded", deployment.value("outcome", "")) << deployment.dump();
  std::string new_image = ImageId(other);
  ASSERT_NE("", new_image);
  EXPECT_NE(first_image, new_image);
  EXPECT_EQ(new_image, deployment.value("revision", ""));
  EXPECT_LE(Clock::now() - pushed, std::chrono::seconds(kInterval * 11 / 10 + 2 + 5));
  std::string container;
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto found = berthd.WaitForState(app, "running", milliseconds(1000));
        if (!found) return false;
        container = ContainerId(*found);
        HttpResponse inspected = DockerApi("GET", "/containers/" + container + "/json");
        return inspected.status == 200 && inspected.json().value("Image", "") == new_image;
      },
      milliseconds(60000), milliseconds(100)))
      << berthd.LastSeen();
  DockerCli({"rmi", "-f", other});
}

}  // namespace
}  // namespace berth::testing
