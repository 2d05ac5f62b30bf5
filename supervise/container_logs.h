// ContainerLogs: follows one container's output through the Engine (GET /containers/<id>/logs
// with follow=1), cut into the lines of each stream. Container apps follow their container,
// compose apps every container of their stack.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "reactor/event_loop.h"
#include "supervise/docker/docker_engine.h"
#include "supervise/docker/log_frames.h"

namespace berth {

class ContainerLogs {
 public:
  struct Callbacks {
    // One line (valid only during the call).
    std::function<void(LogStream stream, std::string_view line)> line;
    // After each piece of output (a dead container's last lines may still be coming).
    std::function<void()> data;
    // The stream ended: Docker sent all there is (the container ended), or it went away.
    std::function<void()> ended;
  };

  // Starts following container `id`: from its first line kept by Docker, or only what it writes
  // from now on (`from_now`, for a container adopted after a restart), or what it wrote since
  // `since_s` (Unix time, when not 0). Callbacks never run after the ContainerLogs is
  // destroyed; none may destroy it. `collection` "services": a swarm service's output instead
  // (GET /services/<id>/logs, every task's).
  ContainerLogs(EventLoop* loop, docker::DockerEngine* engine, const std::string& id,
                bool from_now, Callbacks callbacks, int64_t since_s = 0,
                const char* collection = "containers");
  ~ContainerLogs();

  bool ended() const { return !call_; }

 private:
  EventLoop* loop_;
  Callbacks callbacks_;
  docker::LogFrameDemuxer demuxer_;
  std::unique_ptr<HttpCall> call_;
};

}  // namespace berth
