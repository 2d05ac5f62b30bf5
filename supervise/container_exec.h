// ContainerExec: a command run inside a running container through the Engine's exec API
// (create, start with its output streamed back, inspect for the exit code): a container app's
// exec health check.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "supervise/docker/docker_engine.h"
#include "supervise/docker/log_frames.h"
#include "supervise/runtime.h"

namespace berth {

class ContainerExec : public RuntimeCommand {
 public:
  // Runs `argv` in container `id`. `done` runs once, later, never after the ContainerExec is
  // destroyed; destroying it leaves the command running in the container, unwatched.
  static std::unique_ptr<RuntimeCommand> Start(docker::DockerEngine* engine, const std::string& id,
                                               const std::vector<std::string>& argv,
                                               Runtime::CommandDone done);
  ~ContainerExec() override;

 private:
  ContainerExec(docker::DockerEngine* engine, std::string container, Runtime::CommandDone done);
  void Create(const std::vector<std::string>& argv);
  void Run();
  void Inspect();
  void Keep(std::string_view line);
  void Fail(const std::string& error);

  docker::DockerEngine* engine_;
  std::string container_;
  Runtime::CommandDone done_;
  std::string exec_id_;
  std::string output_;  // the end of what the command wrote
  docker::LogFrameDemuxer demuxer_;
  std::unique_ptr<HttpCall> call_;
};

}  // namespace berth
