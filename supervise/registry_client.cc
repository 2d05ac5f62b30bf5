// The tag listing and manifest digest queries of a registry's API v2: one page after another,
// with one round of authentication (Basic, or a Bearer token from the challenge's realm) when
// it answers 401.
#include "supervise/registry_client.h"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "base/base64.h"
#include "supervise/docker/image_reference.h"
#include "supervise/docker/link_header.h"
#include "supervise/docker/www_authenticate.h"

namespace berth {
namespace {

constexpr int kPageSize = 100;
constexpr size_t kMaxBody = 8 << 20;
constexpr size_t kMaxDetail = 200;

bool IsLoopbackHost(const std::string& registry) {
  std::string host = registry[0] == '[' ? registry.substr(0, registry.find(']') + 1)
                                        : registry.substr(0, registry.find(':'));
  return host == "localhost" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

// Percent-encodes all but RFC 3986's unreserved characters, for a query value.
std::string QueryEscape(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return out;
}

// "https://ghcr.io" of "https://ghcr.io/v2/…".
std::string Origin(const std::string& url) {
  size_t scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  return url.substr(0, url.find('/', scheme + 3));
}

// ": UNAUTHORIZED: authentication required" from a registry's {"errors": [...]} body, or "".
std::string ErrorDetail(const std::string& body) {
  nlohmann::json json = nlohmann::json::parse(body, nullptr, false);
  if (!json.is_object() || !json.contains("errors") || !json["errors"].is_array() ||
      json["errors"].empty() || !json["errors"][0].is_object())
    return "";
  const nlohmann::json& error = json["errors"][0];
  std::string detail;
  for (const char* key : {"code", "message"})
    if (error.contains(key) && error[key].is_string())
      detail += (detail.empty() ? "" : ": ") + error[key].get<std::string>();
  if (detail.size() > kMaxDetail) detail = detail.substr(0, kMaxDetail) + "…";
  return detail.empty() ? "" : ": " + detail;
}

}  // namespace

const char kManifestAccept[] =
    "Accept: application/vnd.docker.distribution.manifest.v2+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json";

Result<std::string> ManifestDigestOf(const HttpResponse& response, const std::string& registry) {
  std::string digest = response.Header("Docker-Content-Digest");
  size_t colon = digest.find(':');
  bool well_formed =
      colon != std::string::npos && colon > 0 && colon + 1 < digest.size() &&
      digest.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789+._-") == colon &&
      digest.find_first_not_of("0123456789abcdef", colon + 1) == std::string::npos;
  if (!well_formed)
    return Status::Upstream("the registry " + registry +
                            (digest.empty() ? " answered a manifest query without a "
                                              "Docker-Content-Digest header"
                                            : " sent a malformed Docker-Content-Digest"));
  return digest;
}

std::string RegistryBaseUrl(const std::string& registry) {
  std::string host = docker::ImageReference{.registry = registry}.ApiHost();
  return (IsLoopbackHost(host) ? "http://" : "https://") + host;
}

// One listing: its pages, its authentication and the call in flight. Owned by RegistryClient.
class TagListing {
 public:
  TagListing(RegistryClient* client, TagsQuery query, TagsDone done)
      : client_(client), query_(std::move(query)), done_(std::move(done)) {}
  TagListing(RegistryClient* client, TagsQuery query, std::string reference, DigestDone done)
      : client_(client),
        query_(std::move(query)),
        reference_(std::move(reference)),
        digest_done_(std::move(done)) {}

  void Start() {
    if (digest_done_) {
      page_url_ = RegistryBaseUrl(query_.registry) + "/v2/" + query_.repository + "/manifests/" +
                  reference_;
      first_ = &TagListing::OnManifest;
    } else {
      page_url_ = RegistryBaseUrl(query_.registry) + "/v2/" + query_.repository +
                  "/tags/list?n=" + std::to_string(kPageSize);
    }
    Get(page_url_, authorization_, first_);
  }

 private:
  using Then = void (TagListing::*)(const HttpResponse&);

  void Get(const std::string& url, const std::string& authorization, Then then) {
    bool manifest = then == &TagListing::OnManifest;
    HttpRequest request{.method = manifest ? "HEAD" : "GET",
                        .url = url,
                        .headers = {manifest ? kManifestAccept : "Accept: application/json"},
                        .timeout_ms = client_->timeout_ms_,
                        .max_body = kMaxBody};
    if (!authorization.empty()) request.headers.push_back(authorization);
    call_ = client_->http_->Send(std::move(request), [this, then](Result<HttpResponse> response) {
      if (response.ok()) return (this->*then)(response.value());
      if (response.status().code() == Status::Code::kUnavailable)
        return Fail(Status::Unavailable("cannot reach the registry " + query_.registry + ": " +
                                        response.status().message()));
      Fail(Status::Upstream("the registry " + query_.registry +
                            " sent an answer berth cannot use: " + response.status().message()));
    });
  }

  void OnPage(const HttpResponse& response) {
    if (response.status == 401) return OnChallenge(response);
    if (response.status == 404)
      return Fail(Status::NotFound("the registry " + query_.registry + " has no repository '" +
                                   query_.repository + "'" + ErrorDetail(response.body)));
    if (response.status != 200) return Fail(Unexpected("tags/list", response));
    nlohmann::json json = nlohmann::json::parse(response.body, nullptr, false);
    if (!json.is_object() || !json.contains("tags") ||
        !(json["tags"].is_array() || json["tags"].is_null()))
      return Fail(Status::Upstream("the registry " + query_.registry +
                                   " answered tags/list without a list of tags"));
    for (const nlohmann::json& tag : json["tags"])
      if (tag.is_string()) tags_.push_back(tag.get<std::string>());
    NextPage(response.Header("Link"));
  }

  void OnManifest(const HttpResponse& response) {
    if (response.status == 401) return OnChallenge(response);
    if (response.status == 404)
      return Fail(Status::NotFound("the registry " + query_.registry + " has no tag '" +
                                   reference_ + "' in " + query_.repository));
    if (response.status != 200) return Fail(Unexpected("manifests/" + reference_, response));
    Result<std::string> digest = ManifestDigestOf(response, query_.registry);
    DigestDone done = std::move(digest_done_);
    done(std::move(digest));
    client_->Finished(this);
  }

  void NextPage(const std::string& link) {
    if (link.empty()) return Done();
    auto next = docker::NextLinkUrl(link, page_url_);
    if (!next.ok())
      return Fail(Status::Upstream("the registry " + query_.registry + " sent a bad " +
                                   next.status().message()));
    if (!next->has_value()) return Done();
    if (++pages_ >= client_->max_pages_)
      return Fail(Status::Upstream("the registry " + query_.registry + " has more than " +
                                   std::to_string(client_->max_pages_) + " pages of tags for " +
                                   query_.repository + "; berth stops there"));
    // Credentials are for the registry that asked for them, not for wherever a link points.
    if (Origin(**next) != Origin(page_url_)) authorization_.clear();
    page_url_ = **next;
    Get(page_url_, authorization_, &TagListing::OnPage);
  }

  void OnChallenge(const HttpResponse& response) {
    if (!authorization_.empty()) return Fail(Refused(response));
    auto challenges = docker::ParseWwwAuthenticate(response.Header("WWW-Authenticate"));
    if (!challenges.ok())
      return Fail(Status::Upstream(
          "the registry " + query_.registry +
          " answered 401 with a challenge berth cannot read: " + challenges.status().message()));
    if (const auto* bearer = docker::FindChallenge(*challenges, "Bearer"))
      return RequestToken(*bearer);
    if (!docker::FindChallenge(*challenges, "Basic"))
      return Fail(Status::Upstream(
          "the registry " + query_.registry +
          " asks for an authentication berth does not speak: " + (*challenges)[0].scheme));
    if (!query_.login) return Fail(Refused(response));
    authorization_ = BasicAuthorization();
    Get(page_url_, authorization_, first_);
  }

  void RequestToken(const docker::AuthChallenge& bearer) {
    const std::string* realm = bearer.Param("realm");
    if (!realm || (realm->rfind("https://", 0) != 0 && realm->rfind("http://", 0) != 0))
      return Fail(Status::Upstream("the registry " + query_.registry +
                                   " sent a Bearer challenge without an http(s) realm"));
    std::string url = *realm + (realm->find('?') == std::string::npos ? "?" : "&");
    if (const std::string* service = bearer.Param("service"))
      url += "service=" + QueryEscape(*service) + "&";
    url += "scope=" + QueryEscape("repository:" + query_.repository + ":pull");
    Get(url, query_.login ? BasicAuthorization() : "", &TagListing::OnToken);
  }

  void OnToken(const HttpResponse& response) {
    if (response.status == 401 || response.status == 403) return Fail(Refused(response));
    if (response.status != 200) return Fail(Unexpected("its token service", response));
    nlohmann::json json = nlohmann::json::parse(response.body, nullptr, false);
    std::string token;
    for (const char* key : {"token", "access_token"})
      if (token.empty() && json.is_object() && json.contains(key) && json[key].is_string())
        token = json[key].get<std::string>();
    if (token.empty())
      return Fail(Status::Upstream("the token service of the registry " + query_.registry +
                                   " answered without a token"));
    authorization_ = "Authorization: Bearer " + token;
    Get(page_url_, authorization_, first_);
  }

  std::string BasicAuthorization() const {
    return "Authorization: Basic " +
           Base64Encode(query_.login->username + ":" + query_.login->password);
  }

  Status Refused(const HttpResponse& response) const {
    if (!query_.login)
      return Status::Upstream("the registry " + query_.registry + " needs credentials to " +
                              (digest_done_ ? "read " : "list the tags of ") + query_.repository +
                              ErrorDetail(response.body) +
                              "; add them with POST /v1/registries or the app's registry_auth");
    return Status::Upstream("the registry " + query_.registry + " refused the credentials of '" +
                            query_.login->username + "' for " + query_.repository +
                            ErrorDetail(response.body));
  }

  Status Unexpected(const std::string& what, const HttpResponse& response) const {
    return Status::Upstream("the registry " + query_.registry + " answered " +
                            std::to_string(response.status) + " to " + what + " of " +
                            query_.repository + ErrorDetail(response.body));
  }

  // Every page read: the tags in lexical order, as the distribution spec has registries send
  // them (not every registry does).
  void Done() {
    std::sort(tags_.begin(), tags_.end());
    Finish(std::move(tags_));
  }

  void Finish(std::vector<std::string> tags) {
    TagsDone done = std::move(done_);
    done(std::move(tags));
    client_->Finished(this);
  }

  void Fail(Status failure) {
    if (digest_done_) {
      DigestDone done = std::move(digest_done_);
      done(std::move(failure));
    } else {
      TagsDone done = std::move(done_);
      done(std::move(failure));
    }
    client_->Finished(this);
  }

  RegistryClient* client_;
  TagsQuery query_;
  TagsDone done_;
  std::string reference_;             // a manifest query's tag
  DigestDone digest_done_;            // set for a manifest query
  Then first_ = &TagListing::OnPage;  // the answer to the query itself (not to its token)
  std::string page_url_;
  std::string authorization_;  // "Authorization: …" once authenticated; secret
  int pages_ = 0;
  std::vector<std::string> tags_;
  std::unique_ptr<HttpCall> call_;
};

RegistryClient::RegistryClient(EventLoop* loop, HttpClient* http, long timeout_ms, int max_pages)
    : loop_(loop), http_(http), timeout_ms_(timeout_ms), max_pages_(max_pages) {}

RegistryClient::~RegistryClient() = default;

void RegistryClient::ListTags(TagsQuery query, TagsDone done) {
  auto listing = std::make_unique<TagListing>(this, std::move(query), std::move(done));
  TagListing* raw = listing.get();
  listings_[raw] = std::move(listing);
  raw->Start();
}

void RegistryClient::ManifestDigest(TagsQuery query, std::string reference, DigestDone done) {
  auto listing =
      std::make_unique<TagListing>(this, std::move(query), std::move(reference), std::move(done));
  TagListing* raw = listing.get();
  listings_[raw] = std::move(listing);
  raw->Start();
}

void RegistryClient::Finished(TagListing* listing) {
  auto it = listings_.find(listing);
  if (it == listings_.end()) return;
  loop_->Defer([owned = std::shared_ptr<TagListing>(std::move(it->second))] {});
  listings_.erase(it);
}

}  // namespace berth
