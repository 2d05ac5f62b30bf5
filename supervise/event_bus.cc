// Publishing to subscribers; iteration tolerates unsubscription from inside a callback.
#include "supervise/event_bus.h"

#include <vector>

namespace berth {
namespace {

template <class Map, class Call>
void ForEachLive(Map& subscribers, Call call) {
  std::vector<uint64_t> ids;
  ids.reserve(subscribers.size());
  for (const auto& entry : subscribers) ids.push_back(entry.first);
  for (uint64_t id : ids) {
    auto it = subscribers.find(id);
    if (it == subscribers.end()) continue;
    // A copy: the subscriber may unsubscribe (and so destroy the original) while it runs.
    auto subscriber = it->second;
    call(subscriber);
  }
}

}  // namespace

uint64_t EventBus::SubscribeTransitions(TransitionFn fn) {
  transition_subscribers_[next_id_] = std::move(fn);
  return next_id_++;
}

uint64_t EventBus::SubscribeConfig(ConfigFn fn) {
  config_subscribers_[next_id_] = std::move(fn);
  return next_id_++;
}

uint64_t EventBus::SubscribeDeploys(DeployFn fn) {
  deploy_subscribers_[next_id_] = std::move(fn);
  return next_id_++;
}

uint64_t EventBus::SubscribeProxy(ProxyFn fn) {
  proxy_subscribers_[next_id_] = std::move(fn);
  return next_id_++;
}

uint64_t EventBus::SubscribeHealth(HealthFn fn) {
  health_subscribers_[next_id_] = std::move(fn);
  return next_id_++;
}

uint64_t EventBus::SubscribeLogs(const std::string& app, LogFn fn) {
  log_subscribers_[next_id_] = {app, std::move(fn)};
  return next_id_++;
}

void EventBus::Unsubscribe(uint64_t id) {
  transition_subscribers_.erase(id);
  config_subscribers_.erase(id);
  log_subscribers_.erase(id);
  deploy_subscribers_.erase(id);
  proxy_subscribers_.erase(id);
  health_subscribers_.erase(id);
}

void EventBus::Publish(const HealthEvent& event) {
  ForEachLive(health_subscribers_, [&](const HealthFn& fn) { fn(event); });
}

void EventBus::Publish(const DeployEvent& event) {
  ForEachLive(deploy_subscribers_, [&](const DeployFn& fn) { fn(event); });
}

void EventBus::Publish(const ProxyEvent& event) {
  ForEachLive(proxy_subscribers_, [&](const ProxyFn& fn) { fn(event); });
}

void EventBus::Publish(const TransitionEvent& event) {
  ForEachLive(transition_subscribers_, [&](const TransitionFn& fn) { fn(event); });
}

void EventBus::Publish(const ConfigEvent& event) {
  ForEachLive(config_subscribers_, [&](const ConfigFn& fn) { fn(event); });
}

void EventBus::DispatchLog(const std::string& app, const LogEntry& entry) {
  ForEachLive(log_subscribers_, [&](const auto& subscriber) {
    if (subscriber.first == app) subscriber.second(entry);
  });
}

}  // namespace berth
