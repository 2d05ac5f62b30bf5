// Tests of BackgroundWorker: work runs off the loop, results come back on it, and its thread
// never takes a process signal away from the loop.
#include "reactor/background_worker.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <thread>

#include "tests/unit/run_loop.h"

namespace berth {
namespace {

TEST(BackgroundWorkerTest, WorkRunsOnItsThreadAndTheResultOnTheLoop) {
  EventLoop loop;
  BackgroundWorker worker(&loop);
  std::thread::id loop_thread = std::this_thread::get_id();
  std::thread::id work_thread;
  std::thread::id result_thread;
  bool delivered = false;
  worker.Post([&]() -> std::function<void()> {
    work_thread = std::this_thread::get_id();
    return [&] {
      result_thread = std::this_thread::get_id();
      delivered = true;
    };
  });
  EXPECT_EQ(1u, worker.pending());
  ASSERT_TRUE(RunUntil(&loop, [&] { return delivered; }));
  EXPECT_NE(loop_thread, work_thread);
  EXPECT_EQ(loop_thread, result_thread);
  EXPECT_EQ(0u, worker.pending());
}

// SIGTERM, SIGINT and SIGHUP belong to the loop's watchers. Were the worker's thread to
// accept them, one arriving after the watchers' teardown would kill an exiting berthd.
TEST(BackgroundWorkerTest, ItsThreadBlocksEverySignalWhileTheLoopThreadKeepsItsMask) {
  sigset_t caller_before;
  pthread_sigmask(SIG_SETMASK, nullptr, &caller_before);
  EventLoop loop;
  BackgroundWorker worker(&loop);
  sigset_t worker_mask;
  sigemptyset(&worker_mask);
  bool delivered = false;
  worker.Post([&]() -> std::function<void()> {
    pthread_sigmask(SIG_SETMASK, nullptr, &worker_mask);
    return [&] { delivered = true; };
  });
  ASSERT_TRUE(RunUntil(&loop, [&] { return delivered; }));
  for (int signo : {SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGUSR1}) {
    EXPECT_TRUE(sigismember(&worker_mask, signo)) << strsignal(signo);
  }
  sigset_t caller_after;
  pthread_sigmask(SIG_SETMASK, nullptr, &caller_after);
  for (int signo : {SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGUSR1}) {
    EXPECT_EQ(sigismember(&caller_before, signo), sigismember(&caller_after, signo))
        << strsignal(signo) << ": the loop thread's own mask is unchanged";
  }
}

}  // namespace
}  // namespace berth
