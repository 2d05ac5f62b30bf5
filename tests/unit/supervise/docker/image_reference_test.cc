// Tests of ParseImageReference against the cases of Docker's reference grammar: Docker Hub
// names, registries with ports and IP addresses, tags, digests, and what Docker refuses.
#include "supervise/docker/image_reference.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace berth::docker {
namespace {

const std::string kDigest =
    "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

ImageReference MustParse(std::string_view text) {
  auto parsed = ParseImageReference(text);
  EXPECT_TRUE(parsed.ok()) << text << ": " << parsed.status().message();
  return parsed.ok() ? parsed.value() : ImageReference{};
}

TEST(ImageReferenceTest, DockerHubOfficialImage) {
  ImageReference ref = MustParse("busybox");
  EXPECT_EQ(ref, (ImageReference{"docker.io", "library/busybox", "latest", ""}));
  EXPECT_EQ(ref.ApiHost(), "registry-1.docker.io");
  EXPECT_EQ(ref.Name(), "docker.io/library/busybox");
  EXPECT_EQ(ref.ToString(), "docker.io/library/busybox:latest");
  EXPECT_EQ(MustParse("busybox:1.36-musl"),
            (ImageReference{"docker.io", "library/busybox", "1.36-musl", ""}));
}

TEST(ImageReferenceTest, DockerHubSpellings) {
  for (const char* text : {"library/busybox", "docker.io/busybox", "docker.io/library/busybox",
                           "index.docker.io/busybox"}) {
    EXPECT_EQ(MustParse(text), (ImageReference{"docker.io", "library/busybox", "latest", ""}))
        << text;
  }
  EXPECT_EQ(MustParse("acme/app:2").repository, "acme/app");
  EXPECT_EQ(MustParse("acme/app:2").registry, "docker.io");
}

TEST(ImageReferenceTest, RegistryWithPortAndNestedRepository) {
  ImageReference ref = MustParse("registry.example.com:5000/acme/whoami:1.4");
  EXPECT_EQ(ref, (ImageReference{"registry.example.com:5000", "acme/whoami", "1.4", ""}));
  EXPECT_EQ(ref.ApiHost(), "registry.example.com:5000");
  EXPECT_EQ(MustParse("127.0.0.1:5000/x/y:tag"),
            (ImageReference{"127.0.0.1:5000", "x/y", "tag", ""}));
  EXPECT_EQ(MustParse("localhost/app"), (ImageReference{"localhost", "app", "latest", ""}));
  EXPECT_EQ(MustParse("localhost:5000/app").registry, "localhost:5000");
  EXPECT_EQ(MustParse("[::1]:5000/a/b/c").registry, "[::1]:5000");
  EXPECT_EQ(MustParse("ghcr.io/acme/tools/cli").repository, "acme/tools/cli");
  // An uppercase first component is a registry too (Docker's splitDockerDomain).
  EXPECT_EQ(MustParse("Example/app").registry, "Example");
  // Without a slash, a port-like suffix is a tag.
  EXPECT_EQ(MustParse("localhost:5000"),
            (ImageReference{"docker.io", "library/localhost", "5000", ""}));
}

TEST(ImageReferenceTest, Digests) {
  ImageReference ref = MustParse("library/busybox@" + kDigest);
  EXPECT_EQ(ref, (ImageReference{"docker.io", "library/busybox", "", kDigest}));
  EXPECT_EQ(ref.ToString(), "docker.io/library/busybox@" + kDigest);
  ImageReference both = MustParse("127.0.0.1:5000/x/y:1.0@" + kDigest);
  EXPECT_EQ(both, (ImageReference{"127.0.0.1:5000", "x/y", "1.0", kDigest}));
  EXPECT_EQ(both.ToString(), "127.0.0.1:5000/x/y:1.0@" + kDigest);
  EXPECT_TRUE(ParseImageReference("a@sha512:" + std::string(128, 'f')).ok());
}

TEST(ImageReferenceTest, SeparatorsInRepositoryComponents) {
  for (const char* good : {"a.b/c_d/e__f/g-h/i---j", "a1/2b", "x" /* one letter */}) {
    EXPECT_TRUE(ParseImageReference(good).ok()) << good;
  }
  for (const char* bad : {"a..b", "a___b", "-a", "a-", "a/_b", "a//b", "a/", "/a", "a_/b"}) {
    EXPECT_FALSE(ParseImageReference(bad).ok()) << bad;
  }
}

TEST(ImageReferenceTest, TagRules) {
  EXPECT_TRUE(ParseImageReference("a:" + std::string(128, 'v')).ok());
  EXPECT_TRUE(ParseImageReference("a:_x.Y-1").ok());
  for (const std::string& bad :
       std::vector<std::string>{"a:", "a:.x", "a:-x", "a:x+y", "a:" + std::string(129, 'v')}) {
    auto parsed = ParseImageReference(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_NE(parsed.status().message().find("tag"), std::string::npos) << bad;
  }
}

TEST(ImageReferenceTest, RefusalsSayWhatIsWrong) {
  struct Case {
    std::string text;
    const char* says;
  };
  const Case cases[] = {
      {"", "empty"},
      {"Busybox", "lowercase"},
      {"acme/App:1", "lowercase"},
      {"registry.example.com:50a0/x", "registry"},
      {"-bad.example.com/x", "registry"},
      {"bad..example.com/x", "registry"},
      {"[::1/x", "registry"},
      {"a@sha256:abc", "64 lowercase hex"},
      {"a@sha256:" + std::string(64, 'E'), "64 lowercase hex"},
      {"a@md5:" + std::string(32, 'e'), "sha256"},
      {"a@", "digest"},
      {"busybox latest", "repository"},
      {std::string(64, 'a'), "image ID"},
      {"r.io/" + std::string(260, 'a'), "255"},
  };
  for (const Case& c : cases) {
    auto parsed = ParseImageReference(c.text);
    ASSERT_FALSE(parsed.ok()) << c.text;
    EXPECT_NE(parsed.status().message().find(c.says), std::string::npos)
        << c.text << ": " << parsed.status().message();
    EXPECT_EQ(parsed.status().code(), Status::Code::kInvalid);
  }
}

}  // namespace
}  // namespace berth::docker
