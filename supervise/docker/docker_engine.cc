// The Engine connection: version negotiation, the /events follower and its reconnects.
#include "supervise/docker/docker_engine.h"

#include <algorithm>

#include "reactor/clock.h"
#include "reactor/curl_handles.h"
#include "reactor/log.h"

namespace berth::docker {
namespace {

constexpr char kUnixScheme[] = "unix://";
constexpr long kFirstRetryMs = 250;
constexpr long kMaxRetryMs = 5000;

// Docker ANDs label filters: the events of every container come, and OnEvent keeps berth's.
std::string EventsFilter() {
  nlohmann::json filters = {{"type", {"container"}}};
  return UrlEscape(filters.dump());
}

int ExitCodeAttribute(const nlohmann::json& attributes) {
  auto it = attributes.find("exitCode");
  if (it == attributes.end() || !it->is_string()) return -1;
  try {
    return std::stoi(it->get<std::string>());
  } catch (const std::exception&) {
    return -1;
  }
}

}  // namespace

std::string EngineReply::Message() const {
  if (body.is_object() && body.contains("message") && body["message"].is_string())
    return body["message"].get<std::string>();
  return "Docker answered " + std::to_string(status);
}

DockerEngine::DockerEngine(EventLoop* loop, HttpClient* http, std::string host)
    : loop_(loop),
      http_(http),
      host_(std::move(host)),
      reconnect_timer_(loop, [this] { Connect(); }) {
  if (host_.rfind(kUnixScheme, 0) == 0) socket_ = host_.substr(sizeof kUnixScheme - 1);
  error_ = "Docker is not reachable at " + host_ + ": not connected yet";
}

DockerEngine::~DockerEngine() = default;

Status DockerEngine::CheckHost(const std::string& host) {
  if (host.rfind(kUnixScheme, 0) != 0 || host.size() == sizeof kUnixScheme - 1)
    return Status::Invalid("the Docker host must be a unix socket, unix:///path (got \"" + host +
                           "\")");
  return Status::Ok();
}

std::string DockerEngine::Url(const std::string& path) const {
  return "http://docker/v" + version_.ToString() + path;
}

void DockerEngine::Connect() {
  HttpRequest request{.url = "http://docker/version", .unix_socket = socket_, .timeout_ms = 10000};
  version_call_ = http_->Send(std::move(request), [this](Result<HttpResponse> response) {
    OnVersion(std::move(response));
  });
}

void DockerEngine::OnVersion(Result<HttpResponse> response) {
  if (!response.ok()) return GoDown(response.status().message());
  if (response->status != 200)
    return GoDown("GET /version answered " + std::to_string(response->status));
  auto version = NegotiateApiVersion(nlohmann::json::parse(response->body, nullptr, false));
  if (!version.ok()) return GoDown(version.status().message());
  version_ = *version;
  FollowEvents();
}

void DockerEngine::FollowEvents() {
  events_stream_ = std::make_unique<JsonLineStream>(
      [this](Result<nlohmann::json> event) { OnEvent(std::move(event)); });
  std::string path = "/events?filters=" + EventsFilter();
  // After a reconnect, what happened while the stream was down comes first.
  if (last_event_s_) path += "&since=" + std::to_string(last_event_s_);
  HttpStream stream;
  stream.on_head = [this](long status, const HttpHeaders&) {
    if (status != 200) return;
    retry_ms_ = 0;
    bool was_up = up_;
    up_ = true;
    error_.clear();
    LogInfo("Docker at " + host_ + " answers, Engine API " + version_.ToString());
    if (!was_up) Notify(true);
    Tried();
  };
  stream.on_data = [this](std::string_view chunk) { events_stream_->Feed(chunk); };
  events_call_ = Stream(path, std::move(stream), [this](Result<long> status) {
    OnEventsEnded(status.ok() ? "the event stream ended (status " + std::to_string(*status) + ")"
                              : status.status().message());
  });
}

void DockerEngine::OnEvent(Result<nlohmann::json> value) {
  if (!value.ok() || !value->is_object()) return;
  const nlohmann::json& event = *value;
  last_event_s_ = std::max<int64_t>(last_event_s_, event.value("time", int64_t{0}));
  const nlohmann::json& actor = event.value("Actor", nlohmann::json::object());
  const nlohmann::json& attributes = actor.value("Attributes", nlohmann::json::object());
  ContainerEvent parsed{.action = event.value("Action", ""),
                        .id = actor.value("ID", ""),
                        .app = attributes.value(kAppLabel, ""),
                        .project = attributes.value(kComposeProjectLabel, "")};
  // "exec_start: sh -c …", "health_status: healthy": the verb, then what it says.
  if (size_t colon = parsed.action.find(':'); colon != std::string::npos) {
    size_t detail = parsed.action.find_first_not_of(' ', colon + 1);
    if (detail != std::string::npos) parsed.health = parsed.action.substr(detail);
    parsed.action.resize(colon);
  }
  if (parsed.action != "health_status") parsed.health.clear();
  if (parsed.action == "die") parsed.exit_code = ExitCodeAttribute(attributes);
  if (parsed.id.empty() || (parsed.app.empty() && parsed.project.empty())) return;
  auto watchers = watchers_;  // a callback may unwatch
  for (auto& [id, watcher] : watchers)
    if (watchers_.count(id) && watcher.on_event) watcher.on_event(parsed);
}

void DockerEngine::OnEventsEnded(const std::string& why) { GoDown(why); }

void DockerEngine::GoDown(const std::string& why) {
  bool was_up = up_;
  up_ = false;
  error_ = "Docker is not reachable at " + host_ + ": " + why;
  loop_->Defer([call = std::shared_ptr<HttpCall>(std::move(events_call_))] {});
  if (was_up || retry_ms_ == 0) LogWarn(error_);
  if (was_up) Notify(false);
  ScheduleReconnect();
  Tried();
}

void DockerEngine::WhenReady(std::function<void()> fn) {
  if (tried_) return fn();
  when_ready_.push_back(std::move(fn));
}

void DockerEngine::Tried() {
  if (tried_) return;
  tried_ = true;
  auto waiting = std::move(when_ready_);
  when_ready_.clear();
  for (auto& fn : waiting) fn();
}

void DockerEngine::ScheduleReconnect() {
  retry_ms_ = retry_ms_ ? std::min(retry_ms_ * 2, kMaxRetryMs) : kFirstRetryMs;
  reconnect_timer_.Start(retry_ms_);
}

void DockerEngine::Notify(bool up) {
  auto watchers = watchers_;
  for (auto& [id, watcher] : watchers)
    if (watchers_.count(id) && watcher.on_state) watcher.on_state(up);
}

uint64_t DockerEngine::Watch(std::function<void(const ContainerEvent&)> on_event,
                             StateFn on_state) {
  uint64_t id = next_watch_++;
  watchers_[id] = Watcher{std::move(on_event), std::move(on_state)};
  return id;
}

void DockerEngine::Unwatch(uint64_t id) { watchers_.erase(id); }

std::unique_ptr<HttpCall> DockerEngine::Call(const std::string& method, const std::string& path,
                                             const nlohmann::json& body, ReplyFn done,
                                             std::vector<std::string> headers, long timeout_ms) {
  HttpRequest request{.method = method,
                      .url = Url(path),
                      .headers = std::move(headers),
                      .unix_socket = socket_,
                      .timeout_ms = timeout_ms};
  if (!body.is_null()) {
    request.body = body.dump();
    request.headers.push_back("Content-Type: application/json");
  }
  std::string host = host_;
  return http_->Send(std::move(request),
                     [done = std::move(done), host](Result<HttpResponse> response) {
                       if (!response.ok())
                         return done(Status::Unavailable("Docker is not reachable at " + host +
                                                         ": " + response.status().message()));
                       EngineReply reply{.status = response->status};
                       reply.body = nlohmann::json::parse(response->body, nullptr, false);
                       if (reply.body.is_discarded()) reply.body = nullptr;
                       done(std::move(reply));
                     });
}

std::unique_ptr<HttpCall> DockerEngine::Recheck(std::function<void()> done) {
  HttpRequest request{.url = Url("/_ping"),
                      .unix_socket = socket_,
                      .timeout_ms = 10000,
                      .fresh_connection = true};
  return http_->Send(std::move(request),
                     [this, done = std::move(done)](Result<HttpResponse> response) {
                       if (!response.ok() && up_) GoDown(response.status().message());
                       done();
                     });
}

std::unique_ptr<HttpCall> DockerEngine::Stream(const std::string& path, HttpStream stream,
                                               std::function<void(Result<long>)> done,
                                               const std::string& method,
                                               std::vector<std::string> headers,
                                               const nlohmann::json& body) {
  HttpRequest request{.method = method,
                      .url = Url(path),
                      .headers = std::move(headers),
                      .unix_socket = socket_};
  if (method == "POST") request.headers.push_back("Content-Type: application/json");
  if (!body.is_null()) request.body = body.dump();
  std::string host = host_;
  return http_->Send(
      std::move(request),
      [done = std::move(done), host](Result<HttpResponse> response) {
        if (!response.ok())
          return done(Status::Unavailable("Docker is not reachable at " + host + ": " +
                                          response.status().message()));
        done(response->status);
      },
      std::move(stream));
}

}  // namespace berth::docker
