// Running a command inside a container through the Engine's exec API.
#include "supervise/container_exec.h"

namespace berth {
namespace {

constexpr size_t kOutputBytes = 4096;  // as StartProcessCommand keeps

}  // namespace

std::unique_ptr<RuntimeCommand> ContainerExec::Start(docker::DockerEngine* engine,
                                                     const std::string& id,
                                                     const std::vector<std::string>& argv,
                                                     Runtime::CommandDone done) {
  std::unique_ptr<ContainerExec> exec(new ContainerExec(engine, id, std::move(done)));
  exec->Create(argv);
  return exec;
}

ContainerExec::ContainerExec(docker::DockerEngine* engine, std::string container,
                             Runtime::CommandDone done)
    : engine_(engine),
      container_(std::move(container)),
      done_(std::move(done)),
      demuxer_(docker::LogFraming::kMultiplexed,
               [this](LogStream, std::string_view line) { Keep(line); }) {}

ContainerExec::~ContainerExec() = default;

void ContainerExec::Create(const std::vector<std::string>& argv) {
  nlohmann::json body = {{"AttachStdout", true}, {"AttachStderr", true}, {"Cmd", argv}};
  call_ =
      engine_->Call("POST", "/containers/" + container_ + "/exec", body,
                    [this](Result<docker::EngineReply> reply) {
                      if (!reply.ok()) return Fail(reply.status().message());
                      if (reply->status != 201)
                        return Fail("cannot run the command in the container: " + reply->Message());
                      exec_id_ = reply->body.value("Id", "");
                      Run();
                    });
}

void ContainerExec::Run() {
  HttpStream stream{.on_data = [this](std::string_view chunk) { demuxer_.Feed(chunk); }};
  // The Engine answers once the command ended, its output framed as a container's logs.
  call_ = engine_->Stream(
      "/exec/" + exec_id_ + "/start", std::move(stream),
      [this](Result<long> status) {
        if (!status.ok()) return Fail(status.status().message());
        if (*status != 200)
          return Fail("cannot start the command in the container: HTTP " + std::to_string(*status));
        demuxer_.Finish();
        Inspect();
      },
      "POST", {}, {{"Detach", false}, {"Tty", false}});
}

void ContainerExec::Inspect() {
  call_ = engine_->Call(
      "GET", "/exec/" + exec_id_ + "/json", nullptr, [this](Result<docker::EngineReply> reply) {
        if (!reply.ok()) return Fail(reply.status().message());
        const nlohmann::json& code = reply->body.is_object() && reply->body.contains("ExitCode")
                                         ? reply->body["ExitCode"]
                                         : nlohmann::json();
        if (reply->status != 200 || !code.is_number_integer())
          return Fail("cannot tell how the command ended: " + reply->Message());
        Runtime::CommandDone done = std::move(done_);
        done(CommandOutcome{.exit_code = code.get<int>(), .output = std::move(output_)});
      });
}

void ContainerExec::Keep(std::string_view line) {
  output_.append(line).push_back('\n');
  if (output_.size() > kOutputBytes) output_.erase(0, output_.size() - kOutputBytes);
}

void ContainerExec::Fail(const std::string& error) {
  Runtime::CommandDone done = std::move(done_);
  done(Status::Unavailable(error));
}

}  // namespace berth
