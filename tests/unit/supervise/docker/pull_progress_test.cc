// Tests of PullProgressLine and PullProgressError with the objects a pull streams: layer
// progress, status lines, aux objects, and the error object of a failed pull.
#include "supervise/docker/pull_progress.h"

#include <gtest/gtest.h>

namespace berth::docker {
namespace {

using nlohmann::json;

TEST(PullProgressTest, LinesOfAPull) {
  EXPECT_EQ(PullProgressLine(json::parse(R"({"status":"Pulling from library/busybox",
    "id":"latest"})")),
            "latest: Pulling from library/busybox");
  EXPECT_EQ(PullProgressLine(json::parse(R"({"status":"Downloading","progressDetail":
    {"current":1229,"total":2217},"progress":"[=====>     ]  1.229kB/2.217kB",
    "id":"a3ed95caeb02"})")),
            "a3ed95caeb02: Downloading [=====>     ]  1.229kB/2.217kB");
  EXPECT_EQ(PullProgressLine(json::parse(R"({"status":"Pull complete","progressDetail":{},
    "id":"a3ed95caeb02"})")),
            "a3ed95caeb02: Pull complete");
  EXPECT_EQ(PullProgressLine(json::parse(R"({"status":"Digest: sha256:abc"})")),
            "Digest: sha256:abc");
  EXPECT_EQ(PullProgressLine(json::parse(R"({"progress":"[==>]","id":"x"})")), "x: [==>]");
}

TEST(PullProgressTest, NothingToShow) {
  EXPECT_EQ(PullProgressLine(json::parse(R"({"aux":{"ID":"sha256:abc"}})")), "");
  EXPECT_EQ(PullProgressLine(json::parse(R"({"id":"x"})")), "");
  EXPECT_EQ(PullProgressLine(json::parse(R"({"status":7,"id":"x"})")), "");
  EXPECT_EQ(PullProgressLine(json::array()), "");
  EXPECT_EQ(PullProgressLine(json("status")), "");
}

TEST(PullProgressTest, ControlCharactersBecomeSpaces) {
  EXPECT_EQ(PullProgressLine({{"status", "a\nb\rc\x1b[2K"}, {"id", "i\td"}}), "i d: a b c [2K");
}

TEST(PullProgressTest, ProgressObjectsAreNotErrors) {
  EXPECT_TRUE(PullProgressError(json::parse(R"({"status":"Downloading","id":"x"})")).ok());
  EXPECT_TRUE(PullProgressError(json::parse(R"({"error":null})")).ok());
  EXPECT_TRUE(PullProgressError(json::array()).ok());
}

TEST(PullProgressTest, ErrorObjectGivesTheRegistrysMessage) {
  const char* message =
      "pull access denied for acme/app, repository does not exist or may require 'docker "
      "login': denied: requested access to the resource is denied";
  Status s = PullProgressError(
      {{"errorDetail", {{"message", message}}}, {"error", "pull access denied for acme/app"}});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Status::Code::kUnavailable);
  EXPECT_EQ(s.message(), message);
  Status only_error = PullProgressError(
      json::parse(R"({"error":"manifest for busybox:nope not found: manifest unknown"})"));
  EXPECT_EQ(only_error.message(), "manifest for busybox:nope not found: manifest unknown");
  Status empty = PullProgressError(json::parse(R"({"error":"","errorDetail":{}})"));
  ASSERT_FALSE(empty.ok());
  EXPECT_FALSE(empty.message().empty());
}

}  // namespace
}  // namespace berth::docker
