// RouteFeed: keeps a RouteTable in step with the app model. The table is rebuilt from every
// app's routes after each change of definition (at most once per loop turn), and subscribers
// hear of that and of every app starting or stopping (its endpoints change then), so both the
// built-in proxy and the nginx renderer follow the same table. A routed app's change of health
// is announced too: only healthy apps are served.
#pragma once

#include <functional>
#include <map>
#include <memory>

#include "proxy/route_table.h"
#include "reactor/event_loop.h"
#include "supervise/supervisor.h"

namespace berth {

class RouteFeed {
 public:
  // REQUIRES: `supervisor` outlives the feed.
  RouteFeed(EventLoop* loop, Supervisor* supervisor);
  ~RouteFeed();
  RouteFeed(const RouteFeed&) = delete;
  RouteFeed& operator=(const RouteFeed&) = delete;

  const RouteTable& table() const { return table_; }
  Supervisor* supervisor() const { return supervisor_; }
  // `changed` runs (on a later loop turn than the change, once per turn at most) after the
  // table was rebuilt or an app with routes started, stopped or changed its health.
  void Subscribe(std::function<void()> changed);

 private:
  void Rebuild();
  void Announce();

  EventLoop* loop_;
  Supervisor* supervisor_;
  RouteTable table_;
  uint64_t config_subscription_ = 0;
  uint64_t transition_subscription_ = 0;
  uint64_t health_subscription_ = 0;
  bool rebuild_queued_ = false;
  bool announce_queued_ = false;
  std::vector<std::function<void()>> subscribers_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace berth
