// Tests of the event loop: deferred work, timers, signal and fd watchers. Every test runs the
// loop under a deadline timer, so a broken loop fails instead of hanging.
#include "reactor/event_loop.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tests/unit/run_loop.h"

namespace berth {
namespace {

constexpr long kDeadlineMs = 5000;

// Runs `loop` for `ms` milliseconds of loop time (to show that something did NOT happen).
void RunFor(EventLoop* loop, long ms) {
  Timer stop(loop, [&] { loop->Exit(); });
  stop.Start(ms);
  loop->Run();
}

using Order = std::vector<std::string>;

TEST(EventLoopTest, DeferredWorkRunsAfterTheCurrentCallback) {
  EventLoop loop;
  Order order;
  Timer timer(&loop, [&] {
    order.push_back("callback begins");
    loop.Defer([&] { order.push_back("deferred"); });
    order.push_back("callback ends");
  });
  timer.Start(0);
  ASSERT_TRUE(RunUntil(&loop, [&] { return order.size() == 3; }));
  EXPECT_EQ(order, (Order{"callback begins", "callback ends", "deferred"}));
}

TEST(EventLoopTest, DeferredWorkRunsInOrderAndWorkDeferredByWorkRunsAfterIt) {
  EventLoop loop;
  Order order;
  loop.Defer([&] {
    order.push_back("a");
    loop.Defer([&] { order.push_back("c"); });
    order.push_back("a done");
  });
  loop.Defer([&] { order.push_back("b"); });
  ASSERT_TRUE(RunUntil(&loop, [&] { return order.size() == 4; }));
  EXPECT_EQ(order, (Order{"a", "a done", "b", "c"}));
}

TEST(EventLoopTest, DeferredWorkMayDestroyTheObjectWhoseCallbackDeferredIt) {
  EventLoop loop;
  bool fired = false;
  std::unique_ptr<Timer> timer;
  timer = std::make_unique<Timer>(&loop, [&] {
    fired = true;
    loop.Defer([&] { timer.reset(); });
  });
  timer->Start(0);
  ASSERT_TRUE(RunUntil(&loop, [&] { return fired && !timer; }));
}

TEST(EventLoopTest, ExitStopsRun) {
  EventLoop loop;
  int ticks = 0;
  Timer timer(&loop, [&] {
    if (++ticks == 3) loop.Exit();
  });
  Timer deadline(&loop, [&] { loop.Exit(); });
  timer.StartRepeating(1);
  deadline.Start(kDeadlineMs);
  loop.Run();
  EXPECT_EQ(ticks, 3);
}

TEST(TimerTest, FireInOrderOfTheirDelays) {
  EventLoop loop;
  Order order;
  Timer slow(&loop, [&] { order.push_back("30"); });
  Timer fast(&loop, [&] { order.push_back("10"); });
  Timer middle(&loop, [&] { order.push_back("20"); });
  slow.Start(30);
  fast.Start(10);
  middle.Start(20);
  ASSERT_TRUE(RunUntil(&loop, [&] { return order.size() == 3; }));
  EXPECT_EQ(order, (Order{"10", "20", "30"}));
}

TEST(TimerTest, OneShotFiresOnceAndIsThenNotPending) {
  EventLoop loop;
  int fired = 0;
  Timer timer(&loop, [&] { ++fired; });
  EXPECT_FALSE(timer.pending());
  timer.Start(1);
  EXPECT_TRUE(timer.pending());
  ASSERT_TRUE(RunUntil(&loop, [&] { return fired == 1; }));
  EXPECT_FALSE(timer.pending());
  RunFor(&loop, 20);
  EXPECT_EQ(fired, 1);
}

TEST(TimerTest, StopCancels) {
  EventLoop loop;
  bool fired = false;
  Timer timer(&loop, [&] { fired = true; });
  timer.Start(5);
  timer.Stop();
  EXPECT_FALSE(timer.pending());
  RunFor(&loop, 30);
  EXPECT_FALSE(fired);
}

TEST(TimerTest, DestroyingCancels) {
  EventLoop loop;
  bool fired = false;
  {
    Timer timer(&loop, [&] { fired = true; });
    timer.Start(5);
  }
  RunFor(&loop, 30);
  EXPECT_FALSE(fired);
}

TEST(TimerTest, StartAgainReschedulesInsteadOfAddingAFiring) {
  EventLoop loop;
  int fired = 0;
  Timer timer(&loop, [&] { ++fired; });
  timer.Start(5);
  timer.Start(10);
  RunFor(&loop, 60);
  EXPECT_EQ(fired, 1);
}

TEST(TimerTest, RepeatingStopsFromItsOwnCallback) {
  EventLoop loop;
  int fired = 0;
  Timer* self = nullptr;
  Timer timer(&loop, [&] {
    if (++fired == 3) self->Stop();
  });
  self = &timer;
  timer.StartRepeating(1);
  EXPECT_TRUE(timer.pending());
  ASSERT_TRUE(RunUntil(&loop, [&] { return fired == 3; }));
  EXPECT_FALSE(timer.pending());
  RunFor(&loop, 20);
  EXPECT_EQ(fired, 3);
}

TEST(TimerTest, OneShotMayRestartItselfFromItsCallback) {
  EventLoop loop;
  int fired = 0;
  Timer* self = nullptr;
  Timer timer(&loop, [&] {
    if (++fired < 3) self->Start(1);
  });
  self = &timer;
  timer.Start(1);
  ASSERT_TRUE(RunUntil(&loop, [&] { return fired == 3; }));
  RunFor(&loop, 20);
  EXPECT_EQ(fired, 3);
}

TEST(TimerTest, ZeroDelayFiresOnTheNextTurnNotInsideStart) {
  EventLoop loop;
  bool fired = false;
  Timer timer(&loop, [&] { fired = true; });
  timer.Start(0);
  EXPECT_FALSE(fired);
  ASSERT_TRUE(RunUntil(&loop, [&] { return fired; }));
}

TEST(SignalWatcherTest, DeliversTheSignalFromTheLoop) {
  EventLoop loop;
  int delivered = 0;
  SignalWatcher watcher(&loop, SIGUSR2, [&] { ++delivered; });
  Timer raise_it(&loop, [] { raise(SIGUSR2); });
  raise_it.Start(0);
  ASSERT_TRUE(RunUntil(&loop, [&] { return delivered == 1; }));
}

// berthd ignores SIGTERM before watching it, so that the watcher's teardown leaves it ignored
// rather than deadly while the process exits.
TEST(SignalWatcherTest, TeardownGivesBackTheActionTheSignalHadBefore) {
  IgnoreSignal(SIGUSR1);
  {
    EventLoop loop;
    int delivered = 0;
    SignalWatcher watcher(&loop, SIGUSR1, [&] { ++delivered; });
    Timer raise_it(&loop, [] { raise(SIGUSR1); });
    raise_it.Start(0);
    ASSERT_TRUE(RunUntil(&loop, [&] { return delivered == 1; }));
  }
  struct sigaction after {};
  sigaction(SIGUSR1, nullptr, &after);
  EXPECT_EQ(SIG_IGN, after.sa_handler);
  EXPECT_TRUE(sigismember(&ChangedSignals(), SIGUSR1)) << "children get it back as default";
  signal(SIGUSR1, SIG_DFL);
}

TEST(FdWatcherTest, CallsBackWhileReadable) {
  EventLoop loop;
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_CLOEXEC | O_NONBLOCK), 0);
  std::string got;
  {
    FdWatcher watcher(&loop, fds[0], [&] {
      char buffer[16];
      ssize_t n = read(fds[0], buffer, sizeof buffer);
      if (n > 0) got.append(buffer, n);
    });
    ASSERT_EQ(write(fds[1], "ab", 2), 2);
    ASSERT_TRUE(RunUntil(&loop, [&] { return got == "ab"; }));
    ASSERT_EQ(write(fds[1], "cd", 2), 2);
    ASSERT_TRUE(RunUntil(&loop, [&] { return got == "abcd"; }));
  }
  // Destroyed: no more callbacks (the loop would fail on a freed watcher otherwise).
  ASSERT_EQ(write(fds[1], "ef", 2), 2);
  RunFor(&loop, 10);
  EXPECT_EQ(got, "abcd");
  close(fds[0]);
  close(fds[1]);
}

TEST(UniqueFdTest, ClosesOnDestructionAndReset) {
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
  {
    UniqueFd read_end(fds[0]);
    EXPECT_TRUE(read_end.valid());
    EXPECT_EQ(read_end.get(), fds[0]);
    UniqueFd moved(std::move(read_end));
    EXPECT_FALSE(read_end.valid());
    EXPECT_EQ(moved.get(), fds[0]);
  }
  EXPECT_EQ(fcntl(fds[0], F_GETFD), -1);
  UniqueFd write_end(fds[1]);
  write_end.reset();
  EXPECT_FALSE(write_end.valid());
  EXPECT_EQ(fcntl(fds[1], F_GETFD), -1);
  UniqueFd released;
  EXPECT_FALSE(released.valid());
  EXPECT_EQ(released.release(), -1);
}

}  // namespace
}  // namespace berth
