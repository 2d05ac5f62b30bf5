// Api: the HTTP API server. Owns evhttp on the loop, authenticates, routes, checks bodies and
// keeps the live SSE streams; the handlers (one file per resource) do the rest.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "handlers/accounts.h"
#include "handlers/api_connections.h"
#include "handlers/auth.h"
#include "handlers/exchange.h"
#include "handlers/metrics.h"
#include "handlers/router.h"
#include "proxy/proxy_metrics.h"
#include "reactor/accept_throttle.h"
#include "reactor/event_loop.h"
#include "supervise/supervisor.h"

namespace berth {

class AuditTrail;
class SseStream;
class StackJobs;

struct ApiOptions {
  std::string admin_token;
  bool metrics_public = false;
  size_t max_body_bytes = 1 << 20;
  int idle_timeout_seconds = 60;  // a silent client is dropped after this
  int header_timeout_seconds = 10;  // a request's head must arrive within this
  size_t max_connections = 512;     // more open connections are closed as they come
  // SUPERVISOR_API_KEY: a bearer token for the /stacks routes only; "" for none.
  std::string supervisor_api_key;
};

class Api {
 public:
  // `accounts` (users, tokens, sessions) must outlive the Api.
  Api(EventLoop* loop, Supervisor* supervisor, Accounts* accounts, ApiOptions options);
  ~Api();

  // Serves HTTP on a listening socket (Api takes ownership of the fd).
  Status Serve(int listen_fd);

  EventLoop* loop() const { return loop_; }
  Supervisor* supervisor() const { return supervisor_; }
  Accounts* accounts() const { return accounts_; }
  Metrics& metrics() { return metrics_; }
  // The built-in proxy's counters, shown in /metrics while it runs (REQUIRES: they outlive
  // the Api).
  void SetProxyMetrics(const ProxyMetrics* proxy) { proxy_metrics_ = proxy; }
  const ProxyMetrics* proxy_metrics() const { return proxy_metrics_; }
  // Where requests are recorded and GET /v1/audit reads (REQUIRES: it outlives the Api). Null
  // until set: then nothing is recorded and /v1/audit answers 503.
  void SetAuditTrail(AuditTrail* trail) { audit_trail_ = trail; }
  AuditTrail* audit_trail() const { return audit_trail_; }
  const ApiOptions& options() const { return options_; }
  // The /stacks API's control jobs.
  StackJobs& stack_jobs() { return *stack_jobs_; }

  // False (and 413 sent) when the body is over max_body_bytes.
  bool CheckBodySize(Exchange& exchange);

  // SSE streams live here until their client goes; then they are freed on the next turn.
  SseStream* AddStream(std::unique_ptr<SseStream> stream);
  void DropStream(SseStream* stream);
  // Ends every stream at once.
  void CloseStreams();
  // Ends the streams a user's token or session opened (their grants changed, or they are
  // gone): a client that comes back is authenticated and filtered afresh.
  void CloseStreamsOf(const std::string& user);
  // Ends every stream (at shutdown) and calls `done` once their clients have been sent all
  // that was written to them (the last `stopped` events), or after a short grace period.
  void CloseStreams(std::function<void()> done);

 private:
  static void OnRequest(evhttp_request* request, void* self);
  void Dispatch(const std::shared_ptr<Exchange>& exchange);
  // Who sent the request: a principal, anonymous when it carried no credentials. False (and
  // 401 sent) when it carried ones that are wrong or expired.
  bool Authenticate(Exchange& exchange, const Route* route);
  // False (and 403 sent) when the caller may not use `route` this way.
  bool Authorize(Exchange& exchange, const Route& route);
  void Record(const Exchange& exchange, const Route* route, int status);
  bool CheckBody(Exchange& exchange);
  void OnStreamsClosed();

  EventLoop* loop_;
  Supervisor* supervisor_;
  Accounts* accounts_;
  ApiOptions options_;
  TokenAuth auth_;
  TokenAuth supervisor_auth_;
  Metrics metrics_;
  const ProxyMetrics* proxy_metrics_ = nullptr;
  AuditTrail* audit_trail_ = nullptr;
  Router router_;
  std::unique_ptr<StackJobs> stack_jobs_;
  // Declared before http_: evhttp tells it of each connection it closes as it is freed.
  std::unique_ptr<ApiConnections> connections_;
  EvhttpPtr http_;
  // Declared after http_: it lets go of the listeners before evhttp frees them.
  AcceptThrottle throttle_;
  // Exchanges hold a weak reference: once the Api is gone they no longer touch evhttp.
  std::shared_ptr<const int> alive_ = std::make_shared<const int>(0);
  std::map<SseStream*, std::unique_ptr<SseStream>> streams_;
  Timer streams_grace_;
  std::function<void()> streams_closed_;
};

// Route tables, one per resource file.
void AddUpRoutes(Router* router);
void AddAppRoutes(Router* router);
void AddControlRoutes(Router* router);
void AddLogRoutes(Router* router);
void AddEventRoutes(Router* router);
void AddDeploymentRoutes(Router* router);
void AddRegistryRoutes(Router* router);
void AddMetricsRoutes(Router* router, bool metrics_public);
void AddWebhookRoutes(Router* router);
void AddDashboardRoutes(Router* router);
void AddUserRoutes(Router* router);
void AddSessionRoutes(Router* router);
void AddAuditRoutes(Router* router);
void AddStackRoutes(Router* router);

// For routes that show each caller what they may see (listings, event streams): any caller
// known to berthd may ask.
std::vector<Need> NoNeeds(Api& api, const Exchange& exchange);

// The value of cookie `name` in the request, or "".
std::string RequestCookie(const Exchange& exchange, std::string_view name);
inline constexpr std::string_view kSessionCookie = "berth_session";

// Whether a Content-Type header names `type` (any case, parameters ignored).
bool IsContentType(const char* header, std::string_view type);

// Parses a whole number in [min, max] (a query parameter); false if `text` is anything else.
bool ParseCount(const std::string& text, long min, long max, long* out);

// Finds the app named by the {name} path parameter or answers 404. Null when answered.
App* FindAppOr404(Api& api, Exchange& exchange);

}  // namespace berth
