// Commands run beside process apps.
#include "supervise/process_command.h"

#include <signal.h>

namespace berth {
namespace {

// The end of what a command wrote that is kept.
constexpr size_t kOutputBytes = 4096;

class ProcessCommand : public RuntimeCommand {
 public:
  explicit ProcessCommand(Runtime::CommandDone done) : done_(std::move(done)) {}
  ~ProcessCommand() override {
    if (child_ && !finished_) child_->SignalGroup(SIGKILL);
  }

  Status Spawn(EventLoop* loop, ChildReaper* reaper, const SpawnOptions& options) {
    auto child = ChildProcess::Spawn(
        loop, reaper, options, [this](OutputStream, std::string_view data, bool) { Keep(data); },
        [this](int wait_status) { Finished(wait_status); });
    if (!child.ok()) return child.status();
    child_ = std::move(child).value();
    return Status::Ok();
  }

 private:
  void Keep(std::string_view data) {
    output_.append(data);
    if (output_.size() > kOutputBytes) output_.erase(0, output_.size() - kOutputBytes);
  }
  void Finished(int wait_status) {
    finished_ = true;
    Runtime::CommandDone done = std::move(done_);
    done(CommandOutcome{.exit_code = ExitCodeOf(wait_status), .output = std::move(output_)});
  }

  Runtime::CommandDone done_;
  std::unique_ptr<ChildProcess> child_;
  std::string output_;
  bool finished_ = false;
};

}  // namespace

Result<std::unique_ptr<RuntimeCommand>> StartProcessCommand(EventLoop* loop, ChildReaper* reaper,
                                                            const SpawnOptions& options,
                                                            Runtime::CommandDone done) {
  auto command = std::make_unique<ProcessCommand>(std::move(done));
  if (Status s = command->Spawn(loop, reaper, options); !s.ok()) return s;
  return std::unique_ptr<RuntimeCommand>(std::move(command));
}

}  // namespace berth
