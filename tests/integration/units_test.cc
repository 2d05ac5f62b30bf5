// Tests of the systemd units and the install rules: `cmake --install` puts berthd, berthctl and
// the units where docs/systemd.md says, and `systemd-analyze verify` accepts the units.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/test_support.h"

namespace berth::testing {
namespace {

namespace fs = std::filesystem;

// The settings of a unit file as "Section.Key" -> values, in file order; comments dropped.
using UnitSettings = std::map<std::string, std::vector<std::string>>;

UnitSettings ParseUnit(const std::string& text) {
  UnitSettings settings;
  std::istringstream in(text);
  std::string line, section;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#' || line[0] == ';') {
      continue;
    }
    if (line[0] == '[') {
      section = line.substr(1, line.find(']') - 1);
      continue;
    }
    size_t eq = line.find('=');
    if (eq == std::string::npos) {
      continue;
    }
    settings[section + "." + line.substr(0, eq)].push_back(line.substr(eq + 1));
  }
  return settings;
}

// The one value of a setting, or "" when it is absent.
std::string Value(const UnitSettings& settings, const std::string& key) {
  auto it = settings.find(key);
  return it == settings.end() || it->second.empty() ? "" : it->second.back();
}

// A systemd time span such as "90s", "2min" or "30" in seconds; -1 when not understood.
long Seconds(const std::string& span) {
  size_t digits = span.find_first_not_of("0123456789");
  if (digits == 0 || span.empty()) {
    return -1;
  }
  long number = std::stol(span.substr(0, digits));
  std::string unit = digits == std::string::npos ? "s" : span.substr(digits);
  if (unit == "s" || unit == "sec") {
    return number;
  }
  if (unit == "min" || unit == "m") {
    return number * 60;
  }
  return -1;
}

// The build tree the binaries under test come from: they sit at its root.
std::string BuildDir() { return fs::path(BERTHD_PATH).parent_path().string(); }

// The cmake that configured that build tree, as recorded in its cache.
std::string CmakeCommand() {
  std::istringstream cache(ReadFile(BuildDir() + "/CMakeCache.txt"));
  std::string line;
  const std::string key = "CMAKE_COMMAND:INTERNAL=";
  while (std::getline(cache, line)) {
    if (line.rfind(key, 0) == 0) {
      return line.substr(key.size());
    }
  }
  return "/usr/bin/cmake";
}

// `cmake --install <build> --prefix <prefix>`, with DESTDIR set only when `destdir` is not "".
CommandResult Install(const std::string& prefix, const std::string& destdir = "") {
  return RunCommand({CmakeCommand(), "--install", BuildDir(), "--prefix", prefix},
                    {destdir.empty() ? "DESTDIR" : "DESTDIR=" + destdir}, seconds(60));
}

// `systemd-analyze verify` failing on any warning about the units or what they refer to.
CommandResult Verify(const std::string& analyze, const std::vector<std::string>& units) {
  std::vector<std::string> argv = {analyze, "verify", "--recursive-errors=yes"};
  argv.insert(argv.end(), units.begin(), units.end());
  return RunCommand(argv,
                    {"SYSTEMD_LOG_LEVEL=info", "SYSTEMD_LOG_TARGET=console", "SYSTEMD_LOG_COLOR=0"},
                    seconds(60));
}

bool IsExecutable(const std::string& path) { return access(path.c_str(), X_OK) == 0; }

// Each test installs into its own scratch directory.
class UnitsTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(scratch_.path().empty()) << "mkdtemp failed"; }
  const std::string& root() const { return scratch_.path(); }
  // Installs under <root>/usr/local without DESTDIR (verify checks that ExecStart's binary
  // exists at the path the unit names) and sets `units` to where the units went.
  void InstallForVerify(std::string* units) {
    std::string prefix = root() + "/usr/local";
    CommandResult install = Install(prefix);
    ASSERT_EQ(0, install.exit_code) << install.Describe();
    *units = prefix + "/lib/systemd/system";
  }

 private:
  ScratchDir scratch_{"berth-units"};
};

TEST_F(UnitsTest, InstallWithPrefixUsrPutsUnitsInLibSystemd) {
  CommandResult install = Install("/usr", root());
  ASSERT_EQ(0, install.exit_code) << install.Describe();
  EXPECT_TRUE(IsExecutable(root() + "/usr/bin/berthd"));
  EXPECT_TRUE(IsExecutable(root() + "/usr/bin/berthctl"));
  std::string service = ReadFile(root() + "/lib/systemd/system/berthd.service");
  EXPECT_EQ("/usr/bin/berthd", Value(ParseUnit(service), "Service.ExecStart")) << service;
  EXPECT_TRUE(fs::is_regular_file(root() + "/lib/systemd/system/berthd.socket"));
  EXPECT_FALSE(fs::exists(root() + "/usr/lib/systemd/system")) << "one place for the units";
}

TEST_F(UnitsTest, InstallWithOtherPrefixPutsUnitsUnderIt) {
  CommandResult install = Install("/usr/local", root());
  ASSERT_EQ(0, install.exit_code) << install.Describe();
  EXPECT_TRUE(IsExecutable(root() + "/usr/local/bin/berthd"));
  EXPECT_TRUE(IsExecutable(root() + "/usr/local/bin/berthctl"));
  std::string service = ReadFile(root() + "/usr/local/lib/systemd/system/berthd.service");
  EXPECT_EQ("/usr/local/bin/berthd", Value(ParseUnit(service), "Service.ExecStart")) << service;
  EXPECT_TRUE(fs::is_regular_file(root() + "/usr/local/lib/systemd/system/berthd.socket"));
  EXPECT_FALSE(fs::exists(root() + "/lib")) << "only PREFIX=/usr uses /lib/systemd/system";
}

TEST_F(UnitsTest, InstalledUnitsPassSystemdAnalyzeVerify) {
  std::string analyze = FindProgram("systemd-analyze");
  ASSERT_FALSE(analyze.empty()) << "systemd-analyze is missing (make test installs systemd)";
  std::string units;
  ASSERT_NO_FATAL_FAILURE(InstallForVerify(&units));
  CommandResult verify = Verify(analyze, {units + "/berthd.service", units + "/berthd.socket"});
  EXPECT_EQ(0, verify.exit_code) << verify.Describe();
  EXPECT_EQ("", verify.err);
  EXPECT_EQ("", verify.out);
}

TEST_F(UnitsTest, VerifyRejectsBrokenCopies) {
  std::string analyze = FindProgram("systemd-analyze");
  ASSERT_FALSE(analyze.empty()) << "systemd-analyze is missing (make test installs systemd)";
  std::string units;
  ASSERT_NO_FATAL_FAILURE(InstallForVerify(&units));
  std::string service = ReadFile(units + "/berthd.service");
  std::string socket = ReadFile(units + "/berthd.socket");
  struct Breakage {
    std::string file, from, to, complaint;
  };
  const std::vector<Breakage> breakages = {
      {"berthd.service", "\nType=notify", "\nTpye=notify", "Tpye"},
      {"berthd.service", "\nKillMode=mixed", "\nKillMode=gently", "gently"},
      {"berthd.service", "ExecStart=" + root() + "/usr/local", "ExecStart=" + root() + "/missing",
       "missing"},
      {"berthd.socket", "\nFileDescriptorName=api", "\nFileDescriptorNam=api", "FileDescriptorNam"},
  };
  for (const Breakage& breakage : breakages) {
    SCOPED_TRACE(breakage.to);
    std::string broken_dir = root() + "/broken";
    fs::remove_all(broken_dir);
    fs::create_directories(broken_dir);
    std::string text = breakage.file == "berthd.service" ? service : socket;
    size_t at = text.find(breakage.from);
    ASSERT_NE(std::string::npos, at) << text;
    text.replace(at, breakage.from.size(), breakage.to);
    ASSERT_TRUE(WriteFile(broken_dir + "/berthd.service",
                          breakage.file == "berthd.service" ? text : service));
    ASSERT_TRUE(
        WriteFile(broken_dir + "/berthd.socket", breakage.file == "berthd.socket" ? text : socket));
    CommandResult verify =
        Verify(analyze, {broken_dir + "/berthd.service", broken_dir + "/berthd.socket"});
    EXPECT_NE(0, verify.exit_code) << verify.Describe();
    EXPECT_NE(std::string::npos, verify.err.find(breakage.complaint)) << verify.Describe();
  }
}

TEST_F(UnitsTest, ServiceIsANotifyServiceWithWatchdogAndDirectories) {
  CommandResult install = Install("/usr", root());
  ASSERT_EQ(0, install.exit_code) << install.Describe();
  std::string text = ReadFile(root() + "/lib/systemd/system/berthd.service");
  UnitSettings service = ParseUnit(text);
  EXPECT_EQ("notify", Value(service, "Service.Type")) << text;
  EXPECT_EQ("main", Value(service, "Service.NotifyAccess"));
  EXPECT_GT(Seconds(Value(service, "Service.WatchdogSec")), 0);
  EXPECT_EQ("mixed", Value(service, "Service.KillMode"));
  EXPECT_EQ("on-failure", Value(service, "Service.Restart"));
  // Apps stop at once, each within its stop_timeout (10 s unless set): leave them that.
  EXPECT_GT(Seconds(Value(service, "Service.TimeoutStopSec")), 10);
  EXPECT_NE(std::string::npos, Value(service, "Service.ExecReload").find("-HUP $MAINPID"));
  EXPECT_EQ("berth", Value(service, "Service.StateDirectory"));
  EXPECT_EQ("berth", Value(service, "Service.ConfigurationDirectory"));
  EXPECT_EQ("berth", Value(service, "Service.RuntimeDirectory"));
  EXPECT_EQ("yes", Value(service, "Service.RuntimeDirectoryPreserve"));
  EXPECT_EQ("berthd.socket", Value(service, "Install.Also"));
  const std::vector<std::string>& wants = service["Unit.Wants"];
  EXPECT_NE(wants.end(), std::find(wants.begin(), wants.end(), "berthd.socket"))
      << "starting the service alone starts its sockets too";
}

TEST_F(UnitsTest, SocketServesTheApiWhereBerthctlLooks) {
  CommandResult install = Install("/usr", root());
  ASSERT_EQ(0, install.exit_code) << install.Describe();
  std::string text = ReadFile(root() + "/lib/systemd/system/berthd.socket");
  UnitSettings socket = ParseUnit(text);
  EXPECT_EQ("api", Value(socket, "Socket.FileDescriptorName")) << text;
  EXPECT_EQ((std::vector<std::string>{"127.0.0.1:7070", "/run/berth/api.sock"}),
            socket["Socket.ListenStream"]);
  EXPECT_EQ("berthd.service", Value(socket, "Socket.Service"));
  EXPECT_EQ("sockets.target", Value(socket, "Install.WantedBy"));
  EXPECT_EQ("berthd.service", Value(socket, "Install.Also"));
}

TEST_F(UnitsTest, NoTokenInTheUnits) {
  CommandResult install = Install("/usr", root());
  ASSERT_EQ(0, install.exit_code) << install.Describe();
  for (const std::string name : {"berthd.service", "berthd.socket"}) {
    SCOPED_TRACE(name);
    std::string text = ReadFile(root() + "/lib/systemd/system/" + name);
    ASSERT_FALSE(text.empty());
    UnitSettings settings = ParseUnit(text);
    for (const auto& [key, values] : settings) {
      EXPECT_EQ(std::string::npos, key.find("SetCredential")) << key;
      EXPECT_EQ(std::string::npos, key.find("EnvironmentFile")) << key;
      for (const std::string& value : values) {
        EXPECT_EQ(std::string::npos, value.find("BERTH_ADMIN_TOKEN")) << key << "=" << value;
      }
    }
    // The credential is read from the credential store by name, never given inline, and a
    // relative source keeps the service starting when the file is absent.
    for (const std::string& credential : settings["Service.LoadCredential"]) {
      EXPECT_EQ("admin-token:berth-admin-token", credential);
    }
  }
}

}  // namespace
}  // namespace berth::testing
