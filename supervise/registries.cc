// Named registry credentials: validation, "***" kept on replace, and which credentials a pull
// or a tag listing uses.
#include "supervise/registries.h"

#include "reactor/clock.h"
#include "supervise/app_spec.h"
#include "supervise/docker/image_reference.h"

namespace berth {
namespace {

bool HasControl(const std::string& text) {
  for (unsigned char c : text)
    if (c < 0x20 || c == 0x7f) return true;
  return false;
}

}  // namespace

Status ValidateRegistryHost(const std::string& host) {
  auto reference = docker::ParseImageReference(host + "/x");
  if (host.empty() || !reference.ok() || reference->registry != host)
    return Status::Invalid("host must be a registry's host[:port] such as ghcr.io or "
                           "127.0.0.1:5000, without scheme or path",
                           "host");
  return Status::Ok();
}

Registries::Registries(EventLoop* loop, HttpClient* http, Database* db,
                       RegistriesRepository::SecretsSource secrets)
    : repository_(db, std::move(secrets)), client_(loop, http) {}

Result<std::vector<StoredRegistry>> Registries::List() { return repository_.List(); }

Result<StoredRegistry> Registries::Get(const std::string& host) {
  auto found = repository_.Get(host);
  if (!found.ok()) return found.status();
  if (!found->has_value()) return Status::NotFound("no registry named '" + host + "'");
  return std::move(**found);
}

Status Registries::Validate(const StoredRegistry& registry) const {
  if (Status s = ValidateRegistryHost(registry.host); !s.ok()) return s;
  if (registry.username.empty() || registry.username.find(':') != std::string::npos ||
      HasControl(registry.username))
    return Status::Invalid("username must be a non-empty string without ':'", "username");
  if (registry.password.empty() || HasControl(registry.password))
    return Status::Invalid("password must be a non-empty string", "password");
  if (registry.password == kMaskedSecret)
    return Status::Invalid("password: send the password itself, not ***", "password");
  return Status::Ok();
}

Result<StoredRegistry> Registries::Create(StoredRegistry registry) {
  if (Status s = Validate(registry); !s.ok()) return s;
  auto existing = repository_.Get(registry.host);
  if (!existing.ok()) return existing.status();
  if (existing->has_value())
    return Status::Conflict("registry '" + registry.host +
                            "' exists; replace it with PUT /v1/registries/" + registry.host);
  registry.created_at = registry.updated_at = FormatRfc3339(WallClockMs());
  if (Status s = repository_.Put(registry); !s.ok()) return s;
  return registry;
}

Result<StoredRegistry> Registries::Put(StoredRegistry registry, bool* created) {
  auto existing = repository_.Get(registry.host);
  if (!existing.ok()) return existing.status();
  *created = !existing->has_value();
  if (!*created && registry.password == kMaskedSecret)
    registry.password = (*existing)->password;
  if (Status s = Validate(registry); !s.ok()) return s;
  registry.updated_at = FormatRfc3339(WallClockMs());
  registry.created_at = *created ? registry.updated_at : (*existing)->created_at;
  if (Status s = repository_.Put(registry); !s.ok()) return s;
  return registry;
}

Status Registries::Remove(const std::string& host) { return repository_.Remove(host); }

void Registries::ListTags(const std::string& host, const std::string& repository,
                          TagListDone done) {
  auto registry = Get(host);
  if (!registry.ok()) return done(registry.status());
  auto reference = docker::ParseImageReference(host + "/" + repository);
  if (repository.empty() || repository.find_first_of(":@") != std::string::npos ||
      !reference.ok() || reference->registry != host)
    return done(Status::Invalid("repository must be a repository name such as acme/app, "
                                "without registry, tag or digest",
                                "repository"));
  List({.registry = host,
        .repository = reference->repository,
        .login = RegistryLogin{registry->username, registry->password}},
       std::move(done));
}

Result<std::optional<RegistryCredentials>> Registries::CredentialsFor(
    const ContainerSpec& container) {
  if (container.registry_auth) return container.registry_auth;
  auto reference = docker::ParseImageReference(container.image);
  if (!reference.ok()) return Status::Invalid(reference.status().message(), "image");
  auto named = repository_.Get(reference->registry);
  if (!named.ok()) return named.status();
  if (!named->has_value()) return std::optional<RegistryCredentials>();
  return std::optional<RegistryCredentials>(
      RegistryCredentials{(*named)->username, (*named)->password});
}

Result<TagsQuery> Registries::QueryFor(const ContainerSpec& container,
                                       const docker::ImageReference& reference) {
  auto credentials = CredentialsFor(container);
  if (!credentials.ok()) return credentials.status();
  TagsQuery query{.registry = reference.registry, .repository = reference.repository};
  if (*credentials) query.login = RegistryLogin{(*credentials)->username, (*credentials)->password};
  return query;
}

void Registries::ListImageTags(const ContainerSpec& container, TagListDone done) {
  auto reference = docker::ParseImageReference(container.image);
  if (!reference.ok()) return done(Status::Invalid(reference.status().message(), "image"));
  auto query = QueryFor(container, *reference);
  if (!query.ok()) return done(query.status());
  List(std::move(query).value(), std::move(done));
}

void Registries::ImageDigest(const ContainerSpec& container, DigestDone done) {
  auto reference = docker::ParseImageReference(container.image);
  if (!reference.ok()) return done(Status::Invalid(reference.status().message(), "image"));
  auto query = QueryFor(container, *reference);
  if (!query.ok()) return done(query.status());
  client_.ManifestDigest(std::move(query).value(), reference->tag, std::move(done));
}

void Registries::List(TagsQuery query, TagListDone done) {
  TagList list{query.registry, query.repository, {}};
  client_.ListTags(std::move(query), [list = std::move(list), done = std::move(done)](
                                         Result<std::vector<std::string>> tags) mutable {
    if (!tags.ok()) return done(tags.status());
    list.tags = std::move(tags).value();
    done(std::move(list));
  });
}

}  // namespace berth
