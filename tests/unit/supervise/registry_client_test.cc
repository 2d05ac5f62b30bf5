// Tests of the manifest digest query's pure parts: what it accepts and how it reads the digest.
#include "supervise/registry_client.h"

#include <gtest/gtest.h>

namespace berth {
namespace {

constexpr char kDigest[] =
    "sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b";

HttpResponse WithDigest(const std::string& value) {
  return HttpResponse{.status = 200, .headers = {{"docker-content-digest", value}}};
}

TEST(ManifestAccept, NamesDockerAndOciManifestsAndLists) {
  std::string accept = kManifestAccept;
  EXPECT_EQ(0u, accept.rfind("Accept: ", 0));
  for (const char* type :
       {"application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json"})
    EXPECT_NE(std::string::npos, accept.find(type)) << type;
}

TEST(ManifestDigestOf, ReadsDockerContentDigest) {
  auto digest = ManifestDigestOf(WithDigest(kDigest), "127.0.0.1:5000");
  ASSERT_TRUE(digest.ok()) << digest.status().message();
  EXPECT_EQ(kDigest, *digest);
}

TEST(ManifestDigestOf, RefusesAMissingOrMalformedDigest) {
  auto missing = ManifestDigestOf(HttpResponse{.status = 200}, "ghcr.io");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(Status::Code::kUpstream, missing.status().code());
  EXPECT_NE(std::string::npos, missing.status().message().find("ghcr.io"));
  EXPECT_NE(std::string::npos, missing.status().message().find("Docker-Content-Digest"));
  for (const char* bad : {"sha256", "sha256:", ":abc", "sha256:XYZ", "SHA256:abc", "sha256:ab cd"})
    EXPECT_FALSE(ManifestDigestOf(WithDigest(bad), "ghcr.io").ok()) << bad;
}

}  // namespace
}  // namespace berth
