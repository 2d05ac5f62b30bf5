// GitRepo for tests: a bare "origin" repository and a working clone, made with the git command
// line, that commits and pushes to it.
#ifndef BERTH_TESTS_INTEGRATION_GIT_REPO_H_
#define BERTH_TESTS_INTEGRATION_GIT_REPO_H_

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "tests/integration/http_support.h"
#include "tests/integration/test_support.h"

namespace berth::testing {

// A bare "origin" repository and a working clone that commits and pushes to it.
class GitRepo {
 public:
  explicit GitRepo(const std::string& dir) : dir_(dir) {
    Git({"init", "-q", "--bare", "-b", "main", dir_ + "/origin.git"});
    Git({"init", "-q", "-b", "main", dir_ + "/work"});
  }
  std::string url() const { return "file://" + dir_ + "/origin.git"; }
  std::string work() const { return dir_ + "/work"; }

  // Writes the files, commits them and pushes to `branch`; returns the commit's sha.
  std::string Commit(const std::map<std::string, std::string>& files,
                     const std::string& branch = "main") {
    for (const auto& [name, text] : files) {
      std::filesystem::create_directories(std::filesystem::path(work() + "/" + name).parent_path());
      WriteFile(work() + "/" + name, text);
    }
    Git({"-C", work(), "add", "-A"});
    Git({"-C", work(), "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-q", "-m",
         "change"});
    Git({"-C", work(), "push", "-q", url(), "HEAD:" + branch});
    return Trim(Git({"-C", work(), "rev-parse", "HEAD"}).out);
  }

  CommandResult Git(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"/usr/bin/git"};
    argv.insert(argv.end(), args.begin(), args.end());
    CommandResult result = RunCommand(argv, {"GIT_CONFIG_NOSYSTEM=1", "HOME=" + dir_});
    EXPECT_EQ(0, result.exit_code) << result.Describe();
    return result;
  }

 private:
  std::string dir_;
};

}  // namespace berth::testing

#endif  // BERTH_TESTS_INTEGRATION_GIT_REPO_H_
