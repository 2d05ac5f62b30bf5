// Asking a registry for a container app's tag digest, and Docker for the serving image's.
#include "supervise/registry_digest_probe.h"

#include <utility>

namespace berth {

RegistryDigestProbe::RegistryDigestProbe(EventLoop* loop, Registries* registries,
                                         RuntimeAccess runtime,
                                         std::function<std::string()> serving)
    : loop_(loop),
      registries_(registries),
      runtime_(std::move(runtime)),
      serving_(std::move(serving)) {}

RegistryDigestProbe::~RegistryDigestProbe() = default;

void RegistryDigestProbe::Probe(const AppSpec& spec, DoneFn done) {
  done_ = std::move(done);
  warning_.clear();
  if (!spec.container()) return AnswerLater(Status::Conflict("the app has no image to poll"));
  auto image = docker::ParseImageReference(spec.container()->image);
  if (!image.ok()) return AnswerLater(image.status());
  // A reference pinned by digest names the same image forever.
  if (!image->digest.empty()) return AnswerLater(serving_());
  std::weak_ptr<int> alive = alive_;
  registries_->ImageDigest(*spec.container(),
                           [this, alive, image = *image](Result<std::string> digest) {
                             if (alive.lock()) OnDigest(image, std::move(digest));
                           });
}

void RegistryDigestProbe::OnDigest(const docker::ImageReference& image,
                                   Result<std::string> digest) {
  // Registries answers a bad image or unreadable credentials from inside Probe(): later.
  if (!digest.ok()) return AnswerLater(digest.status());
  std::string serving = serving_();
  if (serving.empty()) return std::exchange(done_, nullptr)(image.Name() + "@" + *digest);
  std::weak_ptr<int> alive = alive_;
  runtime_()->RepoDigests(serving, [this, alive, image, digest = *digest,
                                  serving](Result<std::vector<std::string>> repo_digests) {
    if (alive.lock()) Compare(image, digest, serving, std::move(repo_digests));
  });
}

void RegistryDigestProbe::Compare(const docker::ImageReference& image, const std::string& digest,
                                  const std::string& serving,
                                  Result<std::vector<std::string>> repo_digests) {
  DoneFn done = std::exchange(done_, nullptr);
  std::string offered = image.Name() + "@" + digest;
  // The serving image removed from Docker: what the tag names now is pulled again.
  if (!repo_digests.ok())
    return repo_digests.status().code() == Status::Code::kNotFound ? done(offered)
                                                                   : done(repo_digests.status());
  bool from_repository = false;
  for (const std::string& repo_digest : *repo_digests) {
    // Docker spells them "busybox@sha256:…", "127.0.0.1:5000/acme/app@sha256:…".
    auto pulled = docker::ParseImageReference(repo_digest);
    if (!pulled.ok() || pulled->registry != image.registry ||
        pulled->repository != image.repository)
      continue;
    if (pulled->digest == digest) return done(serving);
    from_repository = true;
  }
  if (!from_repository)
    warning_ = "the image the app runs (" + serving.substr(0, 19) + ") was not pulled from " +
               image.Name() + ", so berth cannot tell whether '" + image.tag +
               "' moved there: deploying what it names";
  done(offered);
}

void RegistryDigestProbe::AnswerLater(Result<std::string> answer) {
  loop_->Defer([this, alive = std::weak_ptr<int>(alive_), answer = std::move(answer)] {
    if (alive.lock()) std::exchange(done_, nullptr)(answer);
  });
}

}  // namespace berth
