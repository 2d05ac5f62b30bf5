// Test helper: runs an EventLoop until a condition holds or a deadline passes, so tests wait
// on events without fixed sleeps.
#pragma once

#include <functional>

#include "reactor/event_loop.h"

namespace berth {

// Runs `loop` until `done()` holds or `deadline_ms` passes; returns `done()`.
inline bool RunUntil(EventLoop* loop, const std::function<bool()>& done, long deadline_ms = 5000) {
  if (done()) return true;
  Timer poll(loop, [&] {
    if (done()) loop->Exit();
  });
  Timer deadline(loop, [&] { loop->Exit(); });
  poll.StartRepeating(1);
  deadline.Start(deadline_ms);
  loop->Run();
  return done();
}

}  // namespace berth
