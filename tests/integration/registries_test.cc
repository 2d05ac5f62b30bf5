// Black-box tests of /v1/registries and of tag listings through a registry's HTTP API v2:
// a real docker-registry with Basic auth, and a Bearer-token registry that pages its tags.
#include <cstdio>
#include <fstream>
#include <sstream>

#include "tests/integration/docker_support.h"

namespace berth::testing {
namespace {

using nlohmann::json;

constexpr char kBasicPassword[] = "basic-pass-7f3a9c";
constexpr char kTokenPassword[] = "token-pass-51be2d";

// berthd with every log line it writes.
BerthdProcess::Options DebugLog() { return {.extra_args = {"--log-level", "debug"}}; }

// The bytes of a file, or "" when it does not exist.
std::string FileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// Whether `secret` appears in berthd's log or its database files.
bool Leaks(const BerthdProcess& berthd, const std::string& secret) {
  std::string db = berthd.state_dir() + "/berth.db";
  for (const std::string& text :
       {berthd.StderrContents(), FileBytes(db), FileBytes(db + "-wal")})
    if (text.find(secret) != std::string::npos) return true;
  return false;
}

// Starts `registry` for alice with acme/app under each of `tags` (the test image).
::testing::AssertionResult StartWithTags(PrivateRegistry& registry,
                                         const std::vector<std::string>& tags) {
  if (auto ready = EnsureTestImage(); !ready) return ready;
  if (auto started = registry.Start("alice", kBasicPassword); !started) return started;
  for (const std::string& tag : tags)
    if (auto pushed = registry.Push(kTestImage, "acme/app:" + tag); !pushed) return pushed;
  return ::testing::AssertionSuccess();
}

json Credentials(const std::string& host, const std::string& user, const std::string& password) {
  return {{"host", host}, {"username", user}, {"password", password}};
}

TEST(Registries, CrudMasksThePasswordAndKeepsItOnStars) {
  BerthdProcess berthd(DebugLog());
  ASSERT_TRUE(berthd.Start());
  HttpResponse created = berthd.Post("/v1/registries", Credentials("ghcr.io", "ci", "pw-one-x9"));
  ASSERT_EQ(201, created.status) << created.Describe();
  EXPECT_EQ("/v1/registries/ghcr.io", created.header("location"));
  EXPECT_EQ("***", created.json()["password"]);
  EXPECT_EQ("ci", created.json()["username"]);
  EXPECT_EQ(409, berthd.Post("/v1/registries", Credentials("ghcr.io", "x", "y")).status);

  HttpResponse bad = berthd.Post("/v1/registries", Credentials("https://ghcr.io/v2", "u", "p"));
  EXPECT_EQ(422, bad.status);
  EXPECT_EQ("host", bad.json()["error"]["field"]) << bad.Describe();
  bad = berthd.Post("/v1/registries", json{{"host", "ghcr.io"}, {"username", "u"}});
  EXPECT_EQ("password", bad.json()["error"]["field"]) << bad.Describe();

  HttpResponse local = berthd.Put("/v1/registries/127.0.0.1:5000", Credentials("127.0.0.1:5000", "a", "pw-two-k2"));
  EXPECT_EQ(201, local.status) << local.Describe();
  HttpResponse kept = berthd.Put("/v1/registries/ghcr.io", Credentials("ghcr.io", "ci2", "***"));
  EXPECT_EQ(200, kept.status) << kept.Describe();
  EXPECT_EQ("ci2", kept.json()["username"]);
  EXPECT_EQ(422, berthd.Put("/v1/registries/quay.io", Credentials("quay.io", "u", "***")).status)
      << "*** creates a registry without a password";

  HttpResponse listed = berthd.Get("/v1/registries");
  ASSERT_EQ(200, listed.status) << listed.Describe();
  ASSERT_EQ(2u, listed.json().size());
  EXPECT_EQ("127.0.0.1:5000", listed.json()[0]["host"]);
  EXPECT_EQ("ghcr.io", listed.json()[1]["host"]);
  EXPECT_EQ(std::string::npos, listed.body.find("pw-")) << listed.body;
  EXPECT_EQ("***", berthd.Get("/v1/registries/ghcr.io").json()["password"]);
  EXPECT_FALSE(Leaks(berthd, "pw-one-x9")) << "the password is in the log or database";

  EXPECT_EQ(204, berthd.Delete("/v1/registries/ghcr.io").status);
  EXPECT_EQ(404, berthd.Get("/v1/registries/ghcr.io").status);
  EXPECT_EQ(404, berthd.Delete("/v1/registries/ghcr.io").status);
  EXPECT_EQ(404, berthd.Get("/v1/registries/ghcr.io/tags?repository=a/b").status);
}

TEST(Registries, PasswordKeptOnStarsIsTheOneUsedAfterRestart) {
  TokenRegistry registry;
  ASSERT_TRUE(registry.Start("bob", kTokenPassword, {{"acme/app", {"1.0"}}}));
  BerthdProcess berthd(DebugLog());
  ASSERT_TRUE(berthd.Start());
  std::string path = "/v1/registries/" + registry.host();
  ASSERT_EQ(201, berthd.Put(path, Credentials(registry.host(), "bob", kTokenPassword)).status);
  ASSERT_EQ(200, berthd.Put(path, Credentials(registry.host(), "bob", "***")).status);
  ASSERT_EQ(0, berthd.Stop());
  ASSERT_TRUE(berthd.Restart());
  HttpResponse tags = berthd.Get(path + "/tags?repository=acme/app");
  EXPECT_EQ(200, tags.status) << tags.Describe();
  EXPECT_EQ(json({"1.0"}), tags.json()["tags"]);
}

TEST(Registries, TagsThroughBasicAuth) {
  PrivateRegistry registry;
  ASSERT_TRUE(StartWithTags(registry, {"1.0", "1.1"}));
  BerthdProcess berthd(DebugLog());
  ASSERT_TRUE(berthd.Start());
  std::string path = "/v1/registries/" + registry.host();
  ASSERT_EQ(201, berthd.Put(path, Credentials(registry.host(), "alice", kBasicPassword)).status);

  HttpResponse tags = berthd.Get(path + "/tags?repository=acme/app");
  ASSERT_EQ(200, tags.status) << tags.Describe();
  EXPECT_EQ((json{{"registry", registry.host()},
                  {"repository", "acme/app"},
                  {"tags", {"1.0", "1.1"}}}),
            tags.json());
  HttpResponse missing = berthd.Get(path + "/tags?repository=acme/none");
  EXPECT_EQ(404, missing.status) << missing.Describe();
  EXPECT_NE(std::string::npos, missing.body.find("acme/none")) << missing.body;

  ASSERT_EQ(200, berthd.Put(path, Credentials(registry.host(), "alice", "wrong-pass")).status);
  HttpResponse refused = berthd.Get(path + "/tags?repository=acme/app");
  EXPECT_EQ(502, refused.status) << refused.Describe();
  EXPECT_EQ("upstream", refused.json()["error"]["code"]);
  EXPECT_NE(std::string::npos, refused.body.find("refused the credentials")) << refused.body;
  EXPECT_FALSE(Leaks(berthd, kBasicPassword));
  EXPECT_FALSE(Leaks(berthd, "wrong-pass"));
}

TEST(Registries, TagsThroughBearerTokenFollowEveryPage) {
  std::vector<std::string> many;
  for (int i = 0; i < 250; ++i) {
    char tag[16];
    snprintf(tag, sizeof tag, "1.%03d", i);
    many.push_back(tag);
  }
  TokenRegistry registry;
  ASSERT_TRUE(registry.Start("bob", kTokenPassword, {{"acme/app", many}}));
  BerthdProcess berthd(DebugLog());
  ASSERT_TRUE(berthd.Start());
  std::string path = "/v1/registries/" + registry.host();
  ASSERT_EQ(201, berthd.Post("/v1/registries", Credentials(registry.host(), "bob", kTokenPassword))
                     .status);

  HttpResponse tags = berthd.Get(path + "/tags?repository=acme/app");
  ASSERT_EQ(200, tags.status) << tags.Describe();
  EXPECT_EQ(json(many), tags.json()["tags"]);
  int pages = 0;
  for (const std::string& line : registry.Requests())
    if (line.find("/tags/list") != std::string::npos && line.ends_with(" 200")) ++pages;
  EXPECT_EQ(3, pages) << "250 tags come in pages of 100";
  EXPECT_EQ(1, registry.TokenRequests());

  ASSERT_EQ(200, berthd.Put(path, Credentials(registry.host(), "bob", "wrong-pass")).status);
  HttpResponse refused = berthd.Get(path + "/tags?repository=acme/app");
  EXPECT_EQ(502, refused.status) << refused.Describe();
  EXPECT_NE(std::string::npos, refused.body.find("refused the credentials")) << refused.body;
  EXPECT_FALSE(Leaks(berthd, kTokenPassword));
}

TEST(Registries, UnreachableRegistryIsUnavailable) {
  BerthdProcess berthd;
  ASSERT_TRUE(berthd.Start());
  // A port nothing listens on: bind one, read its number, close it.
  std::string host = "127.0.0.1:" + std::to_string(FreeTcpPort());
  ASSERT_EQ(201, berthd.Post("/v1/registries", Credentials(host, "u", "p")).status);
  HttpResponse tags = berthd.Get("/v1/registries/" + host + "/tags?repository=acme/app");
  EXPECT_EQ(503, tags.status) << tags.Describe();
  EXPECT_NE(std::string::npos, tags.body.find(host)) << tags.body;
}

json ContainerApp(const std::string& name, const std::string& image) {
  return {{"name", name}, {"kind", "container"}, {"image", image}, {"autostart", false}};
}

TEST(Registries, AppImageTagsWithItsOwnRegistryAuth) {
  PrivateRegistry registry;
  ASSERT_TRUE(StartWithTags(registry, {"1.0", "2.0"}));
  BerthdProcess berthd(DebugLog());
  ASSERT_TRUE(berthd.Start());
  ContainerCleanup cleanup("berth.app=regauth");
  json app = ContainerApp("regauth", registry.Image("acme/app:1.0"));
  app["registry_auth"] = {{"username", "alice"}, {"password", kBasicPassword}};
  ASSERT_EQ(201, berthd.Post("/v1/apps", app).status);

  HttpResponse tags = berthd.Get("/v1/apps/regauth/image/tags");
  ASSERT_EQ(200, tags.status) << tags.Describe();
  EXPECT_EQ((json{{"registry", registry.host()},
                  {"repository", "acme/app"},
                  {"tags", {"1.0", "2.0"}}}),
            tags.json());
  ASSERT_EQ(201, berthd.Post("/v1/apps", ContainerApp("noauth", registry.Image("acme/app:1.0")))
                     .status);
  EXPECT_EQ(502, berthd.Get("/v1/apps/noauth/image/tags").status)
      << "a registry with auth answered without credentials";
  EXPECT_FALSE(Leaks(berthd, kBasicPassword));
}

TEST(Registries, AppImageTagsWithTheNamedCredentials) {
  ASSERT_TRUE(EnsureDocker());
  TokenRegistry registry;
  ASSERT_TRUE(registry.Start("bob", kTokenPassword, {{"acme/app", {"1.0", "1.1", "2.0"}}}));
  BerthdProcess berthd(DebugLog());
  ASSERT_TRUE(berthd.Start());
  ContainerCleanup cleanup("berth.app=named");
  ASSERT_EQ(201, berthd.Post("/v1/apps", ContainerApp("named", registry.host() + "/acme/app:1.0"))
                     .status);
  EXPECT_EQ(502, berthd.Get("/v1/apps/named/image/tags").status) << "no credentials yet";
  ASSERT_EQ(201, berthd.Post("/v1/registries", Credentials(registry.host(), "bob", kTokenPassword))
                     .status);

  HttpResponse tags = berthd.Get("/v1/apps/named/image/tags");
  ASSERT_EQ(200, tags.status) << tags.Describe();
  EXPECT_EQ(json({"1.0", "1.1", "2.0"}), tags.json()["tags"]);
  EXPECT_EQ("acme/app", tags.json()["repository"]);
  EXPECT_FALSE(Leaks(berthd, kTokenPassword));
  EXPECT_EQ(409, berthd.Post("/v1/apps", json{{"name", "proc"}, {"command", {"true"}},
                                              {"autostart", false}})
                         .status == 201
                     ? berthd.Get("/v1/apps/proc/image/tags").status
                     : 0);
}

}  // namespace
}  // namespace berth::testing
