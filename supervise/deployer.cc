// What every kind of deployer shares.
#include "supervise/deployer.h"

namespace berth {

std::string AppRootDir(const BerthPaths& paths, const std::string& app) {
  return paths.state_dir + "/apps/" + app;
}

}  // namespace berth
