// Black-box tests of GET /v1/events: state transitions of apps as Server-Sent Events.
#include "tests/integration/berthd_harness.h"

namespace berth::testing {
namespace {

using EventsTest = BerthdTest;

// An `event: app` about `app` whose data has to == `to`.
std::function<bool(const SseEvent&)> Transition(const std::string& app, const std::string& to) {
  return [app, to](const SseEvent& event) {
    nlohmann::json data = event.json();
    return event.event == "app" && data.is_object() && data.value("app", "") == app &&
           data.value("to", "") == to;
  };
}

TEST_F(EventsTest, StopAndStartArePublished) {
  ASSERT_EQ(201, berthd().Post("/v1/apps", ProcessApp("ev-cycle", Sh("exec sleep 1000"))).status);
  auto running = berthd().WaitForState("ev-cycle", "running");
  ASSERT_TRUE(running) << berthd().LastSeen();

  auto stream = berthd().OpenSse("/v1/events");
  ASSERT_EQ(200, stream->WaitForStatus()) << stream->RawBody();
  EXPECT_EQ(0u, stream->header("content-type").rfind("text/event-stream", 0))
      << stream->header("content-type");

  ASSERT_EQ(202,
            berthd().Post("/v1/apps/ev-cycle/control", nlohmann::json{{"command", "stop"}}).status);
  auto stopped = stream->WaitForEvent(Transition("ev-cycle", "stopped"));
  ASSERT_TRUE(stopped) << stream->RawBody();
  nlohmann::json data = stopped->json();
  EXPECT_TRUE(data["from"].is_string()) << stopped->data;
  EXPECT_NE("stopped", data.value("from", "")) << stopped->data;
  EXPECT_TRUE(data["ts"].is_string()) << stopped->data;
  // The move out of running was published too.
  bool left_running = false;
  for (const SseEvent& event : stream->AllEvents()) {
    nlohmann::json d = event.json();
    if (event.event == "app" && d.is_object() && d.value("app", "") == "ev-cycle" &&
        d.value("from", "") == "running") {
      left_running = true;
    }
  }
  EXPECT_TRUE(left_running) << stream->RawBody();

  ASSERT_EQ(
      202, berthd().Post("/v1/apps/ev-cycle/control", nlohmann::json{{"command", "start"}}).status);
  auto started = stream->WaitForEvent(Transition("ev-cycle", "running"));
  ASSERT_TRUE(started) << stream->RawBody();
  nlohmann::json start_data = started->json();
  EXPECT_TRUE(start_data["from"].is_string()) << started->data;
  EXPECT_TRUE(start_data["pid"].is_number_integer() && start_data["pid"].get<long>() > 0)
      << started->data;
  auto app = berthd().Get("/v1/apps/ev-cycle").json();
  EXPECT_EQ(AppPid(app), start_data.value("pid", 0L)) << "events and GET read the same state";
}

TEST_F(EventsTest, AtShutdownSubscribersGetEveryStoppedEventBeforeTheStreamEnds) {
  const std::vector<std::string> names = {"ev-down-a", "ev-down-b", "ev-down-c"};
  for (size_t i = 0; i < names.size(); ++i) {
    ASSERT_EQ(201, berthd()
                       .Post("/v1/apps", ProcessApp(names[i], Sh("exec sleep 1000"),
                                                    {{"priority", static_cast<int>(i)}}))
                       .status);
  }
  for (const std::string& name : names)
    ASSERT_TRUE(berthd().WaitForState(name, "running")) << berthd().LastSeen();
  auto first = berthd().OpenSse("/v1/events");
  auto second = berthd().OpenSse("/v1/events");
  ASSERT_EQ(200, first->WaitForStatus());
  ASSERT_EQ(200, second->WaitForStatus());

  ASSERT_EQ(0, berthd().Stop());
  for (SseClient* stream : {first.get(), second.get()}) {
    // The last app stopped ("ev-down-a", lowest priority) is in the stream, and the stream
    // ended cleanly rather than being cut.
    for (const std::string& name : names)
      EXPECT_TRUE(stream->WaitForEvent(Transition(name, "stopped"), milliseconds(5000)))
          << name << ": " << stream->RawBody();
    EXPECT_TRUE(stream->Finished());
  }
}

TEST_F(EventsTest, CrashIsPublishedWithExitCode) {
  auto stream = berthd().OpenSse("/v1/events");
  ASSERT_EQ(200, stream->WaitForStatus()) << stream->RawBody();
  nlohmann::json spec =
      ProcessApp("ev-crash", Sh("exit 7"),
                 {{"backoff", {{"initial_ms", 10}, {"max_ms", 20}}}, {"max_retries", 1}});
  ASSERT_EQ(201, berthd().Post("/v1/apps", spec).status);
  auto failed = stream->WaitForEvent(Transition("ev-crash", "failed"));
  ASSERT_TRUE(failed) << stream->RawBody();
  bool saw_exit_code = false;
  for (const SseEvent& event : stream->AllEvents()) {
    nlohmann::json d = event.json();
    if (event.event == "app" && d.is_object() && d.value("app", "") == "ev-crash" &&
        d.contains("exit_code") && d["exit_code"] == 7) {
      saw_exit_code = true;
    }
  }
  EXPECT_TRUE(saw_exit_code) << stream->RawBody();
}

TEST_F(EventsTest, SeveralSubscribersSeeTheSameEvents) {
  ASSERT_EQ(201, berthd()
                     .Post("/v1/apps",
                           ProcessApp("ev-many", Sh("exec sleep 1000"), {{"autostart", false}}))
                     .status);
  auto first = berthd().OpenSse("/v1/events");
  auto second = berthd().OpenSse("/v1/events");
  ASSERT_EQ(200, first->WaitForStatus());
  ASSERT_EQ(200, second->WaitForStatus());
  ASSERT_EQ(202,
            berthd().Post("/v1/apps/ev-many/control", nlohmann::json{{"command", "start"}}).status);
  EXPECT_TRUE(first->WaitForEvent(Transition("ev-many", "running"))) << first->RawBody();
  EXPECT_TRUE(second->WaitForEvent(Transition("ev-many", "running"))) << second->RawBody();
  // Dropping one subscriber leaves the other and the daemon working.
  first->Close();
  ASSERT_EQ(202,
            berthd().Post("/v1/apps/ev-many/control", nlohmann::json{{"command", "stop"}}).status);
  EXPECT_TRUE(second->WaitForEvent(Transition("ev-many", "stopped"))) << second->RawBody();
  EXPECT_EQ(200, berthd().Get("/up").status);
}

}  // namespace
}  // namespace berth::testing
