// CurlClient: the Client that talks HTTP to berthd with libcurl, over TCP or a unix socket.
#pragma once

#include <string>

#include "cli/client.h"
#include "cli/endpoint.h"

namespace berth::cli {

// One easy handle per exchange, so an instance holds no open connection between calls.
// Every request carries `Authorization: Bearer <token>` when the endpoint has a token.
// REQUIRES: a CurlGlobal outlives every call.
class CurlClient : public Client {
 public:
  explicit CurlClient(Endpoint endpoint) : endpoint_(std::move(endpoint)) {}

  using Client::request;
  Result<Response> request(std::string_view method, std::string_view path,
                           const std::optional<std::string>& body,
                           const RequestOptions& options) override;
  Result<Response> stream(std::string_view path, const ChunkSink& sink) override;
  const std::string& url() const override { return endpoint_.url; }

 private:
  Endpoint endpoint_;
};

}  // namespace berth::cli
