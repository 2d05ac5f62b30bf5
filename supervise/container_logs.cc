// Following a container's output through the Engine's logs endpoint.
#include "supervise/container_logs.h"

namespace berth {

ContainerLogs::ContainerLogs(EventLoop* loop, docker::DockerEngine* engine, const std::string& id,
                             bool from_now, Callbacks callbacks, int64_t since_s,
                             const char* collection)
    : loop_(loop),
      callbacks_(std::move(callbacks)),
      demuxer_(docker::LogFraming::kMultiplexed, [this](LogStream stream, std::string_view line) {
        callbacks_.line(stream, line);
      }) {
  std::string path = "/" + std::string(collection) + "/" + id + "/logs?follow=1&stdout=1&stderr=1";
  if (from_now) path += "&tail=0";
  if (since_s > 0) path += "&since=" + std::to_string(since_s);
  HttpStream stream;
  stream.on_data = [this](std::string_view chunk) {
    demuxer_.Feed(chunk);
    if (callbacks_.data) callbacks_.data();
  };
  call_ = engine->Stream(path, std::move(stream), [this](Result<long>) {
    demuxer_.Finish();
    // This runs inside the call's own callback: it is freed on the next loop turn.
    loop_->Defer([call = std::shared_ptr<HttpCall>(std::move(call_))] {});
    if (callbacks_.ended) callbacks_.ended();
  });
}

ContainerLogs::~ContainerLogs() = default;

}  // namespace berth
