// Preparing and activating the releases of process apps.
#include "supervise/process_activator.h"

namespace berth {

InstallPlan ProcessActivator::Prepare(const std::string& workdir) const {
  return PlanInstall(workdir, install_);
}

void ProcessActivator::Activate(const Activation& activation, Done done) {
  done({PointCurrentAt(activation.root, activation.release.id)});
}

}  // namespace berth
