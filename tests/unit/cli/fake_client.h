// FakeClient: a Client for tests that records what was asked and answers from a script.
#pragma once

#include <deque>
#include <string>
#include <vector>

#include "cli/client.h"

namespace berth::cli {

class FakeClient : public Client {
 public:
  struct Call {
    std::string method;
    std::string path;
    std::optional<std::string> body;
    RequestOptions options = {};
  };

  // The next request() answers `status` with `body` (and `headers`).
  void answer(long status, std::string body,  // NOLINT(google-runtime-int)
              std::vector<std::pair<std::string, std::string>> headers = {}) {
    answers_.push_back(Response{status, std::move(body), std::move(headers)});
  }
  // The next request() or stream() fails as if berthd were unreachable.
  void fail_to_connect() { unreachable_ = true; }
  // stream() sends these chunks, then ends as the server would.
  void stream_chunks(std::vector<std::string> chunks) { chunks_ = std::move(chunks); }

  using Client::request;
  Result<Response> request(std::string_view method, std::string_view path,
                           const std::optional<std::string>& body,
                           const RequestOptions& options) override {
    calls.push_back(Call{std::string(method), std::string(path), body, options});
    if (unreachable_) return unreachable();
    if (answers_.empty()) return Response{500, "no answer scripted"};
    Response response = answers_.front();
    answers_.pop_front();
    return response;
  }

  Result<Response> stream(std::string_view path, const ChunkSink& sink) override {
    calls.push_back(Call{"GET", std::string(path), std::nullopt});
    if (unreachable_) return unreachable();
    if (!answers_.empty()) return request("GET", path, std::nullopt);
    for (const std::string& chunk : chunks_) {
      if (!sink(chunk)) break;
    }
    return Response{200, ""};
  }

  const std::string& url() const override { return url_; }

  std::vector<Call> calls;

 private:
  Status unreachable() const {
    return Status::Unavailable("cannot reach berthd at " + url_ + ": Connection refused");
  }

  std::string url_ = "http://127.0.0.1:7070";
  std::deque<Response> answers_;
  std::vector<std::string> chunks_;
  bool unreachable_ = false;
};

// Hands every call to a FakeClient that outlives it (a test's, while berthctl owns this one).
class ForwardingClient : public Client {
 public:
  explicit ForwardingClient(FakeClient* client) : client_(client) {}
  using Client::request;
  Result<Response> request(std::string_view method, std::string_view path,
                           const std::optional<std::string>& body,
                           const RequestOptions& options) override {
    return client_->request(method, path, body, options);
  }
  Result<Response> stream(std::string_view path, const ChunkSink& sink) override {
    return client_->stream(path, sink);
  }
  const std::string& url() const override { return client_->url(); }

 private:
  FakeClient* client_;
};

}  // namespace berth::cli
