// HttpTransfer: one HttpClient call on one libcurl easy handle. Sets the handle's options,
// collects the head and the body, and says what went wrong in words a user can act on.
// Owned by HttpClient (http_client.h), which drives it; nothing else uses it.
#pragma once

#include <string>
#include <string_view>

#include "reactor/curl_handles.h"
#include "reactor/http_client.h"

namespace berth {

class HttpTransfer {
 public:
  HttpTransfer(HttpRequest request, HttpDone done, HttpStream stream);
  HttpTransfer(const HttpTransfer&) = delete;
  HttpTransfer& operator=(const HttpTransfer&) = delete;

  // The easy handle, set up for the request; null when libcurl could not make one.
  CURL* easy() const { return easy_.get(); }

  HttpCall* call() const { return call_; }
  void set_call(HttpCall* call) { call_ = call; }

  // After Cancel no callback runs, and libcurl's callbacks abort the transfer.
  void Cancel() { cancelled_ = true; }
  bool cancelled() const { return cancelled_; }

  bool in_multi() const { return in_multi_; }
  void set_in_multi(bool in_multi) { in_multi_ = in_multi; }

  // Records the outcome: libcurl finished the transfer with `code`.
  void Finish(CURLcode code);
  // Records a failure found outside libcurl's transfer.
  void Fail(Status status) { failure_ = std::move(status); }
  // Calls `done` with the outcome. REQUIRES: Finish or Fail was called, not cancelled.
  void Deliver();

 private:
  static size_t OnHeader(char* data, size_t size, size_t count, void* self);
  static size_t OnBody(char* data, size_t size, size_t count, void* self);

  void SetOptions();
  bool HeaderLine(std::string_view line);
  bool HeadEnded();
  bool BodyChunk(std::string_view chunk);
  Status Failure(CURLcode code) const;
  Status TimedOut() const;
  std::string Described() const;
  std::string Endpoint() const;

  HttpRequest request_;
  HttpDone done_;
  HttpStream stream_;
  HttpCall* call_ = nullptr;
  CurlEasyPtr easy_;
  CurlSlistPtr headers_;
  char error_[CURL_ERROR_SIZE] = {};
  HttpResponse response_;
  bool connected_ = false;  // a connection was ready and the request went out
  bool head_complete_ = false;
  bool body_too_large_ = false;
  bool cancelled_ = false;
  bool in_multi_ = false;
  Status failure_;
};

}  // namespace berth
