// Tests of webhook signature checks, with digests computed once by the openssl CLI
// (printf '%s' "$BODY" | openssl dgst -sha256 -hmac "$SECRET").
#include "handlers/webhook_signature.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

namespace berth {
namespace {

constexpr std::string_view kSecret = "It's a Secret to Everybody";
constexpr std::string_view kBody = R"({"ref":"refs/heads/main","after":"0123abcd"})";
// kBody with its last hex digit changed from d to e.
constexpr std::string_view kTamperedBody = R"({"ref":"refs/heads/main","after":"0123abce"})";
constexpr std::string_view kSha1 = "731deec5025badcf1962284f5d180b61db0ca2c0";
constexpr std::string_view kSha256 =
    "195469c9e71b3bf6cfa1e5be0a048815df8accf5f00ae1aa0c30de407c675763";
constexpr std::string_view kSha512 =
    "1feee477d3118ee6a403bd5875052818043918108b30307099ce9a4364f544084a5413e8f8633abdf96dad463fb8"
    "10b9428ab6b3d892ed5aaf20c8db0bc98415";
// kBody signed with "wrong secret".
constexpr std::string_view kSha256WrongSecret =
    "fe9f1519d595572c19a6d81cd5e39b3eb5532a5a36c330dca5e5567748c8fab3";
// The empty body.
constexpr std::string_view kSha256Empty =
    "66a0c074deaa0f489ead6537e0d32f9a344b90bbeda705b6ed45ecd3b413fb40";

std::string Upper(std::string_view text) {
  std::string upper(text);
  std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
  return upper;
}

// Request headers, found by name in any case as evhttp does.
class Headers {
 public:
  Headers(std::initializer_list<std::pair<const std::string, std::string>> headers) {
    for (const auto& [name, value] : headers) headers_[Upper(name)] = value;
  }
  HeaderLookup Lookup() const {
    return [this](std::string_view name) -> std::optional<std::string_view> {
      auto it = headers_.find(Upper(name));
      if (it == headers_.end()) return std::nullopt;
      return std::string_view(it->second);
    };
  }

 private:
  std::map<std::string, std::string> headers_;
};

Status Verify(const Headers& headers, std::string_view body = kBody, std::string_view header = "",
              std::string_view secret = kSecret) {
  return VerifyWebhookSignature(headers.Lookup(), body, secret, header);
}

std::string Prefixed(std::string_view algorithm, std::string_view hex) {
  return std::string(algorithm) + "=" + std::string(hex);
}

// A refusal: 401, its message as expected, and none of the secrets or digests in it.
void ExpectRefused(const Status& status, const std::string& message) {
  EXPECT_EQ(status.code(), Status::Code::kUnauthenticated) << status.message();
  EXPECT_EQ(status.message(), message);
  for (std::string_view secret : {kSecret, kSha1, kSha256, kSha512, kSha256Empty}) {
    EXPECT_EQ(status.message().find(secret), std::string::npos) << status.message();
    EXPECT_EQ(Upper(status.message()).find(Upper(secret)), std::string::npos);
  }
}

TEST(WebhookSignatureTest, GitHubDocumentedExample) {
  Headers headers{{"X-Hub-Signature-256",
                   "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"}};
  EXPECT_TRUE(Verify(headers, "Hello, World!").ok());
}

TEST(WebhookSignatureTest, AcceptsEveryProviderFormat) {
  EXPECT_TRUE(Verify({{"X-Hub-Signature-256", Prefixed("sha256", kSha256)}}).ok());
  EXPECT_TRUE(Verify({{"X-Hub-Signature", Prefixed("sha1", kSha1)}}).ok());      // GitHub legacy
  EXPECT_TRUE(Verify({{"X-Hub-Signature", Prefixed("sha256", kSha256)}}).ok());  // Bitbucket
  EXPECT_TRUE(Verify({{"X-Gitea-Signature", std::string(kSha256)}}).ok());
  EXPECT_TRUE(Verify({{"X-Forgejo-Signature", std::string(kSha256)}}).ok());
  EXPECT_TRUE(Verify({{"X-Gitlab-Token", std::string(kSecret)}}).ok());
  EXPECT_TRUE(Verify({{"x-hub-signature-256", Prefixed("sha512", kSha512)}}).ok());
  EXPECT_TRUE(Verify({{"X-Gitea-Signature", std::string(kSha256Empty)}}, "").ok());
}

TEST(WebhookSignatureTest, AcceptsUpperCaseHexAndAlgorithm) {
  EXPECT_TRUE(Verify({{"X-Hub-Signature-256", "sha256=" + Upper(kSha256)}}).ok());
  EXPECT_TRUE(Verify({{"X-Gitea-Signature", Upper(kSha256)}}).ok());
  EXPECT_TRUE(Verify({{"X-Hub-Signature", Upper(Prefixed("sha1", kSha1))}}).ok());
}

TEST(WebhookSignatureTest, ConfiguredHeaderInAnyCase) {
  Headers headers{{"X-Gitea-Signature", std::string(kSha256)},
                  {"X-Custom-Signature", Prefixed("sha1", kSha1)}};
  EXPECT_TRUE(Verify(headers, kBody, "x-gitea-signature").ok());
  EXPECT_TRUE(Verify(headers, kBody, "X-CUSTOM-SIGNATURE").ok());
  EXPECT_TRUE(Verify({{"X-Gitlab-Token", std::string(kSecret)}}, kBody, "x-gitlab-token").ok());
}

TEST(WebhookSignatureTest, RefusesWrongSecret) {
  ExpectRefused(Verify({{"X-Hub-Signature-256", Prefixed("sha256", kSha256WrongSecret)}}),
                "X-Hub-Signature-256 does not match the body");
  ExpectRefused(Verify({{"X-Gitea-Signature", std::string(kSha256)}}, kBody, "", "wrong secret"),
                "X-Gitea-Signature does not match the body");
  ExpectRefused(Verify({{"X-Gitlab-Token", "It's a Secret to Everybod"}}),
                "X-Gitlab-Token does not match the webhook secret");
  ExpectRefused(Verify({{"X-Gitlab-Token", std::string(kSecret) + "!"}}),
                "X-Gitlab-Token does not match the webhook secret");
  ExpectRefused(Verify({{"X-Gitlab-Token", std::string(kSha256)}}),
                "X-Gitlab-Token does not match the webhook secret");
}

TEST(WebhookSignatureTest, RefusesTamperedBody) {
  ExpectRefused(Verify({{"X-Hub-Signature-256", Prefixed("sha256", kSha256)}}, kTamperedBody),
                "X-Hub-Signature-256 does not match the body");
  ExpectRefused(Verify({{"X-Hub-Signature", Prefixed("sha1", kSha1)}}, kTamperedBody),
                "X-Hub-Signature does not match the body");
  ExpectRefused(Verify({{"X-Forgejo-Signature", std::string(kSha256)}}, ""),
                "X-Forgejo-Signature does not match the body");
}

TEST(WebhookSignatureTest, OnlyTheConfiguredHeaderCounts) {
  Headers headers{{"X-Hub-Signature-256", Prefixed("sha256", kSha256)},
                  {"X-Gitea-Signature", std::string(kSha256WrongSecret)}};
  ExpectRefused(Verify(headers, kBody, "X-Gitea-Signature"),
                "X-Gitea-Signature does not match the body");
  ExpectRefused(Verify(headers, kBody, "x-gitlab-token"),
                "no signature header (expected X-Gitlab-Token)");
  ExpectRefused(Verify(headers, kBody, "X-Other"), "no signature header (expected X-Other)");
}

TEST(WebhookSignatureTest, DetectsInFixedOrder) {
  // X-Hub-Signature-256 comes before X-Gitea-Signature, which comes before X-Hub-Signature.
  Headers wrong_first{{"X-Hub-Signature-256", Prefixed("sha256", kSha256WrongSecret)},
                      {"X-Gitea-Signature", std::string(kSha256)}};
  ExpectRefused(Verify(wrong_first), "X-Hub-Signature-256 does not match the body");
  Headers right_first{{"X-Gitea-Signature", std::string(kSha256)}, {"X-Hub-Signature", "sha1=00"}};
  EXPECT_TRUE(Verify(right_first).ok());
  Headers token_before_legacy{{"X-Hub-Signature", Prefixed("sha1", kSha1)},
                              {"X-Gitlab-Token", "nope"}};
  ExpectRefused(Verify(token_before_legacy), "X-Gitlab-Token does not match the webhook secret");
}

TEST(WebhookSignatureTest, RefusesMissingHeader) {
  ExpectRefused(Verify({{"X-Signature", Prefixed("sha256", kSha256)}}),
                "no signature header (expected one of X-Hub-Signature-256, X-Gitea-Signature, "
                "X-Forgejo-Signature, X-Gitlab-Token, X-Hub-Signature)");
}

TEST(WebhookSignatureTest, RefusesMalformedValues) {
  const std::string h = "X-Hub-Signature";
  ExpectRefused(Verify({{h, ""}}), h + " is empty");
  ExpectRefused(Verify({{h, "  "}}), h + " is empty");
  ExpectRefused(Verify({{h, "md5=0123"}}), h + ": unknown algorithm md5");
  ExpectRefused(Verify({{h, "=" + std::string(kSha256)}}), h + ": malformed algorithm name");
  ExpectRefused(Verify({{h, "sha 256\n=00"}}), h + ": malformed algorithm name");
  ExpectRefused(Verify({{h, "sha256="}}), h + ": a sha256 signature has 64 hex digits, not 0");
  ExpectRefused(Verify({{h, "sha256=abc"}}), h + ": odd number of hex digits");
  ExpectRefused(Verify({{h, "sha256=zz"}}), h + ": not hexadecimal");
  ExpectRefused(Verify({{h, "sha256=" + std::string(kSha256) + "=="}}), h + ": not hexadecimal");
  ExpectRefused(Verify({{h, "sha1=" + std::string(kSha256)}}),
                h + ": a sha1 signature has 40 hex digits, not 64");
  ExpectRefused(Verify({{h, Prefixed("sha256", kSha256.substr(0, 62))}}),
                h + ": a sha256 signature has 64 hex digits, not 62");
  ExpectRefused(Verify({{"X-Gitea-Signature", std::string(kSha1)}}),
                "X-Gitea-Signature: a sha256 signature has 64 hex digits, not 40");
  ExpectRefused(Verify({{h, std::string("sha256=\0", 8)}}), h + ": odd number of hex digits");
}

TEST(WebhookSignatureTest, RefusesEmptySecret) {
  ExpectRefused(Verify({{"X-Gitlab-Token", ""}}, kBody, "", ""),
                "the app has no webhook secret: configure one to take webhooks");
  Headers empty_key_hmac{{"X-Gitea-Signature", std::string(kSha256)}};
  EXPECT_EQ(Verify(empty_key_hmac, kBody, "", "").code(), Status::Code::kUnauthenticated);
}

TEST(WebhookSignatureTest, KnownHeadersInDetectionOrder) {
  std::vector<std::string_view> names;
  for (const SignatureHeader& header : KnownSignatureHeaders()) names.push_back(header.name);
  EXPECT_EQ(names, (std::vector<std::string_view>{"X-Hub-Signature-256", "X-Gitea-Signature",
                                                  "X-Forgejo-Signature", "X-Gitlab-Token",
                                                  "X-Hub-Signature"}));
}

}  // namespace
}  // namespace berth
