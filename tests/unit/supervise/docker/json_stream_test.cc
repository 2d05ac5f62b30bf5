// Tests of JsonLineStream: newline-delimited JSON as /events and /images/create send it, cut at
// every byte, with bad and overlong lines that must not stop the lines after them.
#include "supervise/docker/json_stream.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace berth::docker {
namespace {

using nlohmann::json;

// Each value as its compact dump, each error as "error: <message>".
std::vector<std::string> Split(std::string_view body, size_t piece = 0, size_t max_line = 1024) {
  std::vector<std::string> out;
  JsonLineStream stream(
      [&](Result<json> value) {
        out.push_back(value.ok() ? value->dump() : "error: " + value.status().message());
      },
      max_line);
  if (piece == 0) piece = body.size() + 1;
  for (size_t pos = 0; pos < body.size(); pos += piece) stream.Feed(body.substr(pos, piece));
  stream.Finish();
  return out;
}

const char* kEvents =
    R"({"status":"start","id":"abc","Type":"container","Action":"start","Actor":{"ID":"abc",)"
    R"("Attributes":{"name":"web"}},"time":1700000000,"timeNano":1700000000000000000})"
    "\n"
    R"({"status":"Pulling from library/busybox","id":"latest"})"
    "\r\n\n  \n"
    R"({"status":"Downloading","progressDetail":{"current":1,"total":2},"id":"a3"})"
    "\n[1,2]\n\"text\"\n";

TEST(JsonLineStreamTest, SplitsValuesAndSkipsBlankLines) {
  auto values = Split(kEvents);
  ASSERT_EQ(values.size(), 5u);
  EXPECT_EQ(json::parse(values[0])["Actor"]["Attributes"]["name"], "web");
  EXPECT_EQ(values[1], R"({"id":"latest","status":"Pulling from library/busybox"})");
  EXPECT_EQ(values[3], "[1,2]");
  EXPECT_EQ(values[4], "\"text\"");
}

TEST(JsonLineStreamTest, EveryCutGivesTheSameValues) {
  std::string body = kEvents;
  auto whole = Split(body);
  for (size_t piece = 1; piece <= body.size(); ++piece) {
    EXPECT_EQ(Split(body, piece), whole) << "pieces of " << piece;
  }
  for (size_t cut = 0; cut <= body.size(); ++cut) {
    std::vector<std::string> out;
    JsonLineStream stream([&](Result<json> value) { out.push_back(value->dump()); });
    stream.Feed(body.substr(0, cut));
    stream.Feed(body.substr(cut));
    stream.Finish();
    EXPECT_EQ(out, whole) << "cut at " << cut;
  }
}

TEST(JsonLineStreamTest, BadLineDoesNotStopLaterOnes) {
  for (size_t piece : {size_t{0}, size_t{1}, size_t{3}}) {
    auto values = Split("{\"a\":1}\n{\"a\": tru\n}\n{\"b\":2}\n", piece);
    ASSERT_EQ(values.size(), 4u);
    EXPECT_EQ(values[0], R"({"a":1})");
    EXPECT_EQ(values[1].rfind("error: Docker sent a line that is not JSON", 0), 0u) << values[1];
    EXPECT_EQ(values[2].rfind("error: ", 0), 0u);
    EXPECT_EQ(values[3], R"({"b":2})");
  }
}

TEST(JsonLineStreamTest, LastLineWithoutNewlineComesAtFinish) {
  std::vector<std::string> out;
  JsonLineStream stream([&](Result<json> value) { out.push_back(value->dump()); });
  stream.Feed("{\"a\":1}\n{\"b\"");
  stream.Feed(":2}");
  EXPECT_EQ(out.size(), 1u);
  stream.Finish();
  EXPECT_EQ(out, (std::vector<std::string>{R"({"a":1})", R"({"b":2})"}));
}

TEST(JsonLineStreamTest, OverlongLinesAreSkippedWithOneError) {
  std::string body = "{\"a\":\"" + std::string(40, 'x') + "\"}\n{\"b\":1}\n" + "{\"c\":\"" +
                     std::string(40, 'y') + "\"}";
  for (size_t piece : {size_t{0}, size_t{1}, size_t{7}, size_t{32}}) {
    auto values = Split(body, piece, 32);
    ASSERT_EQ(values.size(), 3u) << piece;
    EXPECT_EQ(values[0], "error: Docker sent a JSON line longer than 32 bytes; it was skipped");
    EXPECT_EQ(values[1], R"({"b":1})");
    EXPECT_EQ(values[2], values[0]);
  }
  // A line of exactly the limit is parsed.
  EXPECT_EQ(Split("{\"k\":\"" + std::string(24, 'z') + "\"}\n", 3, 32).size(), 1u);
  EXPECT_EQ(Split("{\"k\":\"" + std::string(24, 'z') + "\"}\n", 3, 32)[0].rfind("error", 0),
            std::string::npos);
}

}  // namespace
}  // namespace berth::docker
