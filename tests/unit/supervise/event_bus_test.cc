// Tests of EventBus: subscribing, publishing, unsubscribing (also from inside a subscriber)
// and per-app log subscriptions.
#include "supervise/event_bus.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace berth {
namespace {

TransitionEvent Move(const std::string& app, AppState from, AppState to) {
  return TransitionEvent{app, from, to, 1000, 42, std::nullopt};
}

LogEntry Line(uint64_t seq, const std::string& text) {
  return LogEntry{seq, 5, LogStream::kStdout, text};
}

TEST(EventBusTest, PublishWithoutSubscribersIsHarmless) {
  EventBus bus;
  bus.Publish(Move("web", AppState::kStopped, AppState::kStarting));
  bus.Publish(ConfigEvent{"web", "created", 1});
  bus.PublishLog("web", Line(1, "x"));
}

TEST(EventBusTest, TransitionSubscribersGetEveryEvent) {
  EventBus bus;
  std::vector<std::string> a, b;
  bus.SubscribeTransitions(
      [&](const TransitionEvent& e) { a.push_back(e.app + ":" + to_string(e.to)); });
  bus.SubscribeTransitions([&](const TransitionEvent& e) { b.push_back(e.app); });
  TransitionEvent event = Move("web", AppState::kStarting, AppState::kRunning);
  event.exit_code = 3;
  bus.Publish(event);
  bus.Publish(Move("api", AppState::kStopped, AppState::kStarting));
  EXPECT_EQ(a, (std::vector<std::string>{"web:running", "api:starting"}));
  EXPECT_EQ(b, (std::vector<std::string>{"web", "api"}));
}

TEST(EventBusTest, EventFieldsArriveUnchanged) {
  EventBus bus;
  TransitionEvent seen{};
  bus.SubscribeTransitions([&](const TransitionEvent& e) { seen = e; });
  bus.Publish(TransitionEvent{"web", AppState::kRunning, AppState::kExited, 77, 4242, 1});
  EXPECT_EQ(seen.app, "web");
  EXPECT_EQ(seen.from, AppState::kRunning);
  EXPECT_EQ(seen.to, AppState::kExited);
  EXPECT_EQ(seen.ts_ms, 77);
  EXPECT_EQ(seen.pid, 4242);
  EXPECT_EQ(seen.exit_code, 1);
}

TEST(EventBusTest, KindsOfEventsGoOnlyToTheirSubscribers) {
  EventBus bus;
  int transitions = 0, configs = 0, logs = 0;
  bus.SubscribeTransitions([&](const TransitionEvent&) { ++transitions; });
  bus.SubscribeConfig([&](const ConfigEvent& e) {
    EXPECT_EQ(e.action, "deleted");
    ++configs;
  });
  bus.SubscribeLogs("web", [&](const LogEntry&) { ++logs; });
  bus.Publish(ConfigEvent{"web", "deleted", 3});
  EXPECT_EQ(configs, 1);
  EXPECT_EQ(transitions, 0);
  EXPECT_EQ(logs, 0);
  bus.PublishLog("web", Line(1, "x"));
  EXPECT_EQ(logs, 1);
  EXPECT_EQ(configs, 1);
  EXPECT_EQ(transitions, 0);
}

TEST(EventBusTest, SubscriptionIdsAreDistinctAcrossKinds) {
  EventBus bus;
  uint64_t a = bus.SubscribeTransitions([](const TransitionEvent&) {});
  uint64_t b = bus.SubscribeConfig([](const ConfigEvent&) {});
  uint64_t c = bus.SubscribeLogs("web", [](const LogEntry&) {});
  EXPECT_NE(a, b);
  EXPECT_NE(b, c);
  EXPECT_NE(a, c);
}

TEST(EventBusTest, UnsubscribeStopsDelivery) {
  EventBus bus;
  int first = 0, second = 0;
  uint64_t id = bus.SubscribeTransitions([&](const TransitionEvent&) { ++first; });
  bus.SubscribeTransitions([&](const TransitionEvent&) { ++second; });
  bus.Publish(Move("web", AppState::kStopped, AppState::kStarting));
  bus.Unsubscribe(id);
  bus.Publish(Move("web", AppState::kStarting, AppState::kRunning));
  EXPECT_EQ(first, 1);
  EXPECT_EQ(second, 2);
  bus.Unsubscribe(id);  // twice: no effect
  bus.Unsubscribe(9999);
  bus.Publish(Move("web", AppState::kRunning, AppState::kExited));
  EXPECT_EQ(second, 3);
}

TEST(EventBusTest, UnsubscribeWorksForEveryKind) {
  EventBus bus;
  int count = 0;
  uint64_t config = bus.SubscribeConfig([&](const ConfigEvent&) { ++count; });
  uint64_t logs = bus.SubscribeLogs("web", [&](const LogEntry&) { ++count; });
  bus.Unsubscribe(config);
  bus.Unsubscribe(logs);
  bus.Publish(ConfigEvent{"web", "created", 1});
  bus.PublishLog("web", Line(1, "x"));
  EXPECT_EQ(count, 0);
}

TEST(EventBusTest, SubscriberMayUnsubscribeItself) {
  EventBus bus;
  auto calls = std::make_shared<int>(0);
  uint64_t id = 0;
  std::string label = std::string(64, 'L');  // heap-allocated, copied into the subscriber
  id = bus.SubscribeTransitions([&bus, &id, calls, label](const TransitionEvent&) {
    bus.Unsubscribe(id);
    // The subscriber's own state must still be usable after it unsubscribed.
    ++*calls;
    EXPECT_EQ(label.size(), 64u);
  });
  int other = 0;
  bus.SubscribeTransitions([&](const TransitionEvent&) { ++other; });
  bus.Publish(Move("web", AppState::kStopped, AppState::kStarting));
  bus.Publish(Move("web", AppState::kStarting, AppState::kRunning));
  EXPECT_EQ(*calls, 1);
  EXPECT_EQ(other, 2);
}

TEST(EventBusTest, SubscriberMayUnsubscribeALaterOne) {
  EventBus bus;
  uint64_t later = 0;
  int later_calls = 0;
  bus.SubscribeConfig([&](const ConfigEvent&) { bus.Unsubscribe(later); });
  later = bus.SubscribeConfig([&](const ConfigEvent&) { ++later_calls; });
  bus.Publish(ConfigEvent{"web", "created", 1});
  EXPECT_EQ(later_calls, 0);
}

TEST(EventBusTest, SubscriberMayUnsubscribeAnEarlierOne) {
  EventBus bus;
  uint64_t earlier = 0;
  int earlier_calls = 0, later_calls = 0;
  earlier = bus.SubscribeLogs("web", [&](const LogEntry&) { ++earlier_calls; });
  bus.SubscribeLogs("web", [&](const LogEntry&) {
    ++later_calls;
    bus.Unsubscribe(earlier);
  });
  bus.PublishLog("web", Line(1, "a"));
  bus.PublishLog("web", Line(2, "b"));
  EXPECT_EQ(earlier_calls, 1);
  EXPECT_EQ(later_calls, 2);
}

TEST(EventBusTest, SubscribingFromInsideASubscriberDoesNotBreakThePublish) {
  EventBus bus;
  int inner_calls = 0;
  bool subscribed = false;
  bus.SubscribeTransitions([&](const TransitionEvent&) {
    if (subscribed) return;
    subscribed = true;
    bus.SubscribeTransitions([&](const TransitionEvent&) { ++inner_calls; });
  });
  bus.Publish(Move("web", AppState::kStopped, AppState::kStarting));
  bus.Publish(Move("web", AppState::kStarting, AppState::kRunning));
  EXPECT_EQ(inner_calls, 1);  // only the event published after it subscribed
}

TEST(EventBusTest, LogSubscribersOnlyGetTheirAppsLines) {
  EventBus bus;
  std::vector<std::string> web, api;
  bus.SubscribeLogs("web", [&](const LogEntry& e) { web.push_back(e.line); });
  bus.SubscribeLogs("api", [&](const LogEntry& e) { api.push_back(e.line); });
  bus.PublishLog("web", Line(1, "w1"));
  bus.PublishLog("api", Line(1, "a1"));
  bus.PublishLog("web", Line(2, "w2"));
  bus.PublishLog("other", Line(1, "o1"));
  bus.PublishLog("we", Line(1, "prefix"));
  EXPECT_EQ(web, (std::vector<std::string>{"w1", "w2"}));
  EXPECT_EQ(api, (std::vector<std::string>{"a1"}));
}

TEST(EventBusTest, LogEntryFieldsArriveUnchanged) {
  EventBus bus;
  LogEntry seen;
  bus.SubscribeLogs("web", [&](const LogEntry& e) { seen = e; });
  bus.PublishLog("web", LogEntry{17, 99, LogStream::kStderr, "oops"});
  EXPECT_EQ(seen.seq, 17u);
  EXPECT_EQ(seen.ts_ms, 99);
  EXPECT_EQ(seen.stream, LogStream::kStderr);
  EXPECT_EQ(seen.line, "oops");
}

}  // namespace
}  // namespace berth
