// Tests of the `deploy` field every kind has and of the compose part: parsing, the errors that
// name the field at fault, the round trip, and the Compose command lines built from a spec.
#include <gtest/gtest.h>

#include "supervise/app_spec.h"
#include "tests/unit/supervise/rejected_field.h"

namespace berth {
namespace {

using nlohmann::json;

json GitProcess() {
  return {{"command", {"./run"}}, {"source", {{"git", {{"url", "https://example.com/a.git"}}}}}};
}

json Compose() {
  return {{"kind", "compose"},
          {"source", {{"git", {{"url", "https://example.com/infra.git"}, {"ref", "main"}}}}}};
}

TEST(DeploySpecTest, DefaultsToManualWithTheDocumentedNumbers) {
  Result<AppSpec> spec = ParseAppSpec(GitProcess(), "web");
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  EXPECT_EQ(spec->deploy.strategy, DeployStrategy::kManual);
  EXPECT_EQ(spec->deploy.interval_s, 300);
  EXPECT_EQ(spec->deploy.timeout_s, 180);
  json out = AppSpecToJson(*spec);
  EXPECT_EQ(out["deploy"]["strategy"], "manual");
  EXPECT_EQ(out["deploy"]["interval"], 300);
}

TEST(DeploySpecTest, WebhookNeedsASecretWhichIsMaskedAndHeadersAreCanonical) {
  json j = GitProcess();
  j["deploy"] = {{"strategy", "webhook"}};
  EXPECT_EQ(RejectedField(j), "deploy.secret");
  j["deploy"]["secret"] = "s3cret";
  j["deploy"]["signature_header"] = "x-hub-signature-256";
  Result<AppSpec> spec = ParseAppSpec(j, "web");
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  EXPECT_EQ(spec->deploy.signature_header, "X-Hub-Signature-256");
  EXPECT_EQ(AppSpecToJson(*spec)["deploy"]["secret"], "***");
  EXPECT_EQ(AppSpecToJson(*spec, true)["deploy"]["secret"], "s3cret");
  // Another header name carries an HMAC; it must be a name a request can send.
  j["deploy"]["signature_header"] = "X-Signature";
  spec = ParseAppSpec(j, "web");
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  EXPECT_EQ(spec->deploy.signature_header, "X-Signature");
  j["deploy"]["signature_header"] = "X Signature";
  EXPECT_EQ(RejectedField(j), "deploy.signature_header");
  j["deploy"]["signature_header"] = "X-Sig:nature";
  EXPECT_EQ(RejectedField(j), "deploy.signature_header");
}

// The spec `j` defines; an empty one when it is refused.
AppSpec Parsed(const json& j) {
  Result<AppSpec> spec = ParseAppSpec(j, "web");
  EXPECT_TRUE(spec.ok()) << spec.status().message();
  return spec.ok() ? *spec : AppSpec();
}

TEST(DeploySpecTest, ZeroDowntimeIsOnForRoutedAppsWithACheckThatCanRunTwice) {
  json j = GitProcess();
  j["port"] = 8080;
  Result<AppSpec> plain = ParseAppSpec(j, "web");
  ASSERT_TRUE(plain.ok()) << plain.status().message();
  EXPECT_FALSE(ZeroDowntime(*plain));  // no routes
  EXPECT_EQ(AppSpecToJson(*plain)["deploy"]["zero_downtime"], nullptr);
  EXPECT_EQ(AppSpecToJson(*plain)["deploy"]["drain_seconds"], 30);
  j["routes"] = {{{"host", "web.example.com"}}};
  EXPECT_FALSE(ZeroDowntime(Parsed(j)));  // no health check
  j["health"] = {{"http", "/up"}};
  EXPECT_TRUE(ZeroDowntime(Parsed(j)));
  j["deploy"] = {{"zero_downtime", false}, {"drain_seconds", 5}};
  Result<AppSpec> off = ParseAppSpec(j, "web");
  ASSERT_TRUE(off.ok()) << off.status().message();
  EXPECT_FALSE(ZeroDowntime(*off));
  EXPECT_EQ(off->deploy.drain_seconds, 5);
  EXPECT_EQ(AppSpecToJson(*off)["deploy"]["zero_downtime"], false);
  // A route to another port than the one each instance gets as PORT cannot move with it.
  j["deploy"] = json::object();
  j["routes"] = {{{"host", "web.example.com"}, {"port", 9090}}};
  EXPECT_FALSE(ZeroDowntime(Parsed(j)));
  EXPECT_NE(ZeroDowntimeObstacle(Parsed(j)).find("port 9090"), std::string::npos);
  j["deploy"] = {{"zero_downtime", true}};
  EXPECT_EQ(RejectedField(j), "deploy.zero_downtime");
}

TEST(DeploySpecTest, ZeroDowntimeTrueNeedsAContainerWithoutHostPortsAndACheck) {
  json j = {{"kind", "container"},
            {"image", "example/web:1"},
            {"routes", {{{"host", "web.example.com"}, {"port", 80}}}},
            {"deploy", {{"zero_downtime", true}}}};
  EXPECT_EQ(RejectedField(j), "deploy.zero_downtime");  // no health check
  j["health"] = {{"http", "/"}, {"port", 80}};
  Result<AppSpec> spec = ParseAppSpec(j, "web");
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  EXPECT_TRUE(ZeroDowntime(*spec));
  j["ports"] = {{{"host", 8080}, {"container", 80}}};
  EXPECT_EQ(RejectedField(j), "deploy.zero_downtime");
  j.erase("ports");
  j["network"] = "host";
  EXPECT_EQ(RejectedField(j), "deploy.zero_downtime");
  json compose = Compose();
  compose["deploy"] = {{"zero_downtime", true}};
  EXPECT_EQ(RejectedField(compose), "deploy.zero_downtime");
}

TEST(DeploySpecTest, BadValuesNameTheirField) {
  json j = GitProcess();
  j["deploy"] = {{"strategy", "cron"}};
  EXPECT_EQ(RejectedField(j), "deploy.strategy");
  j["deploy"] = {{"strategy", "polling"}, {"interval", 9}};
  EXPECT_EQ(RejectedField(j), "deploy.interval");
  j["deploy"] = {{"timeout", 0}};
  EXPECT_EQ(RejectedField(j), "deploy.timeout");
  j["deploy"] = {{"branch", "main"}};
  EXPECT_EQ(RejectedField(j), "deploy.branch");
  j["deploy"] = "polling";
  EXPECT_EQ(RejectedField(j), "deploy");
  j["deploy"] = {{"drain_seconds", 3601}};
  EXPECT_EQ(RejectedField(j), "deploy.drain_seconds");
  j["deploy"] = {{"zero_downtime", "yes"}};
  EXPECT_EQ(RejectedField(j), "deploy.zero_downtime");
}

TEST(DeploySpecTest, PollingNeedsSomethingToPoll) {
  json plain = {{"command", {"sleep", "1"}}, {"deploy", {{"strategy", "polling"}}}};
  EXPECT_EQ(RejectedField(plain), "deploy.strategy");
  json tarball = {{"command", {"./run"}},
                  {"source", {{"tarball", {{"url", "https://example.com/a.tgz"}}}}},
                  {"deploy", {{"strategy", "polling"}}}};
  EXPECT_EQ(RejectedField(tarball), "deploy.strategy");
  json container = {{"kind", "container"}, {"image", "busybox"}, {"deploy", {{"strategy", "polling"}}}};
  EXPECT_TRUE(ParseAppSpec(container, "web").ok());
}

TEST(ComposeSpecTest, ParsesEveryFieldAndRoundTrips) {
  json j = Compose();
  j["compose"] = {{"file", "lib/stack/whoami/docker-compose.yml"},
                  {"includes", {"lib/stack/whoami/includes/traefik.yml"}},
                  {"variables", {{"NETWORK_ID", "core"}}},
                  {"env_files", {"stack.env"}},
                  {"profiles", {"debug"}}};
  Result<AppSpec> spec = ParseAppSpec(j, "whoami");
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  ASSERT_NE(spec->compose(), nullptr);
  EXPECT_EQ(spec->kind(), AppKind::kCompose);
  EXPECT_EQ(spec->compose()->includes.size(), 1u);
  EXPECT_EQ(spec->compose()->variables.at("NETWORK_ID"), "core");
  json out = AppSpecToJson(*spec);
  EXPECT_EQ(out["kind"], "compose");
  Result<AppSpec> again = ParseAppSpec(out, "whoami");
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(*again, *spec);
}

TEST(ComposeSpecTest, ADefinitionWithoutAFileRoundTrips) {
  // The canonical JSON says "file": "" (Compose's default file): read back, it means the same.
  Result<AppSpec> spec = ParseAppSpec(Compose(), "web");
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  json out = AppSpecToJson(*spec);
  EXPECT_EQ(out["compose"]["file"], "");
  Result<AppSpec> again = ParseAppSpec(out, "web");
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(*again, *spec);
}

TEST(ComposeSpecTest, NeedsASourceAndSafePaths) {
  json j = Compose();
  j.erase("source");
  EXPECT_EQ(RejectedField(j), "source");
  j = Compose();
  j["compose"] = {{"file", "../../etc/passwd"}};
  EXPECT_EQ(RejectedField(j), "compose.file");
  j["compose"] = {{"includes", {"ok.yml", "/abs.yml"}}};
  EXPECT_EQ(RejectedField(j), "compose.includes[1]");
  j["compose"] = {{"profiles", {"-x"}}};
  EXPECT_EQ(RejectedField(j), "compose.profiles[0]");
  j["compose"] = {{"variables", {{"A-B", "x"}}}};
  EXPECT_EQ(RejectedField(j), "compose.variables.A-B");
  j["compose"] = {{"services", {}}};
  EXPECT_EQ(RejectedField(j), "compose.services");
  j = Compose();
  j["image"] = "busybox";
  EXPECT_EQ(RejectedField(j), "image");
}

TEST(ComposeSpecTest, AChangedComposeInputNeedsANewRelease) {
  Result<AppSpec> parsed = ParseAppSpec(Compose(), "web");
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  AppSpec a = parsed.value();
  AppSpec b = a;
  b.compose()->variables["X"] = "1";
  EXPECT_TRUE(ChangesHowReleasesAreBuilt(a, b));
  EXPECT_TRUE(ChangesWhatIsDeployed(a, b));
  AppSpec c = a;
  c.deploy.strategy = DeployStrategy::kPolling;
  EXPECT_FALSE(ChangesHowItRuns(a, c));
}

TEST(ComposeSpecTest, CommandNamesTheProjectAndEveryFileInOrder) {
  ComposeSpec compose;
  compose.includes = {"extra.yml"};
  compose.env_files = {"a.env"};
  compose.profiles = {"debug"};
  ComposeTool tool{{"/usr/bin/docker-compose"}, "docker-compose"};
  std::vector<std::string> argv =
      ComposeCommand(tool, "shop", compose, "/r/7", "compose.yaml", {"up", "-d"});
  std::vector<std::string> want = {"/usr/bin/docker-compose", "--project-name", "berth-shop",
                                   "--project-directory", "/r/7", "-f", "/r/7/compose.yaml",
                                   "-f", "/r/7/extra.yml", "--env-file", "/r/7/a.env",
                                   "--profile", "debug", "up", "-d"};
  EXPECT_EQ(argv, want);
}

}  // namespace
}  // namespace berth
