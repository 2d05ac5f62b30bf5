// Which kind of app prepares and activates its releases how, and the `current` link they share.
#include "supervise/release_activator.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "supervise/compose_activator.h"
#include "supervise/deployer.h"
#include "supervise/process_activator.h"
#include "supervise/swarm_activator.h"

namespace berth {

std::unique_ptr<ReleaseActivator> MakeReleaseActivator(const AppSpec& spec,
                                                       const DeployContext* context) {
  switch (spec.kind()) {
    case AppKind::kProcess:
      return std::make_unique<ProcessActivator>(spec.process()->install);
    case AppKind::kCompose: {
      if (!context || !context->docker) return nullptr;
      ComposeContext compose{.loop = context->loop,
                             .reaper = context->reaper,
                             .engine = context->docker,
                             .docker_host = context->paths->docker_host};
      if (IsSwarmStack(spec)) return std::make_unique<SwarmActivator>(spec, std::move(compose));
      return std::make_unique<ComposeActivator>(spec, std::move(compose));
    }
    case AppKind::kContainer:  // deployed by an ImageDeployer
      return nullptr;
  }
  return nullptr;
}

Status PointCurrentAt(const std::string& root, const std::string& id) {
  std::string link = root + "/current", temp = root + "/.current.new";
  unlink(temp.c_str());
  if (symlink(("releases/" + id).c_str(), temp.c_str()) != 0 ||
      rename(temp.c_str(), link.c_str()) != 0)
    return Status::IOError("cannot point " + link + " at release " + id + ": " + strerror(errno));
  return Status::Ok();
}

}  // namespace berth
