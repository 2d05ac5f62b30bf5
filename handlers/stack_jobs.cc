// StackJobs: control commands issued now, recorded once their outcome is known.
#include "handlers/stack_jobs.h"

#include "reactor/clock.h"
#include "reactor/log.h"

namespace berth {
namespace {

AppState TargetOf(const std::string& action) {
  if (action == "stop") return AppState::kStopped;
  if (action == "pause") return AppState::kPaused;
  return AppState::kRunning;
}

// States from which a start does not get to running by itself.
bool IsSetback(AppState state) {
  return state == AppState::kFailed || state == AppState::kBackoff || state == AppState::kExited;
}

}  // namespace

StackJobs::StackJobs(EventLoop* loop, Supervisor* supervisor)
    : loop_(loop), supervisor_(supervisor) {
  EventBus& bus = supervisor_->bus();
  transitions_ = bus.SubscribeTransitions([this](const TransitionEvent& e) { OnTransition(e); });
  // A deleted app's jobs are gone with it: nothing is recorded for it afterwards.
  config_ = bus.SubscribeConfig([this](const ConfigEvent& event) {
    if (event.action != "deleted") return;
    std::erase_if(pending_, [&](const auto& entry) { return entry.second.app == event.app; });
  });
}

StackJobs::~StackJobs() {
  supervisor_->bus().Unsubscribe(transitions_);
  supervisor_->bus().Unsubscribe(config_);
}

void StackJobs::Run(App* app, const std::string& action) {
  const std::string& name = app->spec().name;
  AppState target = TargetOf(action);
  Status issued = Status::Ok();
  if (action == "pause") {
    issued = app->Pause();
  } else if (action == "unpause") {
    issued = app->Resume();
  } else if (action != "restart" && app->state() == target) {
    return Record(name, action, true, name + " is already " + to_string(target));
  }
  if (!issued.ok()) return Record(name, action, false, issued.message());
  uint64_t id = next_id_++;
  auto timeout = std::make_unique<Timer>(loop_, [this, id] { OnTimeout(id); });
  timeout->Start(kJobTimeoutMs);
  pending_[id] = Pending{name, action, target, false, std::move(timeout)};
  if (action == "start") app->Start();
  if (action == "stop") app->Stop();
  if (action == "restart") app->Restart();
}

void StackJobs::OnTransition(const TransitionEvent& event) {
  std::vector<std::pair<uint64_t, bool>> done;
  for (auto& [id, job] : pending_) {
    if (job.app != event.app) continue;
    if (event.to != job.target) job.moved = true;
    if (event.to == job.target && (job.action != "restart" || job.moved))
      done.emplace_back(id, true);
    else if (job.target == AppState::kRunning && IsSetback(event.to))
      done.emplace_back(id, false);
  }
  for (auto [id, succeeded] : done) {
    App* app = supervisor_->Find(event.app);
    std::string message = event.app + " is " + to_string(event.to);
    if (!succeeded && app) {
      nlohmann::json status = app->StatusJson();
      if (status.value("last_error", nlohmann::json()).is_string())
        message += ": " + status["last_error"].get<std::string>();
    }
    Finish(id, succeeded, message);
  }
}

void StackJobs::OnTimeout(uint64_t id) {
  auto it = pending_.find(id);
  if (it == pending_.end()) return;
  App* app = supervisor_->Find(it->second.app);
  std::string now = app ? to_string(app->state()) : "gone";
  Finish(id, false,
         it->second.app + " is still " + now + " after " + std::to_string(kJobTimeoutMs / 1000) +
             " s");
}

void StackJobs::Finish(uint64_t id, bool succeeded, const std::string& message) {
  auto it = pending_.find(id);
  if (it == pending_.end()) return;
  Pending job = std::move(it->second);
  pending_.erase(it);
  // The timer may be the caller: free it on the next turn.
  loop_->Defer([timer = std::shared_ptr<Timer>(std::move(job.timeout))] {});
  Record(job.app, job.action, succeeded, message);
}

void StackJobs::Record(const std::string& app, const std::string& action, bool succeeded,
                       const std::string& message) {
  StackJob job{.app = app,
               .run_at = FormatRfc3339(WallClockMs()),
               .action = action,
               .status = succeeded ? "succeeded" : "failed",
               .message = message};
  if (Status s = supervisor_->stacks().AddJob(job); !s.ok())
    return LogError("stack " + app + ": cannot record its " + action + " job: " + s.message());
  auto subscribers = subscribers_;  // a subscriber may unsubscribe
  for (const auto& [sub_id, fn] : subscribers)
    if (subscribers_.count(sub_id)) fn(job);
}

uint64_t StackJobs::Subscribe(JobFn fn) {
  uint64_t id = next_id_++;
  subscribers_[id] = std::move(fn);
  return id;
}

void StackJobs::Unsubscribe(uint64_t id) { subscribers_.erase(id); }

}  // namespace berth
