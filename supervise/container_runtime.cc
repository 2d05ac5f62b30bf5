// Starting, stopping, adopting and measuring container apps through the Engine API.
#include "supervise/container_runtime.h"

#include <functional>
#include <utility>

#include "reactor/curl_handles.h"
#include "reactor/log.h"
#include "supervise/container_exec.h"
#include "supervise/docker/container_address.h"
#include "supervise/docker/image_reference.h"
#include "supervise/docker/pull_progress.h"
#include "supervise/docker/registry_auth.h"
#include "supervise/docker/stats.h"
#include "supervise/foreign_container.h"

namespace berth {
namespace {

using nlohmann::json;

// How long the log stream of a dead container may stay silent before berth stops waiting for
// its last lines (Docker ends the stream itself once it has sent them all).
constexpr long kLogDrainMs = 2000;

json PortBindings(const ContainerSpec& container, const BerthPaths& paths, json* exposed) {
  json bindings = json::object();
  for (const ContainerPort& port : container.ports) {
    std::string key = std::to_string(port.container) + "/" + port.protocol;
    (*exposed)[key] = json::object();
    bindings[key].push_back({{"HostIp", port.host_ip.empty() ? paths.app_host : port.host_ip},
                             {"HostPort", std::to_string(port.host)}});
  }
  return bindings;
}

json HostConfig(const ContainerSpec& container, const BerthPaths& paths, json* exposed) {
  json binds = json::array();
  for (const ContainerVolume& volume : container.volumes)
    binds.push_back(volume.host + ":" + volume.container + (volume.read_only ? ":ro" : ""));
  json host = {{"PortBindings", PortBindings(container, paths, exposed)},
               {"Binds", binds},
               {"RestartPolicy", {{"Name", "no"}}},
               {"ReadonlyRootfs", container.read_only},
               {"CapDrop", container.cap_drop},
               {"CapAdd", container.cap_add}};
  if (container.no_new_privileges) host["SecurityOpt"] = {"no-new-privileges"};
  if (!container.network.empty()) host["NetworkMode"] = container.network;
  if (container.limits.memory_bytes) host["Memory"] = *container.limits.memory_bytes;
  if (container.limits.cpus) host["NanoCpus"] = static_cast<int64_t>(*container.limits.cpus * 1e9);
  if (container.limits.pids) host["PidsLimit"] = *container.limits.pids;
  return host;
}

// A short, stable digest of `text` (to tell whether a container matches its spec).
std::string Fingerprint(const std::string& text) {
  uint64_t hash = 1469598103934665603ull;  // FNV-1a
  for (unsigned char c : text) hash = (hash ^ c) * 1099511628211ull;
  char out[17];
  snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(hash));
  return out;
}

json Env(const AppSpec& spec) {
  json env = json::array();
  for (const auto& [key, value] : spec.env) env.push_back(key + "=" + value);
  for (const auto& [key, value] : spec.secrets) env.push_back(key + "=" + value);
  return env;
}

// True when one of `repo_tags` (an image's RepoTags) is the image `reference` names.
bool NamesImage(const json& repo_tags, const std::string& reference) {
  auto wanted = docker::ParseImageReference(reference);
  if (!wanted.ok() || !repo_tags.is_array()) return false;
  for (const json& tag : repo_tags) {
    if (!tag.is_string()) continue;
    auto named = docker::ParseImageReference(tag.get<std::string>());
    if (named.ok() && *named == *wanted) return true;
  }
  return false;
}

RuntimeStats ToRuntimeStats(const docker::ContainerStats& stats) {
  RuntimeStats out;
  out.cpu_percent = stats.cpu_percent;
  out.memory_bytes = stats.memory_bytes;
  out.memory_limit_bytes = stats.memory_limit_bytes;
  out.pids = stats.pids;
  out.net_rx_bytes = stats.net_rx_bytes;
  out.net_tx_bytes = stats.net_tx_bytes;
  out.block_read_bytes = stats.block_read_bytes;
  out.block_write_bytes = stats.block_write_bytes;
  return out;
}

}  // namespace

std::string ContainerName(const std::string& app) { return "berth-" + app; }

json ContainerCreateBody(const AppSpec& spec, const BerthPaths& paths) {
  const ContainerSpec& container = *spec.container();
  json exposed = json::object();
  json body = {{"Image", container.image_id.empty() ? container.image : container.image_id},
               {"Env", Env(spec)},
               {"Tty", false},
               {"OpenStdin", false},
               {"StopSignal", "SIG" + spec.stop_signal},
               {"StopTimeout", static_cast<int>(spec.stop_timeout)}};
  body["HostConfig"] = HostConfig(container, paths, &exposed);
  body["ExposedPorts"] = exposed;
  if (container.command) body["Cmd"] = *container.command;
  if (container.entrypoint) body["Entrypoint"] = *container.entrypoint;
  if (!container.user.empty()) body["User"] = container.user;
  if (!container.healthcheck.is_null()) body["Healthcheck"] = container.healthcheck;
  std::string fingerprint = Fingerprint(body.dump());
  body["Labels"] = {{docker::kAppLabel, spec.name}, {docker::kSpecLabel, fingerprint}};
  return body;
}

ContainerRuntime::ContainerRuntime(ContainerContext context, Events events)
    : context_(context),
      events_(std::move(events)),
      drain_timer_(context.loop, [this] { Finish(); }) {
  watch_id_ = context_.engine->Watch(
      [this](const docker::ContainerEvent& event) { OnEvent(event); },
      [this](bool up) { OnEngineState(up); });
}

ContainerRuntime::~ContainerRuntime() { context_.engine->Unwatch(watch_id_); }

void ContainerRuntime::Prepare(const AppSpec& spec) {
  // Limits alone change in place; everything else makes the App restart us (see
  // ContainerChangesHowItRuns).
  if (!running_ || id_.empty() || !spec_.container() || !spec.container()) return;
  if (spec_.container()->limits == spec.container()->limits) return;
  json exposed;
  json update = HostConfig(*spec.container(), *context_.paths, &exposed);
  json body = {{"Memory", update.value("Memory", 0)},
               {"NanoCpus", update.value("NanoCpus", 0)},
               {"PidsLimit", update.value("PidsLimit", 0)}};
  if (body["Memory"] != 0) body["MemorySwap"] = -1;
  spec_.container()->limits = spec.container()->limits;
  std::string app = spec.name;
  call_ = context_.engine->Call("POST", "/containers/" + id_ + "/update", body,
                                [app](Result<docker::EngineReply> reply) {
                                  if (!reply.ok() || reply->status != 200)
                                    LogWarn("app " + app + ": cannot change its limits: " +
                                            (reply.ok() ? reply->Message()
                                                        : reply.status().message()));
                                });
}

void ContainerRuntime::Start(const AppSpec& spec) {
  spec_ = spec;
  address_.clear();
  exit_.reset();
  stopping_ = false;
  starting_ = true;
  // Docker down: wait for it (the app shows why), then start; no failure is counted.
  if (!context_.engine->up()) return Report(context_.engine->error());
  InspectImage();
}

void ContainerRuntime::Report(const std::string& problem) {
  if (events_.problem) events_.problem(problem);
}

void ContainerRuntime::FailStart(const std::string& error) {
  // A failure from a Docker going away is none of the app's: wait for Docker, as a start begun
  // without it does.
  call_ = context_.engine->Recheck([this, error] {
    call_.reset();
    if (!context_.engine->up()) return Report(context_.engine->error());
    starting_ = false;
    events_.start_failed(error);
  });
}

void ContainerRuntime::InspectImage() {
  const ContainerSpec& container = *spec_.container();
  // The image the app's deployment chose (by id), else the one its name resolves to now.
  const std::string& image = container.image_id.empty() ? container.image : container.image_id;
  call_ = context_.engine->Call(
      "GET", "/images/" + UrlEscape(image) + "/json", nullptr, [this](Result<docker::EngineReply> r) {
        const ContainerSpec& container = *spec_.container();
        if (!r.ok()) return FailStart(r.status().message());
        if (r->status == 200) {
          image_tagged_ = NamesImage(r->body["RepoTags"], container.image);
          return RemoveOld();
        }
        if (r->status == 404 && container.image_id.empty()) return Pull();
        if (r->status == 404)
          return FailStart("the deployed image of " + container.image + " (" +
                           container.image_id.substr(0, 19) +
                           ") is no longer on this host: redeploy to pull it again");
        FailStart("cannot inspect image " + container.image + ": " + r->Message());
      });
}

void ContainerRuntime::Pull() {
  PullImage(spec_, &call_, {}, [this](Result<std::string> image) {
    if (!image.ok()) return FailStart(image.status().message());
    RemoveOld();
  });
}

void ContainerRuntime::PullImage(const AppSpec& spec, std::unique_ptr<HttpCall>* slot,
                                 LineFn log, RevisionFn done) {
  const std::string image = spec.container()->image;
  auto reference = docker::ParseImageReference(image);
  if (!reference.ok()) return done(reference.status());
  std::string path = "/images/create?fromImage=" + UrlEscape(reference->Name());
  path += reference->digest.empty() ? "&tag=" + UrlEscape(reference->tag)
                                    : "&tag=" + UrlEscape(reference->digest);
  std::vector<std::string> headers;
  auto credentials = context_.credentials(*spec.container());
  if (!credentials.ok()) return done(credentials.status());
  if (const auto& auth = *credentials) {
    auto header = docker::RegistryAuthHeader(
        {.username = auth->username, .password = auth->password,
         .server_address = reference->registry});
    if (!header.ok()) return done(header.status());
    headers.push_back("X-Registry-Auth: " + *header);
  }
  LogInfo("app " + spec.name + ": pulling " + image);
  // The first error inside the stream is the pull's: Docker answers 200 and reports there.
  auto error = std::make_shared<std::string>();
  // A refused pull (401 from the registry, unknown image) is no progress stream but one
  // {"message": ...} answer with a 4xx/5xx status: keep it for the error.
  auto refusal = std::make_shared<docker::EngineReply>();
  auto progress = std::make_shared<docker::JsonLineStream>([log, error, refusal](
                                                               Result<json> message) {
    if (!message.ok()) return;
    refusal->body = *message;
    if (Status s = docker::PullProgressError(*message); !s.ok() && error->empty())
      *error = s.message();
    if (std::string line = docker::PullProgressLine(*message); log && !line.empty()) log(line);
  });
  HttpStream stream;
  stream.on_data = [progress](std::string_view chunk) { progress->Feed(chunk); };
  auto finished = [this, slot, image, progress, error, refusal, done](Result<long> status) {
    progress->Finish();
    if (!status.ok()) return done(status.status());
    refusal->status = *status;
    if (error->empty() && *status != 200) *error = refusal->Message();
    if (!error->empty()) return done(Status::Unavailable("cannot pull " + image + ": " + *error));
    *slot = context_.engine->Call(
        "GET", "/images/" + UrlEscape(image) + "/json", nullptr,
        [image, done](Result<docker::EngineReply> r) {
          if (!r.ok()) return done(r.status());
          if (r->status != 200) return done(Status::Unavailable("cannot inspect " + image));
          done(r->body.value("Id", ""));
        });
  };
  *slot = context_.engine->Stream(path, std::move(stream), std::move(finished), "POST",
                                  std::move(headers));
}

void ContainerRuntime::FetchRevision(const AppSpec& spec, bool pull, LineFn log,
                                     RevisionFn done) {
  if (!context_.engine->up()) {
    if (log) log("waiting for Docker: " + context_.engine->error());
    Report(context_.engine->error());
    waiting_fetch_ = [this, spec, pull, log, done] { FetchRevision(spec, pull, log, done); };
    return;
  }
  ResolveImage(spec, pull, std::move(log), std::move(done));
}

void ContainerRuntime::ResolveImage(const AppSpec& spec, bool pull, LineFn log,
                                    RevisionFn done) {
  const std::string image = spec.container()->image;
  if (pull) {
    if (log) log("pulling " + image);
    return PullImage(spec, &fetch_call_, std::move(log), std::move(done));
  }
  fetch_call_ = context_.engine->Call(
      "GET", "/images/" + UrlEscape(image) + "/json", nullptr,
      [this, spec, image, log, done](Result<docker::EngineReply> r) {
        if (!r.ok()) return done(r.status());
        if (r->status == 200) {
          if (log) log(image + " is on this host");
          return done(r->body.value("Id", ""));
        }
        if (r->status != 404)
          return done(Status::Unavailable("cannot inspect image " + image + ": " + r->Message()));
        if (log) log(image + " is not on this host: pulling it");
        PullImage(spec, &fetch_call_, log, done);
      });
}

void ContainerRuntime::CheckRevision(const std::string& revision,
                                     std::function<void(Status)> done) {
  if (!context_.engine->up()) return done(Status::Unavailable(context_.engine->error()));
  fetch_call_ = context_.engine->Call(
      "GET", "/images/" + UrlEscape(revision) + "/json", nullptr,
      [revision, done](Result<docker::EngineReply> r) {
        if (!r.ok()) return done(r.status());
        if (r->status == 200) return done(Status::Ok());
        if (r->status == 404)
          return done(Status::NotFound("image " + revision.substr(0, 19) +
                                       " is no longer on this host (it was removed from Docker)"));
        done(Status::Unavailable("cannot inspect image " + revision + ": " + r->Message()));
      });
}

void ContainerRuntime::RepoDigests(const std::string& revision, DigestsFn done) {
  if (!context_.engine->up()) return done(Status::Unavailable(context_.engine->error()));
  digests_call_ = context_.engine->Call(
      "GET", "/images/" + UrlEscape(revision) + "/json", nullptr,
      [revision, done](Result<docker::EngineReply> r) {
        if (!r.ok()) return done(r.status());
        if (r->status == 404)
          return done(Status::NotFound("image " + revision.substr(0, 19) +
                                       " is no longer on this host (it was removed from Docker)"));
        if (r->status != 200)
          return done(
              Status::Unavailable("cannot inspect image " + revision + ": " + r->Message()));
        std::vector<std::string> digests;
        const nlohmann::json& field = r->body.is_object() && r->body.contains("RepoDigests")
                                          ? r->body["RepoDigests"]
                                          : nlohmann::json();
        if (field.is_array())
          for (const nlohmann::json& digest : field)
            if (digest.is_string()) digests.push_back(digest.get<std::string>());
        done(std::move(digests));
      });
}

std::string ContainerRuntime::Name() const {
  const ContainerSpec* container = spec_.container();
  return container && !container->instance_name.empty() ? container->instance_name
                                                         : ContainerName(spec_.name);
}

void ContainerRuntime::Promote(std::function<void()> done) {
  std::string name = ContainerName(spec_.name);
  if (Name() == name || id_.empty()) return done();
  control_call_ = context_.engine->Call(
      "POST", "/containers/" + id_ + "/rename?name=" + name, nullptr,
      [this, name, done = std::move(done)](Result<docker::EngineReply> r) {
        if (r.ok() && r->status == 204)
          spec_.container()->instance_name.clear();
        else
          LogWarn("app " + spec_.name + ": cannot rename its container " + Name() + " to " +
                  name + ": " + (r.ok() ? r->Message() : r.status().message()));
        done();
      });
}

void ContainerRuntime::RemoveOld() {
  std::string name = Name();
  call_ = context_.engine->Call(
      "GET", "/containers/" + name + "/json", nullptr, [this, name](Result<docker::EngineReply> r) {
        if (!r.ok()) return FailStart(r.status().message());
        if (r->status == 404) return Create();
        if (Status ours = CheckContainerIsApps(r->body, spec_.name); !ours.ok())
          return FailStart(ours.message());
        std::string old = r->body.value("Id", name);
        call_ = context_.engine->Call("DELETE", "/containers/" + old + "?force=1", nullptr,
                                      [this](Result<docker::EngineReply> removed) {
                                        if (!removed.ok())
                                          return FailStart(removed.status().message());
                                        if (removed->status >= 300 && removed->status != 404)
                                          return FailStart("cannot remove the old container: " +
                                                           removed->Message());
                                        Create();
                                      });
      });
}

void ContainerRuntime::Create() {
  json body = ContainerCreateBody(spec_, *context_.paths);
  // By name when the name still means the deployed image: `docker ps` shows it. The spec
  // label keeps the id, so the container still matches only that image.
  if (image_tagged_) body["Image"] = spec_.container()->image;
  call_ = context_.engine->Call(
      "POST", "/containers/create?name=" + Name(), body,
      [this](Result<docker::EngineReply> r) {
        if (!r.ok()) return FailStart(r.status().message());
        if (r->status != 201) return FailStart("cannot create the container: " + r->Message());
        id_ = r->body.value("Id", "");
        early_end_.reset();  // what was heard before was of the old container
        StartContainer();
      });
}

void ContainerRuntime::StartContainer() {
  call_ = context_.engine->Call(
      "POST", "/containers/" + id_ + "/start", nullptr, [this](Result<docker::EngineReply> r) {
        if (!r.ok()) return FailStart(r.status().message());
        if (r->status != 204 && r->status != 304)
          return FailStart("cannot start the container: " + r->Message());
        LearnAddress();
      });
}

void ContainerRuntime::LearnAddress() {
  call_ = context_.engine->Call(
      "GET", "/containers/" + id_ + "/json", nullptr, [this](Result<docker::EngineReply> r) {
        // Without it, Endpoints() falls back on published ports.
        bool inspected = r.ok() && r->status == 200;
        if (inspected) NoteAddress(r->body);
        Started();
        // A container that ended meanwhile: its die event may have come before it was
        // running_, or the answer says so.
        if (early_end_) return Ended(*std::exchange(early_end_, std::nullopt));
        if (inspected && !r->body["State"].value("Running", true))
          Ended(RuntimeExit::FromExitCode(r->body["State"].value("ExitCode", -1)));
      });
}

void ContainerRuntime::NoteAddress(const json& inspect) {
  address_ = inspect.is_object() && inspect.contains("NetworkSettings")
                 ? docker::PreferredAddress(docker::ContainerAddresses(inspect["NetworkSettings"]),
                                            spec_.container()->network)
                 : "";
}

std::vector<std::string> ContainerRuntime::Endpoints(int port, const std::string&) const {
  const ContainerSpec* container = spec_.container();
  if (container && container->network == "host")
    return {ReachableHost(context_.paths->app_host) + ":" + std::to_string(port)};
  if (!address_.empty()) return {address_ + ":" + std::to_string(port)};
  if (container)
    for (const ContainerPort& published : container->ports)
      if (published.container == port && published.protocol == "tcp")
        return {ReachableHost(published.host_ip.empty() ? context_.paths->app_host
                                                        : published.host_ip) +
                ":" + std::to_string(published.host)};
  return {};
}

Result<std::unique_ptr<RuntimeCommand>> ContainerRuntime::Exec(
    const std::vector<std::string>& argv, CommandDone done) {
  if (!running_ || stopping_ || id_.empty()) return Status::Conflict("the container does not run");
  if (!context_.engine->up()) return Status::Unavailable(context_.engine->error());
  return ContainerExec::Start(context_.engine, id_, argv, std::move(done));
}

void ContainerRuntime::Started() {
  starting_ = false;
  running_ = true;
  FollowLogs(false);
  events_.started(RuntimeInfo{.container_id = id_});
}

void ContainerRuntime::FollowLogs(bool from_now) {
  if (logs_) context_.loop->Defer([old = std::shared_ptr<ContainerLogs>(std::move(logs_))] {});
  logs_ = std::make_unique<ContainerLogs>(
      context_.loop, context_.engine, id_, from_now,
      ContainerLogs::Callbacks{
          .line =
              [this](LogStream stream, std::string_view line) {
                line_.assign(1, line);
                events_.lines(stream, line_);
              },
          // Docker may still be sending what the container wrote before it died: wait while
          // it does.
          .data =
              [this] {
                if (exit_) drain_timer_.Start(kLogDrainMs);
              },
          .ended =
              [this] {
                if (exit_) Finish();
              }});
}

void ContainerRuntime::OnEvent(const docker::ContainerEvent& event) {
  if (id_.empty() || event.id != id_) return;
  std::optional<RuntimeExit> end;
  if (event.action == "die") end = RuntimeExit::FromExitCode(event.exit_code);
  if (event.action == "destroy")
    end = RuntimeExit{.exit_code = -1, .description = "the container was removed"};
  if (!end) return;
  if (running_) return Ended(*end);
  // Started, not yet reported so (LearnAddress): kept for then.
  if (starting_ && !early_end_) early_end_ = end;
}

void ContainerRuntime::Ended(RuntimeExit exit) {
  if (exit_) return;
  exit_ = std::move(exit);
  if (!logs_ || logs_->ended()) return Finish();
  drain_timer_.Start(kLogDrainMs);
}

void ContainerRuntime::Finish() {
  if (!exit_ || !running_) return;
  drain_timer_.Stop();
  running_ = stopping_ = false;
  if (logs_) context_.loop->Defer([logs = std::shared_ptr<ContainerLogs>(std::move(logs_))] {});
  RuntimeExit exit = std::move(*exit_);
  events_.finished(exit);
}

bool ContainerRuntime::Stop(int, double timeout_s) {
  if (starting_) {
    // Not started yet: drop the step under way; a container made by then is removed by the
    // next start (or on removal).
    call_.reset();
    starting_ = false;
    FinishOnNextTurn(context_.loop, alive_, &events_);
    return true;
  }
  if (!running_) return false;
  if (stopping_) return true;
  stopping_ = true;
  long timeout = static_cast<long>(timeout_s);
  call_ = context_.engine->Call(
      "POST", "/containers/" + id_ + "/stop?t=" + std::to_string(timeout), nullptr,
      [this](Result<docker::EngineReply> r) {
        // 204 stopped, 304 already stopped: the die event says how it ended. 404: it is gone.
        if (r.ok() && r->status == 404)
          Ended(RuntimeExit{.exit_code = -1, .description = "the container was removed"});
        if (!r.ok()) LogWarn("app " + spec_.name + ": cannot stop its container: " +
                             r.status().message());
      },
      {}, (timeout + 30) * 1000);
  return true;
}

void ContainerRuntime::Recover(const AppSpec& spec, RecoverFn done) {
  spec_ = spec;
  auto inspect = [this, done](Result<docker::EngineReply> r) {
    if (!r.ok() || r->status != 200) return done(std::nullopt);
    const json& labels = r->body["Config"]["Labels"];
    std::string wanted =
        ContainerCreateBody(spec_, *context_.paths)["Labels"].value(docker::kSpecLabel, "");
    bool ours = labels.is_object() && labels.value(docker::kAppLabel, "") == spec_.name &&
                labels.value(docker::kSpecLabel, "") == wanted;
    if (!ours || !r->body["State"].value("Running", false)) return done(std::nullopt);
    id_ = r->body.value("Id", "");
    NoteAddress(r->body);
    running_ = true;
    FollowLogs(true);
    done(RuntimeInfo{.container_id = id_});
  };
  // At boot the engine may still be connecting: ask once it answered (or gave up once).
  context_.engine->WhenReady([this, inspect, done, alive = std::weak_ptr<int>(alive_)] {
    if (!alive.lock()) return;
    if (!context_.engine->up()) return done(std::nullopt);
    call_ = context_.engine->Call("GET", "/containers/" + Name() + "/json",
                                  nullptr, inspect);
  });
}

void ContainerRuntime::OnEngineState(bool up) {
  Report(up ? "" : context_.engine->error());
  if (up && waiting_fetch_) std::exchange(waiting_fetch_, nullptr)();
  if (up && starting_ && !call_) return InspectImage();
  if (up && running_) Reconcile();
}

void ContainerRuntime::Reconcile() {
  // Docker came back: what berth believed runs may have ended meanwhile.
  call_ = context_.engine->Call(
      "GET", "/containers/" + id_ + "/json", nullptr, [this](Result<docker::EngineReply> r) {
        if (!r.ok()) return;
        if (r->status == 404)
          return Ended(RuntimeExit{.exit_code = -1, .description = "the container was removed"});
        if (!r->body["State"].value("Running", false))
          return Ended(RuntimeExit::FromExitCode(r->body["State"].value("ExitCode", -1)));
        if (!logs_ || logs_->ended()) FollowLogs(true);
      });
}

void ContainerRuntime::Post(const std::string& verb, std::function<void(Status)> done) {
  if (id_.empty()) return done(Status::Conflict("the container does not run"));
  control_call_ = context_.engine->Call(
      "POST", "/containers/" + id_ + "/" + verb, nullptr,
      [verb, done = std::move(done)](Result<docker::EngineReply> r) {
        if (!r.ok()) return done(r.status());
        if (r->status != 204) return done(Status::Conflict("cannot " + verb + ": " + r->Message()));
        done(Status::Ok());
      });
}

void ContainerRuntime::Pause(std::function<void(Status)> done) { Post("pause", std::move(done)); }

void ContainerRuntime::Resume(std::function<void(Status)> done) {
  Post("unpause", std::move(done));
}

void ContainerRuntime::Remove(std::function<void()> done) {
  std::string name = Name(), app = spec_.name;
  if (!context_.engine->up()) {
    LogWarn("app " + app + ": Docker is not reachable: its container " + name + " is left");
    return done();
  }
  // Only a container of this app: a foreign one of the same name is not ours to remove.
  control_call_ = context_.engine->Call(
      "GET", "/containers/" + name + "/json", nullptr,
      [this, name, app, done = std::move(done)](Result<docker::EngineReply> r) {
        if (!r.ok() || r->status != 200) return done();
        if (!CheckContainerIsApps(r->body, app).ok()) return done();
        control_call_ = context_.engine->Call(
            "DELETE", "/containers/" + r->body.value("Id", name) + "?force=1&v=1", nullptr,
            [app, done](Result<docker::EngineReply> removed) {
              if (!removed.ok() || (removed->status != 204 && removed->status != 404))
                LogWarn("app " + app + ": cannot remove its container: " +
                        (removed.ok() ? removed->Message() : removed.status().message()));
              done();
            });
      });
}

void ContainerRuntime::Stats(StatsFn done) {
  stats_call_ = context_.engine->Call(
      "GET", "/containers/" + id_ + "/stats?stream=false", nullptr,
      [done = std::move(done)](Result<docker::EngineReply> r) {
        if (!r.ok()) return done(r.status());
        if (r->status != 200) return done(Status::Unavailable(r->Message()));
        auto stats = docker::ParseContainerStats(r->body);
        if (!stats.ok()) return done(stats.status());
        done(ToRuntimeStats(*stats));
      });
}

}  // namespace berth
