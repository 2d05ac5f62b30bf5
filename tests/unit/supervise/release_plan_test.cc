// PlanInstall and PlanStart: the install steps and start command chosen from a release's files.
#include "supervise/release_plan.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace berth {
namespace {

namespace fs = std::filesystem;
using Argv = std::vector<std::string>;

class ReleasePlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "berth-plan-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    dir_ = root_ + "/release";
    fs::create_directory(dir_);
  }
  void TearDown() override { fs::remove_all(root_); }

  void Write(const std::string& name, const std::string& text = "") {
    std::ofstream(dir_ + "/" + name) << text;
  }
  void Mkdir(const std::string& name) { fs::create_directories(dir_ + "/" + name); }
  // A file outside the release, beside it in the temp dir.
  std::string Outside(const std::string& name, const std::string& text = "") {
    std::string path = root_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }
  void Symlink(const std::string& target, const std::string& name) {
    ASSERT_EQ(0, symlink(target.c_str(), (dir_ + "/" + name).c_str()));
  }

  Argv ArgvOf(const InstallPlan& plan, size_t i) { return plan.steps.at(i).argv; }
  std::vector<std::string> WhatOf(const InstallPlan& plan) {
    std::vector<std::string> what;
    for (const InstallStep& step : plan.steps) {
      what.push_back(step.what);
    }
    return what;
  }
  InstallPlan Auto() { return PlanInstall(dir_, InstallSpec{}); }
  InstallPlan WithOptions(std::vector<std::string> options) {
    InstallSpec install;
    install.options = std::move(options);
    return PlanInstall(dir_, install);
  }
  StartPlan Start() { return PlanStart(dir_, ProcessSpec{}); }
  std::string Pip() { return dir_ + "/.venv/bin/pip"; }
  std::string VenvBin() { return dir_ + "/.venv/bin"; }
  std::string NodeBin() { return dir_ + "/node_modules/.bin"; }

  std::string root_;
  std::string dir_;
};

// --- PlanInstall, mode auto ---

TEST_F(ReleasePlanTest, NothingToInstallInAnEmptyTree) {
  InstallPlan plan = Auto();
  EXPECT_TRUE(plan.steps.empty());
  EXPECT_TRUE(plan.path_dirs.empty());
}

TEST_F(ReleasePlanTest, RequirementsTxtGetsAVenvAndPipInstallR) {
  Write("requirements.txt", "flask\n");
  InstallPlan plan = Auto();
  ASSERT_EQ(2u, plan.steps.size());
  EXPECT_EQ((Argv{"python3", "-m", "venv", ".venv"}), ArgvOf(plan, 0));
  EXPECT_EQ((Argv{Pip(), "install", "--disable-pip-version-check", "--no-input", "-r",
                  "requirements.txt"}),
            ArgvOf(plan, 1));
  EXPECT_EQ((std::vector<std::string>{"python3 -m venv .venv", "pip install -r requirements.txt"}),
            WhatOf(plan));
  EXPECT_EQ((std::vector<std::string>{VenvBin()}), plan.path_dirs);
}

TEST_F(ReleasePlanTest, PyprojectTomlGetsPipInstallDot) {
  Write("pyproject.toml");
  InstallPlan plan = Auto();
  ASSERT_EQ(2u, plan.steps.size());
  EXPECT_EQ((Argv{"python3", "-m", "venv", ".venv"}), ArgvOf(plan, 0));
  EXPECT_EQ((Argv{Pip(), "install", "--disable-pip-version-check", "--no-input", "."}),
            ArgvOf(plan, 1));
  EXPECT_EQ("pip install . (pyproject.toml)", plan.steps[1].what);
  EXPECT_EQ((std::vector<std::string>{VenvBin()}), plan.path_dirs);
}

TEST_F(ReleasePlanTest, SetupPyGetsPipInstallDot) {
  Write("setup.py");
  InstallPlan plan = Auto();
  ASSERT_EQ(2u, plan.steps.size());
  EXPECT_EQ((Argv{Pip(), "install", "--disable-pip-version-check", "--no-input", "."}),
            ArgvOf(plan, 1));
  EXPECT_EQ("pip install . (setup.py)", plan.steps[1].what);
}

TEST_F(ReleasePlanTest, RequirementsTxtWinsOverPyprojectToml) {
  Write("requirements.txt");
  Write("pyproject.toml");
  InstallPlan plan = Auto();
  ASSERT_EQ(2u, plan.steps.size());
  EXPECT_EQ("-r", plan.steps[1].argv.at(4));
}

TEST_F(ReleasePlanTest, PnpmLockGetsPnpmInstallFrozenProd) {
  Write("package.json", "{}");
  Write("pnpm-lock.yaml");
  Write("yarn.lock");
  Write("package-lock.json");
  InstallPlan plan = Auto();
  ASSERT_EQ(1u, plan.steps.size());
  EXPECT_EQ((Argv{"pnpm", "install", "--frozen-lockfile", "--prod"}), ArgvOf(plan, 0));
  EXPECT_EQ("pnpm install (pnpm-lock.yaml)", plan.steps[0].what);
  EXPECT_EQ((std::vector<std::string>{NodeBin()}), plan.path_dirs);
}

TEST_F(ReleasePlanTest, YarnLockGetsYarnInstallFrozenProduction) {
  Write("package.json", "{}");
  Write("yarn.lock");
  Write("package-lock.json");
  InstallPlan plan = Auto();
  ASSERT_EQ(1u, plan.steps.size());
  EXPECT_EQ((Argv{"yarn", "install", "--frozen-lockfile", "--production"}), ArgvOf(plan, 0));
  EXPECT_EQ("yarn install (yarn.lock)", plan.steps[0].what);
}

TEST_F(ReleasePlanTest, PackageLockGetsNpmCi) {
  Write("package.json", "{}");
  Write("package-lock.json");
  InstallPlan plan = Auto();
  ASSERT_EQ(1u, plan.steps.size());
  EXPECT_EQ((Argv{"npm", "ci", "--omit=dev", "--no-audit", "--no-fund"}), ArgvOf(plan, 0));
  EXPECT_EQ("npm ci (package-lock.json)", plan.steps[0].what);
  EXPECT_EQ((std::vector<std::string>{NodeBin()}), plan.path_dirs);
}

TEST_F(ReleasePlanTest, PackageJsonAloneGetsNpmInstall) {
  Write("package.json", "{}");
  InstallPlan plan = Auto();
  ASSERT_EQ(1u, plan.steps.size());
  EXPECT_EQ((Argv{"npm", "install", "--omit=dev", "--no-audit", "--no-fund"}), ArgvOf(plan, 0));
  EXPECT_EQ("npm install (package.json)", plan.steps[0].what);
}

TEST_F(ReleasePlanTest, PythonAndNodeGetBothPythonFirst) {
  Write("requirements.txt");
  Write("package.json", "{}");
  Write("package-lock.json");
  InstallPlan plan = Auto();
  EXPECT_EQ((std::vector<std::string>{"python3 -m venv .venv", "pip install -r requirements.txt",
                                      "npm ci (package-lock.json)"}),
            WhatOf(plan));
  EXPECT_EQ((std::vector<std::string>{VenvBin(), NodeBin()}), plan.path_dirs);
}

TEST_F(ReleasePlanTest, OptionsReplaceNpmFlags) {
  Write("package.json", "{}");
  EXPECT_EQ((Argv{"npm", "install", "--include=dev"}), ArgvOf(WithOptions({"--include=dev"}), 0));
  Write("package-lock.json");
  EXPECT_EQ((Argv{"npm", "ci", "--legacy-peer-deps", "--no-fund"}),
            ArgvOf(WithOptions({"--legacy-peer-deps", "--no-fund"}), 0));
}

TEST_F(ReleasePlanTest, OptionsReplaceProdButKeepFrozenLockfile) {
  Write("package.json", "{}");
  Write("yarn.lock");
  EXPECT_EQ((Argv{"yarn", "install", "--frozen-lockfile", "--silent"}),
            ArgvOf(WithOptions({"--silent"}), 0));
  Write("pnpm-lock.yaml");
  EXPECT_EQ((Argv{"pnpm", "install", "--frozen-lockfile", "--dev"}),
            ArgvOf(WithOptions({"--dev"}), 0));
}

TEST_F(ReleasePlanTest, EmptyOptionsLeaveNoFlags) {
  Write("package.json", "{}");
  Write("package-lock.json");
  EXPECT_EQ((Argv{"npm", "ci"}), ArgvOf(WithOptions({}), 0));
}

TEST_F(ReleasePlanTest, OptionsDoNotTouchPip) {
  Write("requirements.txt");
  InstallPlan plan = WithOptions({"--whatever"});
  ASSERT_EQ(2u, plan.steps.size());
  EXPECT_EQ("requirements.txt", plan.steps[1].argv.back());
}

// --- PlanInstall, modes none and command ---

TEST_F(ReleasePlanTest, ModeNonePlansNothing) {
  Write("requirements.txt");
  Write("package.json", "{}");
  InstallSpec install;
  install.mode = InstallSpec::Mode::kNone;
  InstallPlan plan = PlanInstall(dir_, install);
  EXPECT_TRUE(plan.steps.empty());
  EXPECT_TRUE(plan.path_dirs.empty());
}

TEST_F(ReleasePlanTest, ModeNoneStillPutsExistingDirsOnPath) {
  Mkdir(".venv/bin");
  Mkdir("node_modules");
  InstallSpec install;
  install.mode = InstallSpec::Mode::kNone;
  InstallPlan plan = PlanInstall(dir_, install);
  EXPECT_TRUE(plan.steps.empty());
  EXPECT_EQ((std::vector<std::string>{VenvBin(), NodeBin()}), plan.path_dirs);
}

TEST_F(ReleasePlanTest, ModeCommandRunsTheCommandOnly) {
  Write("requirements.txt");
  Mkdir("node_modules");
  InstallSpec install;
  install.mode = InstallSpec::Mode::kCommand;
  install.command = {"/bin/sh", "-c", "make deps"};
  install.shell_command = true;
  InstallPlan plan = PlanInstall(dir_, install);
  ASSERT_EQ(1u, plan.steps.size());
  EXPECT_EQ(install.command, plan.steps[0].argv);
  EXPECT_EQ("install command", plan.steps[0].what);
  EXPECT_EQ((std::vector<std::string>{NodeBin()}), plan.path_dirs);
}

TEST_F(ReleasePlanTest, ACommandNamingPythonOrNpmDoesNotCountAsAPlannedInstall) {
  Write("requirements.txt");
  Write("package.json", "{}");
  InstallSpec install;
  install.mode = InstallSpec::Mode::kCommand;
  install.command = {"python3", "-m", "pip", "install", "--user", "."};
  EXPECT_TRUE(PlanInstall(dir_, install).path_dirs.empty());
  install.command = {"npm", "run", "build"};
  EXPECT_TRUE(PlanInstall(dir_, install).path_dirs.empty());
}

TEST_F(ReleasePlanTest, ARelativeWorkdirGivesAbsolutePaths) {
  Write("requirements.txt");
  fs::path cwd = fs::current_path();
  fs::current_path(root_);
  InstallPlan plan = PlanInstall("./release/", InstallSpec{});
  fs::current_path(cwd);
  ASSERT_EQ(2u, plan.steps.size());
  EXPECT_EQ(Pip(), plan.steps[1].argv[0]);
  EXPECT_EQ((std::vector<std::string>{VenvBin()}), plan.path_dirs);
}

TEST_F(ReleasePlanTest, AMissingWorkdirPlansNothing) {
  InstallPlan plan = PlanInstall(root_ + "/absent", InstallSpec{});
  EXPECT_TRUE(plan.steps.empty());
  EXPECT_TRUE(plan.path_dirs.empty());
  EXPECT_EQ("no start command found: serving the files",
            PlanStart(root_ + "/absent", ProcessSpec{}).reason);
}

// --- PlanInstall, odd trees ---

TEST_F(ReleasePlanTest, DirectoriesNamedLikeFilesAreNotFiles) {
  Mkdir("requirements.txt");
  Mkdir("package.json");
  Mkdir("pyproject.toml");
  InstallPlan plan = Auto();
  EXPECT_TRUE(plan.steps.empty());
  EXPECT_TRUE(plan.path_dirs.empty());
}

TEST_F(ReleasePlanTest, SymlinksOutsideTheTreeAreIgnored) {
  Symlink(Outside("requirements.txt", "flask\n"), "requirements.txt");
  Symlink(Outside("package.json", "{}"), "package.json");
  Symlink(root_, "node_modules");
  fs::create_directories(root_ + "/venv/bin");
  Symlink(root_ + "/venv", ".venv");
  InstallPlan plan = Auto();
  EXPECT_TRUE(plan.steps.empty());
  EXPECT_TRUE(plan.path_dirs.empty());
}

TEST_F(ReleasePlanTest, RelativeSymlinksEscapingWithDotDotAreIgnored) {
  Outside("setup.py");
  Symlink("../setup.py", "setup.py");
  EXPECT_TRUE(Auto().steps.empty());
}

TEST_F(ReleasePlanTest, SymlinksInsideTheTreeAreFollowed) {
  Mkdir("deps");
  Write("deps/requirements-prod.txt", "flask\n");
  Symlink("deps/requirements-prod.txt", "requirements.txt");
  Mkdir("vendor/node_modules");
  Symlink("vendor/node_modules", "node_modules");
  InstallPlan plan = Auto();
  EXPECT_EQ(2u, plan.steps.size());
  EXPECT_EQ((std::vector<std::string>{VenvBin(), NodeBin()}), plan.path_dirs);
}

TEST_F(ReleasePlanTest, DanglingAndLoopingSymlinksAreIgnored) {
  Symlink("nowhere.txt", "requirements.txt");
  Symlink("package.json", "package.json");
  EXPECT_TRUE(Auto().steps.empty());
  EXPECT_EQ("no start command found: serving the files", Start().reason);
}

TEST_F(ReleasePlanTest, AWorkdirReachedThroughASymlinkStillFindsItsFiles) {
  Write("package.json", "{}");
  std::string link = root_ + "/current";
  ASSERT_EQ(0, symlink(dir_.c_str(), link.c_str()));
  InstallPlan plan = PlanInstall(link, InstallSpec{});
  ASSERT_EQ(1u, plan.steps.size());
  EXPECT_EQ((std::vector<std::string>{link + "/node_modules/.bin"}), plan.path_dirs);
}

// --- PlanStart ---

TEST_F(ReleasePlanTest, AGivenCommandWins) {
  Write("server.js");
  ProcessSpec process;
  process.command = {"node", "main.js", "--title", "my app"};
  StartPlan plan = PlanStart(dir_, process);
  EXPECT_EQ(process.command, plan.argv);
  EXPECT_FALSE(plan.shell);
  EXPECT_EQ("node main.js --title 'my app'", plan.text);
  EXPECT_EQ("command", plan.reason);
}

TEST_F(ReleasePlanTest, AGivenShellCommandReadsAsItsScript) {
  ProcessSpec process;
  process.command = {"/bin/sh", "-c", "exec ./run --port $PORT"};
  process.shell_command = true;
  StartPlan plan = PlanStart(dir_, process);
  EXPECT_EQ(process.command, plan.argv);
  EXPECT_TRUE(plan.shell);
  EXPECT_EQ("exec ./run --port $PORT", plan.text);
}

TEST_F(ReleasePlanTest, ServerJsRunsWithNode) {
  Write("server.js");
  Write("index.js");
  Write("package.json", R"({"scripts": {"start": "node other.js"}})");
  Write("app.py");
  StartPlan plan = Start();
  EXPECT_EQ((Argv{"node", "server.js"}), plan.argv);
  EXPECT_FALSE(plan.shell);
  EXPECT_EQ("node server.js", plan.text);
  EXPECT_EQ("server.js found", plan.reason);
}

TEST_F(ReleasePlanTest, IndexJsComesAfterServerJs) {
  Write("index.js");
  Write("package.json", R"({"scripts": {"start": "node other.js"}})");
  Write("app.py");
  StartPlan plan = Start();
  EXPECT_EQ((Argv{"node", "index.js"}), plan.argv);
  EXPECT_EQ("node index.js", plan.text);
  EXPECT_EQ("index.js found", plan.reason);
}

TEST_F(ReleasePlanTest, AStartScriptComesAfterIndexJs) {
  Write("package.json", R"({"name": "web", "scripts": {"start": "node other.js"}})");
  Write("app.py");
  StartPlan plan = Start();
  EXPECT_EQ((Argv{"npm", "start"}), plan.argv);
  EXPECT_FALSE(plan.shell);
  EXPECT_EQ("npm start", plan.text);
  EXPECT_EQ("package.json has a start script", plan.reason);
}

TEST_F(ReleasePlanTest, PackageJsonWithoutAUsableStartScriptIsSkipped) {
  Write("app.py");
  for (const char* text : {"", "{", "not json", "[]", "{}", R"({"scripts": []})",
                           R"({"scripts": {"start": ""}})", R"({"scripts": {"start": 1}})",
                           R"({"scripts": {"test": "x"}})", R"({"start": "node a.js"})"}) {
    Write("package.json", text);
    EXPECT_EQ("app.py found", Start().reason) << text;
  }
}

TEST_F(ReleasePlanTest, AppPyRunsWithUvicorn) {
  Write("requirements.txt");
  Write("app.py");
  StartPlan plan = Start();
  EXPECT_EQ((Argv{"/bin/sh", "-c",
                  R"(exec uvicorn app:app --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}")"}),
            plan.argv);
  EXPECT_TRUE(plan.shell);
  EXPECT_EQ("uvicorn app:app --host $HOST --port $PORT", plan.text);
  EXPECT_EQ("app.py found", plan.reason);
}

TEST_F(ReleasePlanTest, AppPyAloneRunsWithUvicorn) {
  Write("app.py");
  EXPECT_EQ("app.py found", Start().reason);
}

TEST_F(ReleasePlanTest, OtherwiseTheFilesAreServed) {
  Write("index.html", "<h1>hi</h1>");
  Write("requirements.txt");
  StartPlan plan = Start();
  EXPECT_EQ((Argv{"/bin/sh", "-c",
                  R"(exec python3 -m http.server "${PORT:-8000}" --bind "${HOST:-127.0.0.1}")"}),
            plan.argv);
  EXPECT_TRUE(plan.shell);
  EXPECT_EQ("python3 -m http.server $PORT --bind $HOST", plan.text);
  EXPECT_EQ("no start command found: serving the files", plan.reason);
}

TEST_F(ReleasePlanTest, StartIgnoresDirectoriesAndOutsideSymlinks) {
  Mkdir("server.js");
  Symlink(Outside("index.js"), "index.js");
  Symlink(Outside("package.json", R"({"scripts": {"start": "x"}})"), "package.json");
  Symlink(Outside("app.py"), "app.py");
  EXPECT_EQ("no start command found: serving the files", Start().reason);
}

TEST_F(ReleasePlanTest, StartFollowsSymlinksInsideTheTree) {
  Mkdir("src");
  Write("src/main.js");
  Symlink("src/main.js", "server.js");
  EXPECT_EQ("server.js found", Start().reason);
}

TEST_F(ReleasePlanTest, AFifoNamedPackageJsonDoesNotHang) {
  ASSERT_EQ(0, mkfifo((dir_ + "/package.json").c_str(), 0600));
  EXPECT_EQ("no start command found: serving the files", Start().reason);
}

TEST_F(ReleasePlanTest, AHugePackageJsonHasNoStartScript) {
  std::string text = R"({"scripts": {"start": "node a.js"}, "pad": ")";
  text += std::string(5 << 20, 'x');
  text += "\"}";
  Write("package.json", text);
  EXPECT_EQ("no start command found: serving the files", Start().reason);
}

}  // namespace
}  // namespace berth
