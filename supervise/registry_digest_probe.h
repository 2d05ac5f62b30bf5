// RegistryDigestProbe: what a container app's image tag names at its registry now (a manifest
// HEAD: nothing pulled, nothing written), told in the terms Poller compares with
// Deployer::ServingRevision. A container app's serving revision is the image id it runs, which
// a registry does not know; the digest a registry knows is only in the image's RepoDigests,
// which Docker answers asynchronously. So the probe does the comparison itself: when the tag's
// digest is one the serving image was pulled as, it answers the serving image id (unchanged);
// else "<registry>/<repository>@<digest>", which no image id starts with (changed). Deployment
// rows, rollbacks and the skip of a pull that found the serving image keep image ids.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "supervise/docker/image_reference.h"
#include "supervise/poller.h"
#include "supervise/registries.h"
#include "supervise/runtime.h"

namespace berth {

class RegistryDigestProbe : public RevisionProbe {
 public:
  // `serving`: the image id the app's current release runs, "" before any.
  // `runtime`: the app's, which knows the serving image's digests. REQUIRES: every pointer
  // outlives the probe.
  RegistryDigestProbe(EventLoop* loop, Registries* registries, RuntimeAccess runtime,
                      std::function<std::string()> serving);
  ~RegistryDigestProbe() override;

  void Probe(const AppSpec& spec, DoneFn done) override;
  const std::string& warning() const override { return warning_; }

 private:
  void OnDigest(const docker::ImageReference& image, Result<std::string> digest);
  void Compare(const docker::ImageReference& image, const std::string& digest,
               const std::string& serving, Result<std::vector<std::string>> repo_digests);
  // Answers `done` on the next loop turn (never from inside Probe()).
  void AnswerLater(Result<std::string> answer);

  EventLoop* loop_;
  Registries* registries_;
  RuntimeAccess runtime_;
  std::function<std::string()> serving_;
  DoneFn done_;
  std::string warning_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace berth
