// Registries: the named registry credentials (host, username, sealed password) and the tag
// listings that use them, for a named registry or for a container app's image.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "store/registries_repository.h"
#include "supervise/container_spec.h"
#include "supervise/docker/image_reference.h"
#include "supervise/registry_client.h"

namespace berth {

struct TagList {
  std::string registry;    // "127.0.0.1:5000", "docker.io"
  std::string repository;  // "acme/app", "library/busybox"
  std::vector<std::string> tags;
};
using TagListDone = std::function<void(Result<TagList>)>;

// Invalid (field "host") unless `host` is a registry as an image name starts with it:
// host[:port], no scheme, no path ("ghcr.io", "127.0.0.1:5000", "localhost:5000").
Status ValidateRegistryHost(const std::string& host);

class Registries {
 public:
  // REQUIRES: every pointer outlives the Registries.
  Registries(EventLoop* loop, HttpClient* http, Database* db,
             RegistriesRepository::SecretsSource secrets);

  // Sorted by host.
  Result<std::vector<StoredRegistry>> List();
  // NotFound when there is none.
  Result<StoredRegistry> Get(const std::string& host);
  // Conflict when the host has credentials already; Invalid naming the field at fault.
  Result<StoredRegistry> Create(StoredRegistry registry);
  // Creates or replaces (`*created` says which); a "***" password keeps the stored one.
  Result<StoredRegistry> Put(StoredRegistry registry, bool* created);
  // NotFound when there is none.
  Status Remove(const std::string& host);

  // The tags of `repository` at the named registry `host` with its credentials: NotFound when
  // berth has no such registry; Invalid (field "repository") for a bad repository name.
  void ListTags(const std::string& host, const std::string& repository, TagListDone done);
  // The credentials that pulls and tag listings of `container`'s image use: its registry_auth,
  // else the named credentials of the image's registry (as stored now), else none (anonymous).
  // Invalid (field "image") for an image that is no image reference.
  Result<std::optional<RegistryCredentials>> CredentialsFor(const ContainerSpec& container);
  // The tags of the repository of `container`'s image, with CredentialsFor(container).
  void ListImageTags(const ContainerSpec& container, TagListDone done);
  // The digest the tag of `container`'s image names at its registry now (a manifest HEAD,
  // nothing pulled), with CredentialsFor(container). REQUIRES: the image names no digest.
  void ImageDigest(const ContainerSpec& container, DigestDone done);

 private:
  Status Validate(const StoredRegistry& registry) const;
  void List(TagsQuery query, TagListDone done);
  // The query of `reference`'s repository with CredentialsFor(container).
  Result<TagsQuery> QueryFor(const ContainerSpec& container,
                             const docker::ImageReference& reference);

  RegistriesRepository repository_;
  RegistryClient client_;
};

}  // namespace berth
