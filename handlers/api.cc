// The API server: evhttp setup, auth, routing and body checks.
#include "handlers/api.h"

#include <event2/buffer.h>
#include <openssl/crypto.h>

#include <algorithm>
#include <cstring>

#include "handlers/audit_trail.h"
#include "handlers/sse.h"
#include "handlers/stack_jobs.h"
#include "reactor/clock.h"
#include "reactor/log.h"

namespace berth {
namespace {

// Bodies between max_body_bytes and this are read, then refused with 413; a larger one is
// refused as its head arrives (ApiConnection), unread. evhttp's limit is a backstop.
constexpr size_t kHardBodyLimit = 8 << 20;
// How long a shutdown waits for stream clients to be sent their last events.
constexpr long kStreamsGraceMs = 2000;
const std::string kGet = "GET";

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

}  // namespace

bool IsContentType(const char* header, std::string_view type) {
  if (!header) return false;
  std::string_view value(header);
  size_t semicolon = value.find(';');
  value = value.substr(0, semicolon);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  return value.size() == type.size() && strncasecmp(value.data(), type.data(), type.size()) == 0;
}

Api::Api(EventLoop* loop, Supervisor* supervisor, Accounts* accounts, ApiOptions options)
    : loop_(loop),
      supervisor_(supervisor),
      accounts_(accounts),
      options_(std::move(options)),
      auth_(options_.admin_token),
      supervisor_auth_(options_.supervisor_api_key),
      http_(evhttp_new(loop->base())),
      throttle_(loop),
      streams_grace_(loop, [this] { OnStreamsClosed(); }) {
  evhttp_set_allowed_methods(http_.get(), EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
                                              EVHTTP_REQ_PATCH | EVHTTP_REQ_DELETE |
                                              EVHTTP_REQ_HEAD | EVHTTP_REQ_OPTIONS);
  evhttp_set_max_body_size(http_.get(), 2 * kHardBodyLimit);
  evhttp_set_max_headers_size(http_.get(), 64 * 1024);
  evhttp_set_timeout(http_.get(), options_.idle_timeout_seconds);
  evhttp_set_gencb(http_.get(), &Api::OnRequest, this);
  ConnectionLimits limits{.max_connections = options_.max_connections,
                          .request = {.header_timeout = std::chrono::seconds(
                                          options_.header_timeout_seconds),
                                      .max_body_bytes = options_.max_body_bytes,
                                      .hard_body_bytes = kHardBodyLimit}};
  connections_ = std::make_unique<ApiConnections>(loop, http_.get(), limits);
  AddUpRoutes(&router_);
  AddAppRoutes(&router_);
  AddControlRoutes(&router_);
  AddLogRoutes(&router_);
  AddEventRoutes(&router_);
  AddDeploymentRoutes(&router_);
  AddRegistryRoutes(&router_);
  AddMetricsRoutes(&router_, options_.metrics_public);
  AddWebhookRoutes(&router_);
  AddUserRoutes(&router_);
  AddSessionRoutes(&router_);
  accounts_->set_on_change([this](const std::string& user) { CloseStreamsOf(user); });
  AddAuditRoutes(&router_);
  AddStackRoutes(&router_);
  stack_jobs_ = std::make_unique<StackJobs>(loop, supervisor);
  AddDashboardRoutes(&router_);
}

Api::~Api() {
  accounts_->set_on_change(nullptr);
  CloseStreams();
}

Status Api::Serve(int listen_fd) {
  evhttp_bound_socket* bound = evhttp_accept_socket_with_handle(http_.get(), listen_fd);
  if (!bound) return Status::IOError("cannot serve HTTP on fd " + std::to_string(listen_fd));
  throttle_.Watch(evhttp_bound_socket_get_listener(bound));
  return Status::Ok();
}

SseStream* Api::AddStream(std::unique_ptr<SseStream> stream) {
  SseStream* raw = stream.get();
  streams_[raw] = std::move(stream);
  return raw;
}

void Api::DropStream(SseStream* stream) {
  auto it = streams_.find(stream);
  if (it == streams_.end()) return;
  loop_->Defer([owned = std::shared_ptr<SseStream>(std::move(it->second))] {});
  streams_.erase(it);
}

void Api::CloseStreams() { streams_.clear(); }

void Api::CloseStreamsOf(const std::string& user) {
  for (auto it = streams_.begin(); it != streams_.end();) {
    if (it->first->user() != user) {
      ++it;
      continue;
    }
    it->second->End([] {});
    loop_->Defer([owned = std::shared_ptr<SseStream>(std::move(it->second))] {});
    it = streams_.erase(it);
  }
}

void Api::CloseStreams(std::function<void()> done) {
  streams_closed_ = std::move(done);
  auto open = std::make_shared<size_t>(streams_.size() + 1);
  // Connections may outlive the Api (evhttp frees them last): they must not call back then.
  auto one_closed = [this, open, alive = std::weak_ptr<const int>(alive_)] {
    if (--*open == 0 && !alive.expired()) OnStreamsClosed();
  };
  for (auto& [raw, stream] : streams_) stream->End(one_closed);
  streams_.clear();
  streams_grace_.Start(kStreamsGraceMs);
  one_closed();
}

void Api::OnStreamsClosed() {
  streams_grace_.Stop();
  if (auto done = std::move(streams_closed_)) {
    streams_closed_ = nullptr;
    done();
  }
}

void Api::OnRequest(evhttp_request* request, void* self) {
  auto* api = static_cast<Api*>(self);
  api->connections_->RequestRead(request);
  auto exchange =
      std::make_shared<Exchange>(request, &api->metrics_, api->connections_.get(), api->alive_);
  try {
    api->Dispatch(exchange);
  } catch (const std::exception& error) {
    LogError(std::string("handler error: ") + error.what());
    exchange->ReplyError(500, "internal", "internal error while handling the request");
  }
}

void Api::Dispatch(const std::shared_ptr<Exchange>& exchange) {
  if (!exchange->ParseUrl()) return;
  std::map<std::string, std::string> params;
  std::vector<std::string> allowed;
  // HEAD is GET without the body, on every GET route.
  const std::string& method = exchange->head() ? kGet : exchange->method();
  const Route* route = router_.Match(method, exchange->path(), &params, &allowed);
  if (auto get = std::find(allowed.begin(), allowed.end(), kGet); get != allowed.end())
    allowed.insert(get + 1, "HEAD");
  exchange->set_on_reply([this, exchange = exchange.get(), route](int status) {
    Record(*exchange, route, status);
  });
  if (!Authenticate(*exchange, route)) return;
  if (!route && allowed.empty())
    return exchange->ReplyError(404, "not_found", "no route for " + exchange->path());
  if (!route) {
    exchange->AddHeader("Allow", Join(allowed));
    return exchange->ReplyError(405, "method_not_allowed",
                                exchange->method() + " is not allowed here; use " + Join(allowed));
  }
  for (const auto& [key, value] : exchange->query()) {
    if (!route->query_keys.count(key))
      return exchange->ReplyError(400, "bad_request", "unknown query parameter '" + key + "'");
  }
  exchange->set_params(std::move(params));
  if (route->takes_json && !CheckBody(*exchange)) return;
  if (!Authorize(*exchange, *route)) return;
  route->handler(*this, exchange);
}

bool Api::Authenticate(Exchange& exchange, const Route* route) {
  Principal principal;
  const char* authorization = exchange.header("Authorization");
  std::string cookie = RequestCookie(exchange, kSessionCookie);
  bool known = true;
  bool compat = route && route->supervisor_compat;
  if (authorization) {
    if (auth_.Check(authorization)) {
      principal.kind = PrincipalKind::kAdmin;
      principal.label = "admin";
    } else if (compat && !options_.supervisor_api_key.empty() &&
               supervisor_auth_.Check(authorization)) {
      // Everything /stacks can do, and only there.
      principal.kind = PrincipalKind::kAdmin;
      principal.label = "supervisor-api-key";
    } else if (auto user = strncmp(authorization, "Bearer ", 7) == 0
                               ? accounts_->FromToken(authorization + 7)
                               : std::nullopt) {
      principal = std::move(*user);
    } else {
      known = false;
    }
  } else if (!cookie.empty()) {
    if (auto session = accounts_->FromSession(cookie))
      principal = std::move(*session);
    else
      known = false;
  }
  exchange.set_principal(std::move(principal));
  bool is_public = route && route->public_route;
  if (is_public || (known && exchange.principal().kind != PrincipalKind::kAnonymous)) return true;
  exchange.AddHeader("WWW-Authenticate", "Bearer");
  if (compat) {
    exchange.Reply(401, {{"error", "Unauthorized"}});
  } else if (!cookie.empty() && !authorization) {
    exchange.ReplyError(401, "unauthorized",
                        "the session has ended (signed out, or idle too long): sign in again");
  } else {
    exchange.ReplyError(401, "unauthorized",
                        "a valid token is needed: send Authorization: Bearer <token> (the admin "
                        "token or a user's API token), or sign in at /dashboard");
  }
  return false;
}

bool Api::Authorize(Exchange& exchange, const Route& route) {
  if (route.public_route) return true;
  const Principal& caller = exchange.principal();
  // A browser sends the session cookie with any request a page makes; only the dashboard's
  // own pages know the CSRF token.
  bool writes = exchange.method() != "GET" && exchange.method() != "HEAD" &&
                exchange.method() != "OPTIONS";
  if (caller.kind == PrincipalKind::kSession && writes) {
    const char* header = exchange.header("X-CSRF-Token");
    std::string_view csrf = header ? header : "";
    if (csrf.size() != caller.csrf_token.size() ||
        CRYPTO_memcmp(csrf.data(), caller.csrf_token.data(), csrf.size()) != 0) {
      exchange.ReplyError(403, "forbidden",
                          "this request needs the X-CSRF-Token header of its session");
      return false;
    }
  }
  std::vector<Need> needs = route.needs_of ? route.needs_of(*this, exchange) : route.needs;
  for (const Need& need : needs) {
    std::string app = need.over == Over::kApp ? exchange.param("name") : "";
    if (need.over == Over::kGlobalOrSelf && !caller.user.empty() &&
        caller.user == exchange.param("name"))
      continue;
    if (!caller.Allows(need.action, app)) {
      exchange.ReplyForbidden(need.action, app);
      return false;
    }
  }
  return true;
}

void Api::Record(const Exchange& exchange, const Route* route, int status) {
  if (!audit_trail_ || !IsAudited(exchange.method(), status)) return;
  audit_trail_->Record(AuditEntryOf(exchange, route, status, WallClockMs()));
}

std::vector<Need> NoNeeds(Api&, const Exchange&) { return {}; }

std::string RequestCookie(const Exchange& exchange, std::string_view name) {
  const char* header = exchange.header("Cookie");
  if (!header) return "";
  std::string_view cookies(header);
  while (!cookies.empty()) {
    size_t end = cookies.find(';');
    std::string_view pair = cookies.substr(0, end);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    if (pair.size() > name.size() && pair.substr(0, name.size()) == name &&
        pair[name.size()] == '=')
      return std::string(pair.substr(name.size() + 1));
    if (end == std::string_view::npos) break;
    cookies.remove_prefix(end + 1);
  }
  return "";
}

bool Api::CheckBodySize(Exchange& exchange) {
  size_t size = exchange.body().size();
  if (size <= options_.max_body_bytes) return true;
  exchange.ReplyError(413, "too_large", BodyTooLargeMessage(size, options_.max_body_bytes));
  return false;
}

bool Api::CheckBody(Exchange& exchange) {
  if (!CheckBodySize(exchange)) return false;
  std::string_view body = exchange.body();
  if (!IsContentType(exchange.header("Content-Type"), "application/json")) {
    exchange.ReplyError(415, "unsupported_media_type",
                        "send the body as JSON with Content-Type: application/json");
    return false;
  }
  try {
    exchange.set_json(nlohmann::json::parse(body, nullptr, true, true));
  } catch (const nlohmann::json::parse_error& error) {
    std::string what = error.what();
    size_t pos = what.find("] ");
    exchange.ReplyError(
        400, "bad_json",
        "the body is not valid JSON: " + (pos == std::string::npos ? what : what.substr(pos + 2)));
    return false;
  }
  return true;
}

App* FindAppOr404(Api& api, Exchange& exchange) {
  const std::string& name = exchange.param("name");
  App* app = api.supervisor()->Find(name);
  if (!app) exchange.ReplyError(404, "not_found", "no app named '" + name + "'");
  return app;
}

}  // namespace berth
