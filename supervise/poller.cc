// Poll scheduling (jitter, backoff) and the decision a poll makes.
#include "supervise/poller.h"

#include <algorithm>
#include <random>

#include "reactor/clock.h"
#include "reactor/log.h"

namespace berth {
namespace {

constexpr double kJitter = 0.10;

// A jitter in [-1, 1].
double RandomJitter() {
  static std::mt19937 generator{std::random_device{}()};
  return std::uniform_real_distribution<double>(-1.0, 1.0)(generator);
}

}  // namespace

const char* to_string(PollResult result) {
  switch (result) {
    case PollResult::kUnchanged:
      return "unchanged";
    case PollResult::kChanged:
      return "changed";
    case PollResult::kFailed:
      return "failed";
  }
  return "failed";
}

int64_t PollDelayMs(int interval_s, int failures, double jitter) {
  int64_t factor = 1;
  for (int i = 0; i < failures && factor < kMaxPollBackoff; ++i) factor *= 2;
  double base_ms = static_cast<double>(interval_s) * 1000.0 * static_cast<double>(factor);
  return static_cast<int64_t>(base_ms * (1.0 + kJitter * std::clamp(jitter, -1.0, 1.0)));
}

bool RevisionMoved(const std::string& offered, const std::string& serving) {
  if (offered.empty()) return false;
  return serving.rfind(offered, 0) != 0;
}

Poller::Poller(EventLoop* loop, int interval_s, std::unique_ptr<RevisionProbe> probe,
               Target target, PollCounts* counts)
    : interval_s_(interval_s),
      probe_(std::move(probe)),
      target_(std::move(target)),
      counts_(counts),
      timer_(loop, [this] { Poll(); }) {
  Schedule();
}

Poller::~Poller() = default;

void Poller::Schedule() {
  int64_t delay = PollDelayMs(interval_s_, failures_, RandomJitter());
  next_ms_ = WallClockMs() + delay;
  ++version_;
  timer_.Start(static_cast<long>(delay));
}

void Poller::Poll() {
  // A deployment under way will serve the newest code anyway; look again at the next tick.
  if (target_.deploying() || probing_) return Schedule();
  probing_ = true;
  std::weak_ptr<int> alive = alive_;
  probe_->Probe(target_.spec(), [this, alive](Result<std::string> offered) {
    if (alive.lock()) OnProbed(std::move(offered));
  });
}

void Poller::OnProbed(Result<std::string> offered) {
  probing_ = false;
  const std::string& name = target_.spec().name;
  if (!offered.ok()) {
    LogWarn("app " + name + ": poll failed: " + offered.status().message());
    Record(PollResult::kFailed, "poll failed: " + offered.status().message());
    return Schedule();
  }
  // A revision whose poll deployment failed is not tried again until the source moves on.
  if (!RevisionMoved(*offered, target_.serving()) || *offered == tried_) {
    Record(PollResult::kUnchanged, "");
    return Schedule();
  }
  LogInfo("app " + name + ": poll found " + *offered + ": deploying");
  tried_ = *offered;
  Record(PollResult::kChanged, probe_->warning());
  if (Status s = target_.deploy(); !s.ok())
    LogWarn("app " + name + ": cannot deploy what the poll found: " + s.message());
  Schedule();
}

void Poller::Record(PollResult result, std::string error) {
  ++(*counts_)[static_cast<size_t>(result)];
  failures_ = result == PollResult::kFailed ? failures_ + 1 : 0;
  last_ms_ = WallClockMs();
  result_ = result;
  error_ = std::move(error);
  ++version_;
}

nlohmann::json Poller::StatusJson() const {
  auto time_or_null = [](int64_t ms) {
    return ms ? nlohmann::json(FormatRfc3339(ms)) : nlohmann::json(nullptr);
  };
  return {{"last", time_or_null(last_ms_)},
          {"next", time_or_null(next_ms_)},
          {"result", result_ ? nlohmann::json(to_string(*result_)) : nlohmann::json(nullptr)}};
}

}  // namespace berth
