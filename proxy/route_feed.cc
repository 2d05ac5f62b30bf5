// Following the app model into the routing table (see route_feed.h).
#include "proxy/route_feed.h"

namespace berth {

RouteFeed::RouteFeed(EventLoop* loop, Supervisor* supervisor)
    : loop_(loop), supervisor_(supervisor) {
  Rebuild();
  config_subscription_ = supervisor_->bus().SubscribeConfig([this](const ConfigEvent&) {
    if (rebuild_queued_) return;
    rebuild_queued_ = true;
    loop_->Defer([this, alive = std::weak_ptr<int>(alive_)] {
      if (alive.expired()) return;
      rebuild_queued_ = false;
      Rebuild();
    });
  });
  transition_subscription_ =
      supervisor_->bus().SubscribeTransitions([this](const TransitionEvent& event) {
        if (event.from != AppState::kRunning && event.to != AppState::kRunning) return;
        App* app = supervisor_->Find(event.app);
        if (app && !app->spec().routes.empty()) Announce();
      });
  // An app that turns healthy or unhealthy gains or loses its place behind its routes.
  health_subscription_ = supervisor_->bus().SubscribeHealth([this](const HealthEvent& event) {
    App* app = supervisor_->Find(event.app);
    if (app && !app->spec().routes.empty()) Announce();
  });
}

RouteFeed::~RouteFeed() {
  supervisor_->bus().Unsubscribe(config_subscription_);
  supervisor_->bus().Unsubscribe(transition_subscription_);
  supervisor_->bus().Unsubscribe(health_subscription_);
}

void RouteFeed::Subscribe(std::function<void()> changed) {
  subscribers_.push_back(std::move(changed));
}

void RouteFeed::Rebuild() {
  std::vector<RouteEntry> entries;
  for (const auto& [name, app] : supervisor_->apps())
    for (const RouteSpec& route : app->spec().routes) entries.push_back({name, route});
  table_.Assign(std::move(entries));
  Announce();
}

void RouteFeed::Announce() {
  if (announce_queued_ || subscribers_.empty()) return;
  announce_queued_ = true;
  loop_->Defer([this, alive = std::weak_ptr<int>(alive_)] {
    if (alive.expired()) return;
    announce_queued_ = false;
    for (const auto& changed : subscribers_) changed();
  });
}

}  // namespace berth
