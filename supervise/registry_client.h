// RegistryClient: lists an image repository's tags through a registry's HTTP API v2
// (GET /v2/<repo>/tags/list, following its Link pagination) and asks what digest a tag names
// (HEAD /v2/<repo>/manifests/<tag>), answering the registry's Basic or Bearer-token challenge,
// on the loop through berthd's one HttpClient.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "reactor/event_loop.h"
#include "reactor/http_client.h"

namespace berth {

struct RegistryLogin {
  std::string username;
  std::string password;  // secret: never logged, never in a message
};

struct TagsQuery {
  std::string registry;    // as the user names it: "ghcr.io", "127.0.0.1:5000", "docker.io"
  std::string repository;  // "acme/app"
  std::optional<RegistryLogin> login;  // none: anonymous
};

// The URL scheme and host of the registry's API: http:// for loopback hosts (127.0.0.0/8,
// localhost, [::1]), which Docker too treats as insecure registries, https:// for any other;
// Docker Hub ("docker.io") is served by registry-1.docker.io.
std::string RegistryBaseUrl(const std::string& registry);

// Every tag of the repository, sorted lexically; or NotFound (no such repository),
// Upstream (the registry refused the credentials, or answered something else than a tag list),
// Unavailable (the registry cannot be reached). Messages name the registry and never hold
// credentials or tokens.
using TagsDone = std::function<void(Result<std::vector<std::string>>)>;

class TagListing;

// The digest ("sha256:…") of the manifest `reference` (a tag) names in the repository, as
// the registry's Docker-Content-Digest header says: of a manifest list or OCI index when the
// tag names one, as `docker pull` records it in the image's RepoDigests. NotFound (no such tag
// or repository), Upstream, Unavailable as for tags.
using DigestDone = std::function<void(Result<std::string>)>;

// The Accept header of a manifest query: Docker v2 manifests and manifest lists, OCI image
// manifests and indexes (a registry answers with the digest of the manifest it would send).
extern const char kManifestAccept[];
// The digest of a manifest query's answer: its Docker-Content-Digest ("algorithm:hex"); Upstream
// when it has none or a malformed one.
Result<std::string> ManifestDigestOf(const HttpResponse& response, const std::string& registry);

// Owns the listings and queries in flight. Destroying it cancels them: their `done` never runs.
// REQUIRES: `http` and `loop` outlive it.
class RegistryClient {
 public:
  // Each call of a listing gives up after `timeout_ms`; at most `max_pages` pages are read.
  RegistryClient(EventLoop* loop, HttpClient* http, long timeout_ms = 30000,
                 int max_pages = 100);
  ~RegistryClient();
  RegistryClient(const RegistryClient&) = delete;
  RegistryClient& operator=(const RegistryClient&) = delete;

  // Starts listing; `done` runs once, at a later loop turn.
  void ListTags(TagsQuery query, TagsDone done);
  // Starts asking for the digest `reference` names, reading no manifest (a HEAD request); `done`
  // runs once, at a later loop turn.
  void ManifestDigest(TagsQuery query, std::string reference, DigestDone done);

 private:
  friend class TagListing;
  // A listing that called its `done`: freed at the next loop boundary, not inside its callback.
  void Finished(TagListing* listing);

  EventLoop* loop_;
  HttpClient* http_;
  long timeout_ms_;
  int max_pages_;
  std::map<TagListing*, std::unique_ptr<TagListing>> listings_;
};

}  // namespace berth
