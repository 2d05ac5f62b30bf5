// Certificates per host for the proxy's TLS, chosen by SNI (see certificates.h).
#include "proxy/certificates.h"

#include <dirent.h>
#include <openssl/err.h>

#include <vector>

#include "proxy/route_table.h"
#include "reactor/log.h"

namespace berth {
namespace {

std::string OpenSslError() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown error";
  char text[256];
  ERR_error_string_n(code, text, sizeof(text));
  return text;
}

bool EndsWith(const std::string& text, const std::string& suffix) {
  return text.size() > suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

SslCtxPtr NewServerContext() {
  SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx) return nullptr;
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  return ctx;
}

Certificates::Certificates(EventLoop* loop, std::string dir)
    : loop_(loop), dir_(std::move(dir)), watcher_(loop, [this](const std::string& name) {
        if (!name.empty() && !EndsWith(name, ".pem") && !EndsWith(name, ".key")) return;
        if (reload_queued_) return;
        reload_queued_ = true;
        // A certificate and its key are written one after the other: reload once both are.
        loop_->Defer([this, alive = std::weak_ptr<int>(alive_)] {
          if (alive.expired()) return;
          reload_queued_ = false;
          Reload();
        });
      }) {}

Certificates::~Certificates() = default;

Status Certificates::Start() {
  front_ = NewServerContext();
  if (!front_) return Status::IOError("cannot set up TLS: " + OpenSslError());
  SSL_CTX_set_tlsext_servername_callback(front_.get(), &OnServerName);
  SSL_CTX_set_tlsext_servername_arg(front_.get(), this);
  Reload();
  return watcher_.Watch(dir_);
}

Result<SslCtxPtr> Certificates::LoadPair(const std::string& host) const {
  SslCtxPtr ctx = NewServerContext();
  if (!ctx) return Status::IOError(OpenSslError());
  std::string pem = dir_ + "/" + host + ".pem", key = dir_ + "/" + host + ".key";
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), pem.c_str()) != 1)
    return Status::Invalid(pem + ": " + OpenSslError());
  if (SSL_CTX_use_PrivateKey_file(ctx.get(), key.c_str(), SSL_FILETYPE_PEM) != 1)
    return Status::Invalid(key + ": " + OpenSslError());
  if (SSL_CTX_check_private_key(ctx.get()) != 1)
    return Status::Invalid(key + " is not the key of " + pem);
  return ctx;
}

void Certificates::Reload() {
  std::vector<std::string> hosts;
  if (DIR* dir = opendir(dir_.c_str())) {
    while (dirent* entry = readdir(dir)) {
      std::string name = entry->d_name;
      if (!EndsWith(name, ".pem")) continue;
      std::string host = name.substr(0, name.size() - 4);
      std::string lower = NormalizeHost(host);
      bool wildcard = host.rfind("*.", 0) == 0 && !NormalizeHost(host.substr(2)).empty();
      if (wildcard || lower == host) hosts.push_back(host);
    }
    closedir(dir);
  } else {
    LogWarn("tls: cannot read " + dir_ + ": " + strerror(errno));
  }
  std::map<std::string, SslCtxPtr> loaded;
  for (const std::string& host : hosts) {
    auto ctx = LoadPair(host);
    if (!ctx.ok()) {
      LogWarn("tls: skipping the certificate for " + host + ": " + ctx.status().message());
      continue;
    }
    loaded[host] = std::move(ctx).value();
  }
  if (loaded.size() != by_host_.size() || !loaded.empty())
    LogInfo("tls: " + std::to_string(loaded.size()) + " certificate(s) loaded from " + dir_);
  by_host_ = std::move(loaded);  // open connections hold their own reference
}

SSL_CTX* Certificates::Find(const std::string& host) const {
  if (auto it = by_host_.find(host); it != by_host_.end()) return it->second.get();
  size_t dot = host.find('.');
  if (dot != std::string::npos)
    if (auto it = by_host_.find("*" + host.substr(dot)); it != by_host_.end())
      return it->second.get();
  return nullptr;
}

int Certificates::OnServerName(SSL* ssl, int* alert, void* self) {
  auto* certificates = static_cast<Certificates*>(self);
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  SSL_CTX* ctx = name ? certificates->Find(NormalizeHost(name)) : nullptr;
  if (!ctx && !certificates->by_host_.empty()) ctx = certificates->by_host_.begin()->second.get();
  if (!ctx) {
    *alert = SSL_AD_UNRECOGNIZED_NAME;
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  }
  SSL_set_SSL_CTX(ssl, ctx);
  return SSL_TLSEXT_ERR_OK;
}

}  // namespace berth
