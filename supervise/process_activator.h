// ProcessActivator: how a process app's release becomes the serving one. Prepare: its install
// (release_plan.h), from its files or its `install`. Activate: `current` points at it; the
// app restarts on it when the deployment reports back.
#pragma once

#include "supervise/release_activator.h"

namespace berth {

class ProcessActivator : public ReleaseActivator {
 public:
  explicit ProcessActivator(InstallSpec install) : install_(std::move(install)) {}

  InstallPlan Prepare(const std::string& workdir) const override;
  void Activate(const Activation& activation, Done done) override;

 private:
  InstallSpec install_;
};

}  // namespace berth
