// LoginLimiter: slows password guessing. Failed sign-ins are counted per user name and per
// client address; from the 5th failure in a row on either, the next attempt must wait 1 s,
// then 2, 4, ... up to 5 minutes. A success clears the user's and the address's counts;
// counts are forgotten 15 minutes after their last failure.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace berth {

class LoginLimiter {
 public:
  static constexpr int kFreeFailures = 4;
  static constexpr int64_t kMaxDelayMs = 5 * 60 * 1000;
  static constexpr int64_t kForgetMs = 15 * 60 * 1000;

  // 0 when a sign-in as `user` from `client` may be tried at `now_ms`; else the milliseconds
  // to wait.
  int64_t WaitMs(const std::string& user, const std::string& client, int64_t now_ms);
  void Failed(const std::string& user, const std::string& client, int64_t now_ms);
  void Succeeded(const std::string& user, const std::string& client);

 private:
  struct Count {
    int failures = 0;
    int64_t last_ms = 0;
    int64_t blocked_until_ms = 0;
  };
  int64_t WaitFor(const std::string& key, int64_t now_ms);
  void Fail(const std::string& key, int64_t now_ms);
  void Forget(int64_t now_ms);

  std::map<std::string, Count> counts_;
  int64_t last_sweep_ms_ = 0;
};

}  // namespace berth
