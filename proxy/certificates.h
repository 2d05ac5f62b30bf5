// Certificates: the TLS side of the built-in proxy. Loads a certificate chain and key per host
// from a directory (<host>.pem + <host>.key; "*.example.com.pem" for a wildcard), chooses one
// per connection by SNI (exact name, then the wildcard one label up, else the first by name),
// and reloads the directory when inotify says it changed. TLS 1.2 and up, with OpenSSL's
// default ciphers. Connections already open keep the certificate they began with.
#pragma once

#include <openssl/ssl.h>

#include <map>
#include <memory>
#include <string>

#include "base/status.h"
#include "reactor/directory_watcher.h"
#include "reactor/event_loop.h"

namespace berth {

struct SslCtxDeleter {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxDeleter>;

class Certificates {
 public:
  // REQUIRES: `dir` is absolute.
  Certificates(EventLoop* loop, std::string dir);
  ~Certificates();

  // Loads the directory and starts watching it. A pair that does not load is logged and
  // skipped; an empty directory is fine (handshakes fail until a certificate arrives).
  Status Start();
  // Loads the directory again now (inotify does this on its own).
  void Reload();
  // The context the proxy's TLS listeners accept with; it picks the host's certificate.
  SSL_CTX* front() const { return front_.get(); }
  size_t size() const { return by_host_.size(); }
  // The context for the server name `host` (lower case), or nullptr when none fits.
  SSL_CTX* Find(const std::string& host) const;

 private:
  static int OnServerName(SSL* ssl, int* alert, void* self);
  Result<SslCtxPtr> LoadPair(const std::string& host) const;

  EventLoop* loop_;
  std::string dir_;
  SslCtxPtr front_;
  std::map<std::string, SslCtxPtr> by_host_;
  DirectoryWatcher watcher_;
  bool reload_queued_ = false;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

// A server context with berth's TLS settings (TLS 1.2 and up), or nullptr.
SslCtxPtr NewServerContext();

}  // namespace berth
