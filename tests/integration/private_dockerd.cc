// A test's own dockerd: started, stopped and started again on the same dirs, then removed.
#include "tests/integration/private_dockerd.h"

#include <sys/mount.h>

#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/integration/docker_support.h"

namespace berth::testing {
namespace {

const char kDockerd[] = "/usr/sbin/dockerd";
const milliseconds kDockerdTimeout{60000};

// The mount points under `dir` in /proc/self/mountinfo (its fifth field), deepest first.
std::vector<std::string> MountsUnder(const std::string& dir) {
  std::vector<std::string> mounts;
  std::istringstream table(ReadFile("/proc/self/mountinfo"));
  for (std::string line; std::getline(table, line);) {
    std::istringstream fields(line);
    std::string id, parent, device, root, mount_point;
    fields >> id >> parent >> device >> root >> mount_point;
    if (mount_point == dir || mount_point.rfind(dir + "/", 0) == 0) mounts.push_back(mount_point);
  }
  std::sort(mounts.rbegin(), mounts.rend());
  return mounts;
}

}  // namespace

PrivateDockerd::PrivateDockerd(Options options) : options_(options) {}

PrivateDockerd::~PrivateDockerd() {
  if (::testing::Test::HasFailure()) {
    std::cerr << "----- private dockerd log -----\n"
              << Tail(ReadFile(dir_.path() + "/dockerd.log"), 8000)
              << "----- end of private dockerd log -----\n";
  }
  if (dir_.path().empty()) return;
  // Containers live on while a live-restore daemon is stopped: only the daemon removes them.
  if (!running() && options_.live_restore) (void)Start();
  RemoveContainers();
  (void)Stop();
  Unmount();
}

std::vector<std::string> PrivateDockerd::Argv() const {
  const std::string& dir = dir_.path();
  // In a network namespace of its own: a daemon without a bridge removes docker0, which the
  // shared daemon's containers need.
  std::vector<std::string> argv = {"/usr/bin/unshare", "--net", "--", kDockerd,
                                   "--config-file=" + dir + "/daemon.json",
                                   "--data-root=" + dir + "/data",
                                   "--exec-root=" + dir + "/x",
                                   "--pidfile=" + dir + "/dockerd.pid",
                                   "--host=" + host(),
                                   "--storage-driver=vfs",
                                   "--bridge=none",
                                   "--iptables=false",
                                   "--ip-masq=false"};
  if (options_.live_restore) argv.push_back("--live-restore");
  return argv;
}

::testing::AssertionResult PrivateDockerd::Start() {
  if (std::string missing = MissingProgram(kDockerd, "docker.io"); !missing.empty())
    return ::testing::AssertionFailure() << missing;
  std::string log = dir_.path() + "/dockerd.log";
  if (dir_.path().empty() || !WriteFile(dir_.path() + "/daemon.json", "{}\n") ||
      !dockerd_.Start(Argv(), {}, log))
    return ::testing::AssertionFailure() << "cannot start " << kDockerd << " in " << dir_.path();
  bool done = WaitUntil([&] { return !running() || Api("GET", "/_ping").status == 200; },
                        kDockerdTimeout, milliseconds(50));
  if (done && running()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "dockerd " << (done ? "exited" : "did not answer within 60 s") << " on " << socket()
         << "; the end of its log:\n"
         << Tail(ReadFile(log));
}

::testing::AssertionResult PrivateDockerd::Stop() {
  if (dockerd_.Stop(kDockerdTimeout)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "dockerd on " << socket() << " did not exit within 60 s of SIGTERM and was killed";
}

::testing::AssertionResult PrivateDockerd::ImportTestImage() {
  return berth::testing::ImportTestImage(socket());
}

HttpResponse PrivateDockerd::Api(const std::string& method, const std::string& path,
                                 const std::string& body) {
  return PerformRequest(method, "http://docker" + path, body, {}, socket());
}

void PrivateDockerd::RemoveContainers() {
  if (!running()) return;
  nlohmann::json containers = Api("GET", "/containers/json?all=1").json();
  for (const nlohmann::json& container : containers.is_array() ? containers : nlohmann::json())
    Api("DELETE", "/containers/" + container.value("Id", "") + "?force=1&v=1");
}

// dockerd bind-mounts its data root on itself and leaves that mount behind when it exits.
void PrivateDockerd::Unmount() {
  for (const std::string& mount : MountsUnder(dir_.path())) umount2(mount.c_str(), MNT_DETACH);
}

}  // namespace berth::testing
