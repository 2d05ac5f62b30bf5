// Poller: the polling of one app (deploy.strategy "polling"). Every deploy.interval seconds,
// ±10 % so that many apps do not poll together, it asks what the source offers now through a
// RevisionProbe (for git, berth-fetch's git-ls-remote: no fetch, nothing written) and starts a
// "poll" deployment only when that differs from what the app serves. Failed polls back off,
// doubling the wait up to 8× the interval, and show as the app's last_error until one succeeds.
// A poll due while a deployment runs waits for the next tick.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "base/status.h"
#include "reactor/event_loop.h"
#include "supervise/app_spec.h"

namespace berth {

enum class PollResult { kUnchanged, kChanged, kFailed };
inline constexpr size_t kPollResults = 3;
const char* to_string(PollResult result);
using PollCounts = std::array<uint64_t, kPollResults>;

// The longest wait after failed polls, in intervals.
inline constexpr int kMaxPollBackoff = 8;

// The wait before the next poll: `interval_s` doubled for each of `failures` failed polls in a
// row (at most kMaxPollBackoff times the interval), moved by `jitter` × 10 %.
// REQUIRES: jitter in [-1, 1].
int64_t PollDelayMs(int interval_s, int failures, double jitter);

// Whether `offered` (what the source names now) is something else than `serving`: a commit
// named by an abbreviated sha is the commit it abbreviates.
bool RevisionMoved(const std::string& offered, const std::string& serving);

// Asks what an app's source offers now, writing nothing.
class RevisionProbe {
 public:
  using DoneFn = std::function<void(Result<std::string> revision)>;
  virtual ~RevisionProbe() = default;
  // One at a time. `done` runs once, later, never after the probe is destroyed.
  virtual void Probe(const AppSpec& spec, DoneFn done) = 0;
  // What the user should know of the last answer although it is no failure ("" when nothing):
  // the app's last_error until the next poll.
  virtual const std::string& warning() const {
    static const std::string kNone;
    return kNone;
  }
};

class Poller {
 public:
  // What the poller asks of its app.
  struct Target {
    std::function<const AppSpec&()> spec;
    std::function<std::string()> serving;  // the revision the app serves, "" before any
    std::function<bool()> deploying;       // a deployment runs
    std::function<Status()> deploy;        // starts a "poll" deployment
  };

  // Starts polling; the first poll comes after one (jittered) interval. `counts` outlives the
  // poller (the app keeps them across pollers).
  Poller(EventLoop* loop, int interval_s, std::unique_ptr<RevisionProbe> probe, Target target,
         PollCounts* counts);
  ~Poller();

  // {"last": ts|null, "next": ts|null, "result": "unchanged"|"changed"|"failed"|null}
  nlohmann::json StatusJson() const;
  // Why the last poll failed, or its probe's warning ("" when neither).
  const std::string& error() const { return error_; }
  // Changes whenever StatusJson() or error() would.
  uint64_t version() const { return version_; }

 private:
  void Schedule();
  void Poll();
  void OnProbed(Result<std::string> offered);
  void Record(PollResult result, std::string error);

  int interval_s_;
  std::unique_ptr<RevisionProbe> probe_;
  Target target_;
  PollCounts* counts_;
  Timer timer_;
  int failures_ = 0;
  bool probing_ = false;
  int64_t last_ms_ = 0;  // wall clock
  int64_t next_ms_ = 0;
  std::optional<PollResult> result_;
  std::string error_;
  std::string tried_;  // the revision the last poll deployment was for: not retried
  uint64_t version_ = 0;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace berth
