// DockerEngine: berthd's connection to the Docker Engine API over its unix socket, on the loop.
// It negotiates the API version, follows /events for containers berth owns (reconnecting with
// `since=` and backoff), and makes the calls container runtimes need. No docker CLI, no thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "base/status.h"
#include "reactor/event_loop.h"
#include "reactor/http_client.h"
#include "supervise/docker/api_version.h"
#include "supervise/docker/json_stream.h"

namespace berth::docker {

// The label every container berth creates carries: the app's name.
inline constexpr char kAppLabel[] = "berth.app";
// And the hash of the spec it was created from, to tell when it must be created again.
inline constexpr char kSpecLabel[] = "berth.spec";
// The labels Compose puts on the containers of a stack: its project and the service.
inline constexpr char kComposeProjectLabel[] = "com.docker.compose.project";
inline constexpr char kComposeServiceLabel[] = "com.docker.compose.service";

// One container event berth cares about.
struct ContainerEvent {
  std::string action;  // "start", "die", "destroy", "pause", "unpause", "health_status", ...
  std::string id;
  std::string app;      // its berth.app label (a container app's)
  std::string project;  // its Compose project label (a compose app's container)
  int exit_code = -1;   // for "die"
  std::string health;   // for "health_status": "healthy", "unhealthy", "starting"
};

// An answer of the Engine: status and the parsed JSON body (null when empty or not JSON).
struct EngineReply {
  long status = 0;
  nlohmann::json body;
  // The Engine's own message ({"message": "..."}), or the raw status.
  std::string Message() const;
};

class DockerEngine {
 public:
  using ReplyFn = std::function<void(Result<EngineReply>)>;
  // Reachability changed: `up` with the negotiated version, or down with why.
  using StateFn = std::function<void(bool up)>;

  // `host`: "unix:///var/run/docker.sock" (only unix:// is supported).
  DockerEngine(EventLoop* loop, HttpClient* http, std::string host);
  ~DockerEngine();

  // Checks `host` names a unix socket; Invalid otherwise.
  static Status CheckHost(const std::string& host);

  // Connects (GET /version, then /events), and keeps reconnecting while it is down.
  void Connect();
  bool up() const { return up_; }
  // Runs `fn` once the first connection attempt has ended, either way (at once after that).
  void WhenReady(std::function<void()> fn);
  const std::string& host() const { return host_; }
  // "Docker is not reachable at unix:///var/run/docker.sock: <why>" while down.
  const std::string& error() const { return error_; }
  ApiVersion version() const { return version_; }

  // Subscriptions: container events of apps berth owns, and reachability changes. Returns an id
  // for Unwatch. Callbacks may unwatch, but not destroy the engine.
  uint64_t Watch(std::function<void(const ContainerEvent&)> on_event, StateFn on_state);
  void Unwatch(uint64_t id);

  // One call under the negotiated version: `path` like "/containers/create?name=x".
  // Unavailable when Docker is down or the connection fails.
  [[nodiscard]] std::unique_ptr<HttpCall> Call(const std::string& method, const std::string& path,
                                               const nlohmann::json& body, ReplyFn done,
                                               std::vector<std::string> headers = {},
                                               long timeout_ms = 60000);
  // Whether Docker still takes new connections: a daemon shutting down goes on answering, with
  // errors, on the connections it has. When it does not, the engine goes down (watchers hear of
  // it); `done` runs after that, either way. REQUIRES: the call ends or is destroyed before the
  // engine.
  [[nodiscard]] std::unique_ptr<HttpCall> Recheck(std::function<void()> done);
  // A streamed call (logs, pulls, an exec's output): the answer's body goes to `on_data`;
  // `done` gets the status. A POST sends `body` (JSON).
  [[nodiscard]] std::unique_ptr<HttpCall> Stream(const std::string& path, HttpStream stream,
                                                 std::function<void(Result<long>)> done,
                                                 const std::string& method = "GET",
                                                 std::vector<std::string> headers = {},
                                                 const nlohmann::json& body = nullptr);

 private:
  std::string Url(const std::string& path) const;
  void OnVersion(Result<HttpResponse> response);
  void FollowEvents();
  void OnEvent(Result<nlohmann::json> event);
  void OnEventsEnded(const std::string& why);
  void GoDown(const std::string& why);
  void ScheduleReconnect();
  void Notify(bool up);
  void Tried();

  EventLoop* loop_;
  HttpClient* http_;
  std::string host_;
  std::string socket_;
  bool up_ = false;
  bool tried_ = false;  // the first connection attempt has ended
  std::vector<std::function<void()>> when_ready_;
  std::string error_;
  ApiVersion version_ = kOldestSupportedApiVersion;
  std::unique_ptr<HttpCall> version_call_;
  std::unique_ptr<HttpCall> events_call_;
  std::unique_ptr<JsonLineStream> events_stream_;
  int64_t last_event_s_ = 0;  // for since= after a reconnect
  long retry_ms_ = 0;
  Timer reconnect_timer_;
  struct Watcher {
    std::function<void(const ContainerEvent&)> on_event;
    StateFn on_state;
  };
  std::map<uint64_t, Watcher> watchers_;
  uint64_t next_watch_ = 1;
};

}  // namespace berth::docker
