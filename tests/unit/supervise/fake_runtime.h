// A Runtime that runs nothing: tests start, crash, stop and adopt "apps" by hand, and read
// back what App and Supervisor asked of it.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "reactor/event_loop.h"
#include "supervise/runtime.h"

namespace berth {

class FakeRuntime;

// Every fake runtime of a test, by app name, and the calls they got, in order.
struct FakeWorld {
  EventLoop* loop;  // where a stop ends
  std::map<std::string, FakeRuntime*> runtimes;
  std::vector<std::string> calls;  // "start web", "stop web 15 10", "recover web", "stats web"
  std::set<std::string> still_running;  // what Recover() finds (as after a berthd restart)
  std::set<std::string> failing;        // Start() reports start_failed for these
  std::set<std::string> unwell;         // Healthy() is false for these
  bool stop_at_once = true;  // Stop() reports `finished` on the next loop turn
  // Images by reference, as FetchRevision() finds them ("sha256:1"); `pulls` counts its pulls.
  // A reference that is not here fails to pull; an id in `removed_images` is gone.
  std::map<std::string, std::string> images;
  std::set<std::string> removed_images;
  int pulls = 0;
  std::vector<std::string> started_images;  // the image_id of each container start
  // How a command run by Exec() in an app ends (on the next loop turn); absent: it exits 0.
  std::map<std::string, CommandOutcome> exec_outcomes;
  int execs = 0;  // commands run
  pid_t next_pid = 1000;

  RuntimeFactory Factory();
  FakeRuntime* operator[](const std::string& app) { return runtimes.at(app); }
};

// A command of FakeRuntime::Exec(): its answer is dropped once it is destroyed.
struct FakeCommand : RuntimeCommand {
  std::shared_ptr<int> alive = std::make_shared<int>(0);
};

class FakeRuntime : public Runtime {
 public:
  FakeRuntime(FakeWorld* world, std::string app, Events events)
      : world_(world), app_(std::move(app)), events_(std::move(events)) {
    world_->runtimes[app_] = this;
  }
  ~FakeRuntime() override {
    if (world_->runtimes[app_] == this) world_->runtimes.erase(app_);
  }

  void Start(const AppSpec& spec) override {
    world_->calls.push_back("start " + app_);
    if (spec.container()) world_->started_images.push_back(spec.container()->image_id);
    if (world_->failing.count(app_)) return events_.start_failed("no such thing");
    running_ = true;
    events_.started(RuntimeInfo{.pid = world_->next_pid++});
  }
  bool Healthy() const override { return !world_->unwell.count(app_); }
  bool Stop(int signo, double timeout_s) override {
    if (!running_) return false;
    world_->calls.push_back("stop " + app_ + " " + std::to_string(signo) + " " +
                            std::to_string(static_cast<int>(timeout_s)));
    if (world_->stop_at_once)
      world_->loop->Defer([world = world_, app = app_, signo] {
        if (world->runtimes.count(app)) world->runtimes[app]->Exit(128 + signo);
      });
    return true;
  }
  void Recover(const AppSpec&, RecoverFn done) override {
    world_->calls.push_back("recover " + app_);
    if (!world_->still_running.count(app_)) return done(std::nullopt);
    running_ = true;
    done(RuntimeInfo{.container_id = "c0ffee" + app_});
  }
  void Stats(StatsFn done) override {
    world_->calls.push_back("stats " + app_);
    RuntimeStats stats;
    stats.cpu_percent = 12.5;
    stats.memory_bytes = 4096;
    done(stats);
  }

  // Answers on the next loop turn, as Docker would.
  void FetchRevision(const AppSpec& spec, bool pull, LineFn log, RevisionFn done) override {
    std::string image = spec.container()->image;
    if (pull) ++world_->pulls;
    world_->loop->Defer([world = world_, image, log, done] {
      log("pulling " + image);
      auto found = world->images.find(image);
      if (found == world->images.end()) return done(Status::Unavailable("no such image " + image));
      done(found->second);
    });
  }
  void CheckRevision(const std::string& revision, std::function<void(Status)> done) override {
    world_->loop->Defer([world = world_, revision, done] {
      if (world->removed_images.count(revision))
        return done(Status::NotFound("image " + revision + " is no longer on this host"));
      done(Status::Ok());
    });
  }

  void Pause(std::function<void(Status)> done) override {
    world_->calls.push_back("pause " + app_);
    done(Status::Ok());
  }
  void Resume(std::function<void(Status)> done) override {
    world_->calls.push_back("resume " + app_);
    done(Status::Ok());
  }

  Result<std::unique_ptr<RuntimeCommand>> Exec(const std::vector<std::string>&,
                                               CommandDone done) override {
    if (!running_) return Status::Conflict("the app does not run");
    ++world_->execs;
    auto command = std::make_unique<FakeCommand>();
    std::weak_ptr<int> alive = command->alive;
    auto found = world_->exec_outcomes.find(app_);
    CommandOutcome outcome = found == world_->exec_outcomes.end() ? CommandOutcome{.exit_code = 0}
                                                                 : found->second;
    world_->loop->Defer([alive, outcome, done] {
      if (alive.lock()) done(outcome);
    });
    return std::unique_ptr<RuntimeCommand>(std::move(command));
  }

  // The app ends by itself (or after Stop()) with `code`.
  void Exit(int code) {
    running_ = false;
    events_.finished(RuntimeExit::FromExitCode(code));
  }
  void Print(LogStream stream, std::vector<std::string_view> lines) {
    events_.lines(stream, lines);
  }
  bool running() const { return running_; }

 private:
  FakeWorld* world_;
  std::string app_;
  Events events_;
  bool running_ = false;
};

inline RuntimeFactory FakeWorld::Factory() {
  return [this](const AppSpec& spec, Runtime::Events events) -> std::unique_ptr<Runtime> {
    return std::make_unique<FakeRuntime>(this, spec.name, std::move(events));
  };
}

}  // namespace berth
