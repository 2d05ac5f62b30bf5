// RequestLoad for tests: clients that keep sending requests, counting every one that failed.
#ifndef BERTH_TESTS_INTEGRATION_REQUEST_LOAD_H_
#define BERTH_TESTS_INTEGRATION_REQUEST_LOAD_H_

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/berthd_harness.h"

namespace berth::testing {

// Requests (through a proxy) from several clients, one after the other without a pause, until
// stopped; every answer that is not a 200 (a failed connection included) is a failure.
class RequestLoad {
 public:
  RequestLoad(std::function<HttpResponse()> request, int clients) : request_(std::move(request)) {
    for (int i = 0; i < clients; ++i)
      threads_.emplace_back([this] {
        while (!stop_) {
          HttpResponse answer = request_();
          if (answer.status == 200) {
            ++ok_;
            continue;
          }
          std::lock_guard lock(mutex_);
          if (failures_.size() < 10) failures_.push_back(answer.Describe());
          ++failed_;
        }
      });
  }
  ~RequestLoad() { Stop(); }

  void Stop() {
    stop_ = true;
    for (std::thread& thread : threads_)
      if (thread.joinable()) thread.join();
  }
  // Waits until `n` more requests succeeded than now.
  bool Progress(uint64_t n) {
    uint64_t target = ok_ + n;
    return WaitUntil([&] { return ok_ >= target || failed_ > 0; }) && ok_ >= target;
  }
  // Forgets what was counted so far.
  void Reset() {
    std::lock_guard lock(mutex_);
    ok_ = 0;
    failed_ = 0;
    failures_.clear();
  }
  uint64_t ok() const { return ok_; }
  uint64_t failed() const { return failed_; }
  std::string Failures() {
    std::lock_guard lock(mutex_);
    std::string text;
    for (const std::string& failure : failures_) text += failure + "\n";
    return text;
  }

 private:
  std::function<HttpResponse()> request_;
  std::atomic<bool> stop_ = false;
  std::atomic<uint64_t> ok_ = 0, failed_ = 0;
  std::mutex mutex_;
  std::vector<std::string> failures_;
  std::vector<std::thread> threads_;
};

}  // namespace berth::testing

#endif  // BERTH_TESTS_INTEGRATION_REQUEST_LOAD_H_
