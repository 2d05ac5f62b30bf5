// ReleaseActivator: which kind prepares and activates its releases how; for a process, its
// install plan and the `current` link.
#include "supervise/release_activator.h"

#include <gtest/gtest.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

namespace berth {
namespace {

namespace fs = std::filesystem;

class ReleaseActivatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "berth-activate-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
  }
  void TearDown() override { fs::remove_all(root_); }

  Release MakeRelease(const std::string& id) {
    std::string dir = root_ + "/releases/" + id;
    fs::create_directories(dir);
    return {id, dir, dir};
  }
  std::string CurrentLink() {
    char target[PATH_MAX];
    ssize_t n = readlink((root_ + "/current").c_str(), target, sizeof target - 1);
    return n > 0 ? std::string(target, n) : "";
  }
  // Activates `release` and returns what `done` got (nullopt: it was not called at once).
  std::optional<Status> Activate(ReleaseActivator* activator, const Release& release) {
    std::optional<Status> result;
    activator->Activate({.root = root_, .release = release},
                        [&](ActivationResult done) { result = done.status; });
    return result;
  }

  std::string root_;
};

AppSpec ProcessApp() {
  AppSpec spec;
  spec.name = "web";
  spec.process()->command = {"true"};
  return spec;
}

TEST_F(ReleaseActivatorTest, AProcessAppIsPreparedByItsInstall) {
  AppSpec spec = ProcessApp();
  spec.process()->install.mode = InstallSpec::Mode::kCommand;
  spec.process()->install.command = {"make", "deps"};
  auto activator = MakeReleaseActivator(spec);
  ASSERT_NE(activator, nullptr);
  Release release = MakeRelease("1");
  InstallPlan plan = activator->Prepare(release.workdir);
  ASSERT_EQ(plan.steps.size(), 1u);
  EXPECT_EQ(plan.steps[0].argv, (std::vector<std::string>{"make", "deps"}));

  std::ofstream(release.workdir + "/package.json") << "{}";
  EXPECT_EQ(MakeReleaseActivator(ProcessApp())->Prepare(release.workdir).steps.size(), 1u);
  spec.process()->install.mode = InstallSpec::Mode::kNone;
  EXPECT_TRUE(MakeReleaseActivator(spec)->Prepare(release.workdir).steps.empty());
}

TEST_F(ReleaseActivatorTest, AProcessAppIsActivatedByPointingCurrentAtTheRelease) {
  auto activator = MakeReleaseActivator(ProcessApp());
  std::optional<Status> first = Activate(activator.get(), MakeRelease("1"));
  ASSERT_TRUE(first && first->ok()) << (first ? first->message() : "done was not called");
  EXPECT_EQ(CurrentLink(), "releases/1");
  std::optional<Status> second = Activate(activator.get(), MakeRelease("2"));
  ASSERT_TRUE(second && second->ok());
  EXPECT_EQ(CurrentLink(), "releases/2");
  EXPECT_FALSE(fs::exists(root_ + "/.current.new"));
}

TEST_F(ReleaseActivatorTest, AFailedActivationSaysWhy) {
  auto activator = MakeReleaseActivator(ProcessApp());
  fs::create_directory(root_ + "/current");  // a directory where the link should go
  std::optional<Status> result = Activate(activator.get(), MakeRelease("1"));
  ASSERT_TRUE(result.has_value());
  EXPECT_FALSE(result->ok());
  EXPECT_NE(result->message().find("release 1"), std::string::npos) << result->message();
}

TEST_F(ReleaseActivatorTest, AContainerAppHasNoActivatorYet) {
  AppSpec spec = ProcessApp();
  spec.part = ContainerSpec{};
  EXPECT_EQ(MakeReleaseActivator(spec), nullptr);
}

}  // namespace
}  // namespace berth
