// The Docker test environment itself (docker_support.h): the shared daemon answers, the busybox
// image runs containers, the private registry checks its password for push and pull, and the
// token registry's Bearer flow and tag pages work. Container tests build on these.
#include <unistd.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <utility>

#include "tests/integration/docker_support.h"

namespace berth::testing {
namespace {

using nlohmann::json;

// A name and a label only this test process uses (tests run in parallel).
std::string Unique(const std::string& what) {
  return "berth-env-" + std::to_string(getpid()) + "-" + what;
}
std::string TestLabel() { return "berth.test=" + Unique("test"); }

// The stdout and stderr in a container's log answer: without a TTY, frames of an 8-byte header
// (stream 1 or 2, three zero bytes, the size as big-endian uint32) and that many bytes.
std::pair<std::string, std::string> DemuxLogs(const std::string& raw) {
  std::pair<std::string, std::string> streams;
  for (size_t at = 0; at + 8 <= raw.size();) {
    uint32_t size = 0;
    for (size_t i = 4; i < 8; ++i) size = size << 8 | static_cast<unsigned char>(raw[at + i]);
    (raw[at] == 2 ? streams.second : streams.first) += raw.substr(at + 8, size);
    at += 8 + size;
  }
  return streams;
}

// Creates (not starts) the container `name` from kTestImage with the test's label; `extra`
// adds to the create body.
::testing::AssertionResult CreateContainer(const std::string& name, const json& extra) {
  json body = {{"Image", kTestImage}, {"Labels", {{"berth.test", Unique("test")}}}};
  body.update(extra);
  HttpResponse created = DockerApi("POST", "/containers/create?name=" + name, body.dump());
  if (created.status == 201) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "create " << name << ": " << created.Describe();
}

::testing::AssertionResult StartContainer(const std::string& name) {
  HttpResponse started = DockerApi("POST", "/containers/" + name + "/start");
  if (started.status == 204) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "start " << name << ": " << started.Describe();
}

TEST(DockerEnv, DaemonAnswersWithAnApiOfAtLeast141) {
  ASSERT_TRUE(EnsureDocker());
  HttpResponse version = DockerApi("GET", "/version");
  ASSERT_EQ(200, version.status) << version.Describe();
  // "1.41" and later compare as strings until "1.100".
  EXPECT_GE(version.json().value("ApiVersion", ""), std::string("1.41")) << version.body;
  EXPECT_EQ(0, DockerCli({"version"}).exit_code) << "the docker command line reaches it";
}

TEST(DockerEnv, ImageRunsACommandWhoseOutputTheLogsGive) {
  ASSERT_TRUE(EnsureTestImage());
  ContainerCleanup cleanup(TestLabel());
  std::string name = Unique("echo");
  ASSERT_TRUE(CreateContainer(name, {{"Cmd", {"sh", "-c", "echo out-line; echo err-line >&2"}}}));
  ASSERT_TRUE(StartContainer(name));
  HttpResponse waited = DockerApi("POST", "/containers/" + name + "/wait");
  ASSERT_EQ(200, waited.status) << waited.Describe();
  EXPECT_EQ(0, waited.json().value("StatusCode", -1)) << waited.body;

  HttpResponse logs = DockerApi("GET", "/containers/" + name + "/logs?stdout=1&stderr=1");
  ASSERT_EQ(200, logs.status) << logs.Describe();
  auto [out, err] = DemuxLogs(logs.body);
  EXPECT_EQ("out-line\n", out);
  EXPECT_EQ("err-line\n", err);
}

TEST(DockerEnv, DefaultCommandKeepsRunningAndHttpdServesOnAPublishedPort) {
  ASSERT_TRUE(EnsureTestImage());
  ContainerCleanup cleanup(TestLabel());
  std::string idle = Unique("idle"), web = Unique("web");
  ASSERT_TRUE(CreateContainer(idle, json::object()));
  ASSERT_TRUE(StartContainer(idle));
  json inspected = DockerApi("GET", "/containers/" + idle + "/json").json();
  EXPECT_EQ(json({"sh", "-c", "while true; do sleep 1; done"}), inspected["Config"]["Cmd"]);
  EXPECT_EQ(true, inspected["State"]["Running"]) << inspected["State"].dump();

  json ports = {{"80/tcp", {{{"HostIp", "127.0.0.1"}, {"HostPort", ""}}}}};
  ASSERT_TRUE(CreateContainer(
      web, {{"Cmd", {"sh", "-c", "echo hello > /tmp/index.html; exec httpd -f -p 80 -h /tmp"}},
            {"ExposedPorts", {{"80/tcp", json::object()}}},
            {"HostConfig", {{"PortBindings", ports}}}}));
  ASSERT_TRUE(StartContainer(web));
  json bound = DockerApi("GET", "/containers/" + web + "/json").json()["NetworkSettings"]["Ports"];
  ASSERT_TRUE(bound["80/tcp"].is_array() && !bound["80/tcp"].empty()) << bound.dump();
  std::string url = "http://127.0.0.1:" + bound["80/tcp"][0].value("HostPort", "") + "/";
  HttpResponse page;
  EXPECT_TRUE(WaitUntil([&] { return (page = PerformRequest("GET", url)).body == "hello\n"; }))
      << url << ": " << page.Describe();

  // The default command survives until it is stopped (SIGTERM to a shell as PID 1 does nothing;
  // SIGKILL after t seconds).
  EXPECT_EQ(true, DockerApi("GET", "/containers/" + idle + "/json").json()["State"]["Running"]);
  EXPECT_EQ(204, DockerApi("POST", "/containers/" + idle + "/stop?t=1").status);
  EXPECT_EQ(2, RemoveContainersWithLabel(TestLabel())) << "both containers carry the label";
}

TEST(DockerEnv, PrivateRegistryChecksThePasswordForPushAndPull) {
  ASSERT_TRUE(EnsureTestImage());
  PrivateRegistry registry;
  ASSERT_TRUE(registry.Start("alice", "secret-of-alice"));
  ScratchDir anonymous("berth-docker-config");

  EXPECT_NE(0, registry.Login("alice", "wrong").exit_code) << "a wrong password logs in";
  std::string refused = registry.Image("busybox:anonymous");
  ASSERT_EQ(0, DockerCli({"tag", kTestImage, refused}).exit_code);
  CommandResult push = DockerCli({"--config", anonymous.path(), "push", refused});
  DockerCli({"rmi", refused});
  EXPECT_NE(0, push.exit_code) << "a push without credentials went through:\n" << push.Describe();

  ASSERT_TRUE(registry.Push(kTestImage, "team/busybox:1"));
  std::string image = registry.Image("team/busybox:1");
  HttpResponse tags = PerformRequest(
      "GET", "http://alice:secret-of-alice@" + registry.host() + "/v2/team/busybox/tags/list");
  EXPECT_EQ(json({"1"}), tags.json()["tags"]) << tags.Describe();
  EXPECT_EQ(401, PerformRequest("GET", "http://alice:wrong@" + registry.host() + "/v2/").status);

  CommandResult anonymous_pull = DockerCli({"--config", anonymous.path(), "pull", image});
  EXPECT_NE(0, anonymous_pull.exit_code) << anonymous_pull.Describe();
  CommandResult pull = DockerCli({"--config", registry.config_dir(), "pull", image});
  EXPECT_EQ(0, pull.exit_code) << pull.Describe();
  EXPECT_EQ(200, DockerApi("GET", "/images/" + image + "/json").status);
}

// One GET with a Bearer token.
HttpResponse GetWithToken(const std::string& url, const std::string& token) {
  return PerformRequest("GET", url, "", {"Authorization: Bearer " + token});
}

TEST(DockerEnv, TokenRegistryIssuesScopedTokensAndPagesTags) {
  TokenRegistry registry;
  ASSERT_TRUE(registry.Start("bob", "secret-of-bob",
                             {{"team/app", {"2.0", "1.0", "1.1"}}, {"other", {"latest"}}}));
  std::string tags_url = registry.url() + "/v2/team/app/tags/list";
  HttpResponse challenged = PerformRequest("GET", tags_url);
  EXPECT_EQ(401, challenged.status);
  EXPECT_EQ("Bearer realm=\"" + registry.url() +
                "/token\",service=\"berth-test\",scope=\"repository:team/app:pull\"",
            challenged.header("www-authenticate"));

  std::string token_path = "/token?service=berth-test&scope=repository:team/app:pull";
  EXPECT_EQ(401, PerformRequest("GET", "http://bob:wrong@" + registry.host() + token_path).status);
  HttpResponse issued =
      PerformRequest("GET", "http://bob:secret-of-bob@" + registry.host() + token_path);
  ASSERT_EQ(200, issued.status) << issued.Describe();
  std::string token = issued.json().value("token", "");
  ASSERT_FALSE(token.empty()) << issued.body;

  HttpResponse first = GetWithToken(tags_url + "?n=2", token);
  EXPECT_EQ(json({"1.0", "1.1"}), first.json()["tags"]) << first.Describe();
  EXPECT_EQ("</v2/team/app/tags/list?n=2&last=1.1>; rel=\"next\"", first.header("link"));
  HttpResponse second = GetWithToken(registry.url() + "/v2/team/app/tags/list?n=2&last=1.1", token);
  EXPECT_EQ(json({"2.0"}), second.json()["tags"]) << second.Describe();
  EXPECT_EQ("", second.header("link"));
  HttpResponse all = GetWithToken(tags_url, token);
  EXPECT_EQ(json({"1.0", "1.1", "2.0"}), all.json()["tags"]) << all.Describe();
  EXPECT_EQ("", all.header("link"));

  HttpResponse elsewhere = GetWithToken(registry.url() + "/v2/other/tags/list", token);
  EXPECT_EQ(401, elsewhere.status) << "a token for team/app opens another repository";
  EXPECT_NE(std::string::npos, elsewhere.header("www-authenticate").find("repository:other:pull"));
  EXPECT_EQ(401, GetWithToken(tags_url, "not-a-token").status);

  ASSERT_TRUE(registry.SetRepositories({{"team/app", {"1.0", "1.1", "2.0", "3.0"}}}));
  EXPECT_EQ(json({"3.0"}), GetWithToken(tags_url + "?last=2.0", token).json()["tags"]);
  EXPECT_EQ(2, registry.TokenRequests());
}

}  // namespace
}  // namespace berth::testing
