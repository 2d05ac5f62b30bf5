// HttpClient: libcurl's multi handle on the EventLoop. curl says which sockets to watch and
// when to wake it (OnSocketChange, OnTimerChange); the loop calls curl_multi_socket_action.
#include "reactor/http_client.h"

#include <strings.h>

#include <cassert>
#include <utility>

#include "reactor/http_transfer.h"

namespace berth {

std::string HttpResponse::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key.size() == name.size() && strncasecmp(key.data(), name.data(), name.size()) == 0) {
      return value;
    }
  }
  return "";
}

HttpCall::~HttpCall() {
  if (transfer_ != nullptr) client_->Cancel(transfer_);
}

HttpClient::HttpClient(EventLoop* loop)
    : loop_(loop),
      curl_timer_(loop, [this] { Drive(CURL_SOCKET_TIMEOUT, 0); }),
      deliver_timer_(loop, [this] { DeliverFinished(); }),
      multi_(curl_multi_init()) {
  assert(multi_);
  curl_multi_setopt(multi_.get(), CURLMOPT_SOCKETFUNCTION, &HttpClient::OnSocketChange);
  curl_multi_setopt(multi_.get(), CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_.get(), CURLMOPT_TIMERFUNCTION, &HttpClient::OnTimerChange);
  curl_multi_setopt(multi_.get(), CURLMOPT_TIMERDATA, this);
}

HttpClient::~HttpClient() {
  assert(!driving_ && !delivering_);  // REQUIRES: not destroyed by one of its callbacks
  for (auto& [key, transfer] : transfers_) {
    Detach(transfer.get());
    if (transfer->in_multi()) curl_multi_remove_handle(multi_.get(), transfer->easy());
  }
  transfers_.clear();
  for (auto& transfer : finished_) Detach(transfer.get());
  finished_.clear();
  multi_.reset();  // closes the cached connections, telling OnSocketChange
}

std::unique_ptr<HttpCall> HttpClient::Send(HttpRequest request, HttpDone done, HttpStream stream) {
  auto transfer =
      std::make_unique<HttpTransfer>(std::move(request), std::move(done), std::move(stream));
  HttpTransfer* raw = transfer.get();
  auto call = std::unique_ptr<HttpCall>(new HttpCall(this, raw));
  raw->set_call(call.get());
  if (raw->easy() == nullptr) {
    raw->Fail(Status::Internal("cannot start an HTTP call: libcurl has no memory"));
    Finished(std::move(transfer));
    return call;
  }
  transfers_.emplace(raw, std::move(transfer));
  if (driving_) {
    to_add_.push_back(raw);
  } else {
    Add(raw);
  }
  return call;
}

void HttpClient::Add(HttpTransfer* transfer) {
  CURLMcode code = curl_multi_add_handle(multi_.get(), transfer->easy());
  if (code != CURLM_OK) {
    transfer->Fail(
        Status::Internal(std::string("cannot start an HTTP call: ") + curl_multi_strerror(code)));
    Finished(Retire(transfer));
    return;
  }
  transfer->set_in_multi(true);  // curl now asks for a zero timeout: the transfer starts there
}

// From ~HttpCall, which may run inside one of this transfer's own callbacks, within curl.
void HttpClient::Cancel(HttpTransfer* transfer) {
  transfer->Cancel();
  transfer->set_call(nullptr);
  if (!transfers_.contains(transfer)) return;  // finished: DeliverFinished skips it
  if (driving_ && transfer->in_multi()) {
    to_reap_.push_back(transfer);  // curl's callbacks see it cancelled and abort it
    return;
  }
  std::erase(to_add_, transfer);
  Retire(transfer);
}

// Takes `transfer` out of curl and out of transfers_. REQUIRES: not driving curl.
std::unique_ptr<HttpTransfer> HttpClient::Retire(HttpTransfer* transfer) {
  if (transfer->in_multi()) {
    curl_multi_remove_handle(multi_.get(), transfer->easy());
    transfer->set_in_multi(false);
  }
  auto node = transfers_.extract(transfer);
  assert(node);
  return std::move(node.mapped());
}

void HttpClient::Finished(std::unique_ptr<HttpTransfer> transfer) {
  finished_.push_back(std::move(transfer));
  if (!deliver_timer_.pending()) deliver_timer_.Start(0);
}

void HttpClient::Detach(HttpTransfer* transfer) {
  if (transfer->call() != nullptr) transfer->call()->transfer_ = nullptr;
  transfer->set_call(nullptr);
}

int HttpClient::OnSocketChange(CURL*, curl_socket_t fd, int what, void* self, void*) {
  static_cast<HttpClient*>(self)->WatchSocket(fd, what);
  return 0;
}

// Never drives curl from here: this runs inside curl, and a zero timeout means "call
// curl_multi_socket_action soon", which the zero timer does from the loop.
int HttpClient::OnTimerChange(CURLM*, long timeout_ms, void* self) {
  auto* client = static_cast<HttpClient*>(self);
  if (timeout_ms < 0) {
    client->curl_timer_.Stop();
  } else {
    client->curl_timer_.Start(timeout_ms);
  }
  return 0;
}

void HttpClient::OnSocketReady(evutil_socket_t fd, short events, void* self) {
  int flags = ((events & EV_READ) != 0 ? CURL_CSELECT_IN : 0) |
              ((events & EV_WRITE) != 0 ? CURL_CSELECT_OUT : 0);
  static_cast<HttpClient*>(self)->Drive(fd, flags);
}

void HttpClient::WatchSocket(curl_socket_t fd, int what) {
  if (what == CURL_POLL_REMOVE) {
    sockets_.erase(fd);
    return;
  }
  short events = EV_PERSIST;
  if ((what & CURL_POLL_IN) != 0) events |= EV_READ;
  if ((what & CURL_POLL_OUT) != 0) events |= EV_WRITE;
  EventPtr& watch = sockets_[fd];
  if (watch) {
    event_del(watch.get());
    event_assign(watch.get(), loop_->base(), fd, events, &HttpClient::OnSocketReady, this);
  } else {
    watch.reset(event_new(loop_->base(), fd, events, &HttpClient::OnSocketReady, this));
  }
  event_add(watch.get(), nullptr);
}

void HttpClient::Drive(curl_socket_t fd, int flags) {
  int running = 0;
  driving_ = true;
  curl_multi_socket_action(multi_.get(), fd, flags, &running);
  driving_ = false;
  AfterCurl();
}

// What could not be done while curl ran: cancelled transfers leave, finished ones are
// collected (curl_multi_info_read after every socket_action), new ones start.
void HttpClient::AfterCurl() {
  for (HttpTransfer* transfer : std::exchange(to_reap_, {})) Retire(transfer);
  CollectDone();
  for (HttpTransfer* transfer : std::exchange(to_add_, {})) Add(transfer);
}

void HttpClient::CollectDone() {
  int queued = 0;
  while (CURLMsg* message = curl_multi_info_read(multi_.get(), &queued)) {
    if (message->msg != CURLMSG_DONE) continue;
    CURL* easy = message->easy_handle;  // `message` dies with curl_multi_remove_handle
    CURLcode code = message->data.result;
    HttpTransfer* transfer = nullptr;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, &transfer);
    std::unique_ptr<HttpTransfer> owned = Retire(transfer);
    owned->Finish(code);
    Finished(std::move(owned));
  }
}

// On a loop turn of its own, so `done` may start or destroy calls (its own included).
void HttpClient::DeliverFinished() {
  std::vector<std::unique_ptr<HttpTransfer>> batch;
  batch.swap(finished_);
  delivering_ = true;
  for (auto& transfer : batch) {
    if (transfer->cancelled()) continue;  // its call was destroyed by an earlier `done`
    Detach(transfer.get());
    transfer->Deliver();
  }
  delivering_ = false;
}

}  // namespace berth
