// Black-box tests of app logs: the ring behind GET .../logs, line splitting, and the live
// Server-Sent Events stream with Last-Event-ID resumption.
#include <algorithm>

#include "tests/integration/berthd_harness.h"

namespace berth::testing {
namespace {

using LogsTest = BerthdTest;

// A script printing "<prefix>1" .. "<prefix>N" on stdout, then `tail`.
std::string Numbered(const std::string& prefix, int n, const std::string& tail) {
  return "i=1; while [ $i -le " + std::to_string(n) + " ]; do echo " + prefix +
         "$i; i=$((i+1)); done; " + tail;
}

nlohmann::json GetLogs(BerthdProcess& berthd, const std::string& name, const std::string& query) {
  HttpResponse response = berthd.Get("/v1/apps/" + name + "/logs" + query);
  EXPECT_EQ(200, response.status) << response.Describe();
  return response.json();
}

::testing::AssertionResult SeqsIncrease(const nlohmann::json& logs) {
  long previous = -1;
  for (const nlohmann::json& entry : logs) {
    if (!entry.contains("seq") || !entry["seq"].is_number_integer()) {
      return ::testing::AssertionFailure() << "entry without integer seq: " << entry.dump();
    }
    long seq = entry["seq"];
    if (seq <= previous)
      return ::testing::AssertionFailure() << "seq " << seq << " after " << previous;
    previous = seq;
  }
  return ::testing::AssertionSuccess();
}

TEST_F(LogsTest, LastEntriesInOrder) {
  ASSERT_EQ(201, berthd()
                     .Post("/v1/apps",
                           ProcessApp("logs-last", Sh(Numbered("line-", 20, "exec sleep 1000"))))
                     .status);
  ASSERT_TRUE(berthd().WaitForLogLine("logs-last", "line-20")) << berthd().LastSeen();
  nlohmann::json logs = GetLogs(berthd(), "logs-last", "?entries=5");
  ASSERT_TRUE(logs.is_array()) << logs.dump();
  EXPECT_EQ((std::vector<std::string>{"line-16", "line-17", "line-18", "line-19", "line-20"}),
            LogLines(logs));
  EXPECT_TRUE(SeqsIncrease(logs));
  for (const nlohmann::json& entry : logs) {
    EXPECT_EQ("stdout", entry.value("stream", "")) << entry.dump();
    std::string ts = entry.value("ts", "");
    EXPECT_TRUE(ts.size() >= 20 && ts.back() == 'Z' && ts[10] == 'T') << "ts " << ts;
  }
}

TEST_F(LogsTest, DefaultIsTheLast100) {
  ASSERT_EQ(201, berthd()
                     .Post("/v1/apps",
                           ProcessApp("logs-default", Sh(Numbered("n", 150, "exec sleep 1000"))))
                     .status);
  ASSERT_TRUE(berthd().WaitForLogLine("logs-default", "n150")) << berthd().LastSeen();
  std::vector<std::string> lines = LogLines(GetLogs(berthd(), "logs-default", ""));
  ASSERT_EQ(100u, lines.size());
  EXPECT_EQ("n51", lines.front());
  EXPECT_EQ("n150", lines.back());
}

TEST_F(LogsTest, StreamsAreLabelled) {
  ASSERT_EQ(201,
            berthd()
                .Post("/v1/apps", ProcessApp("logs-streams", Sh("echo to-out; echo to-err >&2; "
                                                                "exec sleep 1000")))
                .status);
  ASSERT_TRUE(berthd().WaitForLogLine("logs-streams", "to-out")) << berthd().LastSeen();
  ASSERT_TRUE(berthd().WaitForLogLine("logs-streams", "to-err")) << berthd().LastSeen();
  nlohmann::json logs = GetLogs(berthd(), "logs-streams", "?entries=10");
  for (const nlohmann::json& entry : logs) {
    std::string line = entry.value("line", "");
    if (line == "to-out") {
      EXPECT_EQ("stdout", entry.value("stream", ""));
    } else if (line == "to-err") {
      EXPECT_EQ("stderr", entry.value("stream", ""));
    }
  }
  EXPECT_TRUE(SeqsIncrease(logs));
}

TEST_F(LogsTest, FinalLineWithoutNewlineIsKept) {
  ASSERT_EQ(201,
            berthd()
                .Post("/v1/apps", ProcessApp("logs-tail", Sh("printf 'first\\nno-newline-tail'"),
                                             {{"restart", "never"}}))
                .status);
  auto logs = berthd().WaitForLogLine("logs-tail", "no-newline-tail");
  ASSERT_TRUE(logs) << berthd().LastSeen();
  std::vector<std::string> lines = LogLines(*logs);
  EXPECT_NE(lines.end(), std::find(lines.begin(), lines.end(), "first"));
  EXPECT_NE(lines.end(), std::find(lines.begin(), lines.end(), "no-newline-tail"));
}

TEST_F(LogsTest, LongLineIsSplitIntoPiecesOf16KiB) {
  ASSERT_EQ(201, berthd()
                     .Post("/v1/apps",
                           ProcessApp("logs-long", Sh("head -c 40000 /dev/zero | tr '\\0' x; "
                                                      "echo; echo after-long; exec sleep 1000")))
                     .status);
  auto logs = berthd().WaitForLogLine("logs-long", "after-long");
  ASSERT_TRUE(logs) << berthd().LastSeen();
  size_t total = 0, pieces = 0;
  for (const std::string& line : LogLines(*logs)) {
    if (line.empty() || line.find_first_not_of('x') != std::string::npos) continue;
    EXPECT_LE(line.size(), 16384u);
    total += line.size();
    ++pieces;
  }
  EXPECT_EQ(40000u, total);
  EXPECT_GE(pieces, 3u);
}

TEST_F(LogsTest, RingKeepsTheLast1000Lines) {
  ASSERT_EQ(201, berthd()
                     .Post("/v1/apps", ProcessApp("logs-ring", Sh("seq 1 1500; echo ring-done; "
                                                                  "exec sleep 1000")))
                     .status);
  ASSERT_TRUE(berthd().WaitForLogLine("logs-ring", "ring-done")) << berthd().LastSeen();
  nlohmann::json logs = GetLogs(berthd(), "logs-ring", "?entries=1000");
  std::vector<std::string> lines = LogLines(logs);
  ASSERT_EQ(1000u, lines.size());
  EXPECT_EQ("ring-done", lines.back());
  EXPECT_EQ("1500", lines[lines.size() - 2]);
  EXPECT_EQ("502", lines.front()) << "1501 lines were printed; the first 501 drop out";
  EXPECT_TRUE(SeqsIncrease(logs));
}

bool IsLog(const SseEvent& event) { return event.event == "log"; }

long Seq(const SseEvent& event) {
  nlohmann::json data = event.json();
  return data.is_object() && data["seq"].is_number_integer() ? data["seq"].get<long>() : -1;
}

TEST_F(LogsTest, FollowDeliversNewLinesAndResumesAfterLastEventId) {
  ASSERT_EQ(201,
            berthd()
                .Post("/v1/apps", ProcessApp("logs-follow", Sh("i=0; while :; do i=$((i+1)); "
                                                               "echo tick-$i; sleep 0.2; done")))
                .status);
  ASSERT_TRUE(berthd().WaitForLogLine("logs-follow", "tick-2")) << berthd().LastSeen();

  auto stream = berthd().OpenSse("/v1/apps/logs-follow/logs?follow=true&entries=1");
  ASSERT_EQ(200, stream->WaitForStatus()) << stream->RawBody();
  EXPECT_EQ(0u, stream->header("content-type").rfind("text/event-stream", 0))
      << stream->header("content-type");
  auto backlog = stream->WaitForEvent(IsLog);
  ASSERT_TRUE(backlog) << stream->RawBody();
  EXPECT_EQ(std::to_string(Seq(*backlog)), backlog->id) << "id: must carry the seq";
  long backlog_seq = Seq(*backlog);
  ASSERT_GE(backlog_seq, 0) << backlog->data;
  EXPECT_EQ(0u, backlog->json().value("line", "").rfind("tick-", 0)) << backlog->data;

  // Lines printed after the stream opened arrive live.
  auto live =
      stream->WaitForEvent([&](const SseEvent& e) { return IsLog(e) && Seq(e) > backlog_seq; });
  ASSERT_TRUE(live) << stream->RawBody();
  auto later =
      stream->WaitForEvent([&](const SseEvent& e) { return IsLog(e) && Seq(e) > Seq(*live); });
  ASSERT_TRUE(later) << stream->RawBody();
  stream->Close();

  // Resuming after `live` starts exactly at the next line.
  auto resumed =
      berthd().OpenSse("/v1/apps/logs-follow/logs?follow=true", {"Last-Event-ID: " + live->id});
  ASSERT_EQ(200, resumed->WaitForStatus()) << resumed->RawBody();
  auto first = resumed->WaitForEvent(IsLog);
  ASSERT_TRUE(first) << resumed->RawBody();
  EXPECT_EQ(Seq(*later), Seq(*first))
      << "first event after Last-Event-ID " << live->id << ": " << first->data;
  EXPECT_EQ(later->json().value("line", ""), first->json().value("line", ""));
}

TEST_F(LogsTest, FollowSeesOutputOfARestart) {
  ASSERT_EQ(201,
            berthd()
                .Post("/v1/apps", ProcessApp("logs-banner", Sh("echo banner-$$; exec sleep 1000")))
                .status);
  ASSERT_TRUE(berthd().WaitForState("logs-banner", "running")) << berthd().LastSeen();
  ASSERT_TRUE(berthd().WaitForLogLine("logs-banner", "banner-")) << berthd().LastSeen();

  auto stream = berthd().OpenSse("/v1/apps/logs-banner/logs?follow=true&entries=10");
  ASSERT_EQ(200, stream->WaitForStatus()) << stream->RawBody();
  auto old_banner = stream->WaitForEvent(IsLog);
  ASSERT_TRUE(old_banner) << stream->RawBody();
  std::string old_line = old_banner->json().value("line", "");

  HttpResponse restart =
      berthd().Post("/v1/apps/logs-banner/control", nlohmann::json{{"command", "restart"}});
  ASSERT_EQ(202, restart.status) << restart.Describe();
  auto new_banner = stream->WaitForEvent([&](const SseEvent& e) {
    std::string line = e.json().is_object() ? e.json().value("line", "") : "";
    return IsLog(e) && line.rfind("banner-", 0) == 0 && line != old_line;
  });
  ASSERT_TRUE(new_banner) << stream->RawBody();
  EXPECT_GT(Seq(*new_banner), Seq(*old_banner));
}

TEST_F(LogsTest, OutputIsForwardedToTheDaemonLog) {
  ASSERT_EQ(201, berthd()
                     .Post("/v1/apps", ProcessApp("logs-fwd", Sh("echo fwd-out; echo fwd-err >&2; "
                                                                 "exec sleep 1000")))
                     .status);
  EXPECT_TRUE(WaitUntil([&] {
    std::string err = berthd().StderrContents();
    return err.find("logs-fwd[stdout]: fwd-out") != std::string::npos &&
           err.find("logs-fwd[stderr]: fwd-err") != std::string::npos;
  })) << berthd().StderrContents();
}

TEST_F(LogsTest, FollowOfUnknownAppIs404) {
  auto stream = berthd().OpenSse("/v1/apps/logs-ghost/logs?follow=true");
  EXPECT_EQ(404, stream->WaitForStatus()) << stream->RawBody();
}

TEST_F(LogsTest, SeveralFollowersOfOneApp) {
  ASSERT_EQ(201, berthd()
                     .Post("/v1/apps", ProcessApp("logs-multi", Sh("echo banner-$$; "
                                                                   "exec sleep 1000")))
                     .status);
  ASSERT_TRUE(berthd().WaitForLogLine("logs-multi", "banner-")) << berthd().LastSeen();
  std::vector<std::unique_ptr<SseClient>> streams;
  for (int i = 0; i < 3; ++i) {
    streams.push_back(berthd().OpenSse("/v1/apps/logs-multi/logs?follow=true&entries=1"));
    ASSERT_EQ(200, streams.back()->WaitForStatus());
    ASSERT_TRUE(streams.back()->WaitForEvent(IsLog)) << streams.back()->RawBody();
  }
  streams[1]->Close();  // one goes away before anything new is written
  ASSERT_EQ(
      202,
      berthd().Post("/v1/apps/logs-multi/control", nlohmann::json{{"command", "restart"}}).status);
  for (int i : {0, 2}) {
    EXPECT_TRUE(streams[i]->WaitForEvent(IsLog)) << "stream " << i << ": " << streams[i]->RawBody();
  }
}

TEST_F(LogsTest, FollowSendsKeepAliveComments) {
  ASSERT_EQ(
      201,
      berthd().Post("/v1/apps", ProcessApp("logs-quiet", Sh("echo once; exec sleep 1000"))).status);
  ASSERT_TRUE(berthd().WaitForLogLine("logs-quiet", "once")) << berthd().LastSeen();
  auto stream = berthd().OpenSse("/v1/apps/logs-quiet/logs?follow=true");
  ASSERT_EQ(200, stream->WaitForStatus());
  // Whatever the stream opens with, a further ':' comment comes within 15 s (plus slack) and
  // keeps proxies from closing an idle stream.
  ASSERT_TRUE(stream->WaitForEvent(IsLog)) << stream->RawBody();  // the opening is all in
  int initial = stream->CommentCount();
  EXPECT_TRUE(
      WaitUntil([&] { return stream->CommentCount() > initial; }, seconds(20), milliseconds(100)))
      << stream->RawBody();
  EXPECT_FALSE(stream->Finished());
}

}  // namespace
}  // namespace berth::testing
