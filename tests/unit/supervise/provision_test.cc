// ProvisionFromEnvironment: SERVICES, SERVICES_COUNT/SVC_<i>_* and the SERVICE_A/B slots.
#include "supervise/provision.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace berth {
namespace {

using Argv = std::vector<std::string>;
using Strings = std::vector<std::string>;
using Env = std::map<std::string, std::string>;

::testing::AssertionResult Has(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "'" << text << "' does not contain '" << part << "'";
}

Strings Names(const ProvisionResult& r) {
  Strings names;
  for (const AppSpec& app : r.apps) names.push_back(app.name);
  return names;
}

// The name the SERVICES form gives a repository when no name is set.
std::string DerivedName(const std::string& repo) {
  ProvisionResult r = ProvisionFromEnvironment({{"SERVICES", repo}});
  EXPECT_EQ(r.errors, Strings{}) << repo;
  return r.apps.size() == 1 ? r.apps[0].name : "<none>";
}

TEST(ProvisionTest, EmptyEnvironmentGivesNothing) {
  ProvisionResult r = ProvisionFromEnvironment({{"PATH", "/usr/bin"}, {"HOME", "/root"}});
  EXPECT_EQ(Names(r), Strings{});
  EXPECT_EQ(r.errors, Strings{});
}

TEST(ProvisionTest, ServicesEntryWithEveryField) {
  ProvisionResult r = ProvisionFromEnvironment(
      {{"SERVICES", "https://git.example.com/acme/api.git|8081|v1.2|web|www-data|./run --x 1"}});
  ASSERT_EQ(r.errors, Strings{});
  ASSERT_EQ(r.apps.size(), 1u);
  const AppSpec& app = r.apps[0];
  EXPECT_EQ(app.name, "web");
  EXPECT_EQ(app.kind(), AppKind::kProcess);
  EXPECT_TRUE(app.autostart);
  EXPECT_EQ(app.process()->port, 8081);
  EXPECT_EQ(app.process()->user, "www-data");
  EXPECT_EQ(app.process()->command, (Argv{"/bin/sh", "-c", "./run --x 1"}));
  EXPECT_TRUE(app.process()->shell_command);
  EXPECT_TRUE(app.env.empty());
  ASSERT_TRUE(app.source.has_value());
  EXPECT_EQ(app.source->type, SourceSpec::Type::kGit);
  EXPECT_EQ(app.source->url, "https://git.example.com/acme/api.git");
  EXPECT_EQ(app.source->ref, "v1.2");
  EXPECT_EQ(app.process()->install.mode, InstallSpec::Mode::kAuto);
}

TEST(ProvisionTest, ServicesDefaultsAndTrimming) {
  ProvisionResult r = ProvisionFromEnvironment(
      {{"SERVICES", "  https://h/a/one.git ; ;\n git://h/two |  | main |  |  | ;  "}});
  ASSERT_EQ(r.errors, Strings{});
  ASSERT_EQ(Names(r), (Strings{"one", "two"}));
  EXPECT_EQ(r.apps[0].process()->port, std::nullopt);
  EXPECT_EQ(r.apps[0].source->ref, "");
  EXPECT_EQ(r.apps[0].process()->user, "");
  EXPECT_TRUE(r.apps[0].process()->command.empty());
  EXPECT_EQ(r.apps[1].source->url, "git://h/two");
  EXPECT_EQ(r.apps[1].source->ref, "main");
}

TEST(ProvisionTest, ServicesCommandKeepsPipes) {
  ProvisionResult r =
      ProvisionFromEnvironment({{"SERVICES", "file:///srv/app||||| ./gen | ./serve "}});
  ASSERT_EQ(r.errors, Strings{});
  ASSERT_EQ(r.apps.size(), 1u);
  EXPECT_EQ(r.apps[0].process()->command, (Argv{"/bin/sh", "-c", "./gen | ./serve"}));
}

TEST(ProvisionTest, NameDerivedFromRepository) {
  EXPECT_EQ(DerivedName("https://h/Acme/My_API.git"), "my-api");
  EXPECT_EQ(DerivedName("file:///x/123.git"), "app-123");
  EXPECT_EQ(DerivedName("https://h/x/42-Answer.GIT/"), "answer");
  EXPECT_EQ(DerivedName("https://h/x/a__b..c--d_"), "a-b-c-d");
  EXPECT_EQ(DerivedName("https://h/x/___.git"), "app");
  EXPECT_EQ(DerivedName("https://h/x/repo.git?ref=1#top"), "repo");
  EXPECT_EQ(DerivedName("https://h/x/" + std::string(40, 'a') + ".git"), std::string(32, 'a'));
  EXPECT_EQ(DerivedName("https://h/x/" + std::string(31, 'a') + "_b"), std::string(31, 'a'));
}

TEST(ProvisionTest, BadServicesEntriesSkippedOthersKept) {
  ProvisionResult r = ProvisionFromEnvironment(
      {{"SERVICES",
        "https://h/good1;https://x|abc;ftp://h/r;https://u:s3cr3tT0k@h/r.git;|8080;"
        "https://h/r|70000;https://h/r||main|Bad_Name;https://h/r||||bad user!;"
        "https://h/good2|8082"}});
  EXPECT_EQ(Names(r), (Strings{"good1", "good2"}));
  ASSERT_EQ(r.errors.size(), 7u);
  EXPECT_EQ(r.errors[0],
            "SERVICES entry 2 ('https://x|abc'): port 'abc' is not a number from 1 to 65535");
  EXPECT_TRUE(Has(r.errors[1],
                  "SERVICES entry 3 ('ftp://h/r'): repo 'ftp://h/r' must "
                  "start with https://, http://, file:// or git://"));
  EXPECT_TRUE(Has(r.errors[2],
                  "SERVICES entry 4 ('https://***@h/r.git'): repo must not "
                  "hold credentials"));
  EXPECT_FALSE(Has(r.errors[2], "s3cr3tT0k"));
  EXPECT_EQ(r.errors[3], "SERVICES entry 5 ('|8080'): repo is required");
  EXPECT_TRUE(Has(r.errors[4], "port '70000' is not a number from 1 to 65535"));
  EXPECT_TRUE(Has(r.errors[5], "name 'Bad_Name' must match"));
  // Reported by ParseAppSpec through the round trip.
  EXPECT_TRUE(Has(r.errors[6], "SERVICES entry 8 ('https://h/r||||bad user!'): user must"));
}

TEST(ProvisionTest, RoundTripAppliesParseAppSpecChecks) {
  ProvisionResult r =
      ProvisionFromEnvironment({{"SERVICE_A_REPO", "https://h/a"}, {"SERVICE_A_SUBDIR", "../etc"}});
  EXPECT_EQ(Names(r), Strings{});
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0], "SERVICE_A: source.git.subdir must be a relative path without '..'");
}

TEST(ProvisionTest, NumberedServices) {
  ProvisionResult r = ProvisionFromEnvironment({{"SERVICES_COUNT", " 2 "},
                                                {"SVC_1_REPO", "https://h/x/Front-End.git"},
                                                {"SVC_1_PORT", "3000"},
                                                {"SVC_1_CMD", "npm start; echo done"},
                                                {"SVC_2_REPO", "https://h/x/worker"},
                                                {"SVC_2_REF", "release"},
                                                {"SVC_2_NAME", "jobs"},
                                                {"SVC_2_USER", "jobs_user"}});
  ASSERT_EQ(r.errors, Strings{});
  ASSERT_EQ(Names(r), (Strings{"front-end", "jobs"}));
  EXPECT_EQ(r.apps[0].process()->port, 3000);
  EXPECT_EQ(r.apps[0].process()->command, (Argv{"/bin/sh", "-c", "npm start; echo done"}));
  EXPECT_EQ(r.apps[1].process()->port, std::nullopt);
  EXPECT_EQ(r.apps[1].source->ref, "release");
  EXPECT_EQ(r.apps[1].process()->user, "jobs_user");
}

TEST(ProvisionTest, NumberedServiceErrors) {
  ProvisionResult r = ProvisionFromEnvironment({{"SERVICES_COUNT", "3"},
                                                {"SVC_1_REPO", "https://h/one"},
                                                {"SVC_2_PORT", "8080"},
                                                {"SVC_3_REPO", "https://h/three"},
                                                {"SVC_3_PORT", "0"},
                                                {"SVC_0_REPO", "https://h/zero"},
                                                {"SVC_4_REPO", "https://h/four"}});
  EXPECT_EQ(Names(r), (Strings{"one"}));
  EXPECT_EQ(r.errors, (Strings{"SVC_2: SVC_2_REPO is required",
                               "SVC_3: SVC_3_PORT '0' is not a number from 1 to 65535",
                               "SVC_0_REPO is ignored: SERVICES_COUNT is 3, so only SVC_1_* to "
                               "SVC_3_* are read",
                               "SVC_4_REPO is ignored: SERVICES_COUNT is 3, so only SVC_1_* to "
                               "SVC_3_* are read"}));
}

TEST(ProvisionTest, NumberedServicesNeedAValidCount) {
  ProvisionResult r = ProvisionFromEnvironment({{"SVC_1_REPO", "https://h/one"}});
  EXPECT_EQ(Names(r), Strings{});
  EXPECT_EQ(r.errors, (Strings{"SVC_1_REPO is ignored: set SERVICES_COUNT to the number "
                               "of SVC_<i> services"}));

  r = ProvisionFromEnvironment({{"SERVICES_COUNT", "two"}, {"SVC_1_REPO", "https://h/one"}});
  EXPECT_EQ(Names(r), Strings{});
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_TRUE(Has(r.errors[0], "SERVICES_COUNT 'two' is not a whole number from 0 to"));

  r = ProvisionFromEnvironment({{"SERVICES_COUNT", "0"}, {"SVC_01_REPO", "https://h/one"}});
  EXPECT_EQ(r.errors, (Strings{"SVC_01_REPO is ignored: SERVICES_COUNT is 0"}));
}

TEST(ProvisionTest, UnrelatedSvcVariablesAreIgnored) {
  ProvisionResult r = ProvisionFromEnvironment(
      {{"SVC_1_COLOR", "blue"}, {"SVC_X_REPO", "https://h/x"}, {"SVC_2_REPO", "  "}});
  EXPECT_EQ(Names(r), Strings{});
  EXPECT_EQ(r.errors, Strings{});
}

TEST(ProvisionTest, LegacySlotsAutoMode) {
  ProvisionResult r = ProvisionFromEnvironment({{"SERVICE_A_REPO", "https://h/a.git"},
                                                {"SERVICE_A_REF", "v2"},
                                                {"SERVICE_A_SUBDIR", "web"},
                                                {"SERVICE_A_CMD", "python3 app.py"},
                                                {"SERVICE_A_INSTALL_CMD", "make deps"},
                                                {"SERVICE_B_PORT", "9999"}});
  ASSERT_EQ(r.errors, Strings{});
  ASSERT_EQ(Names(r), (Strings{"service-a"}));
  const AppSpec& a = r.apps[0];
  EXPECT_EQ(a.process()->port, 8080);
  EXPECT_EQ(a.source->type, SourceSpec::Type::kGit);
  EXPECT_EQ(a.source->ref, "v2");
  EXPECT_EQ(a.source->subdir, "web");
  EXPECT_EQ(a.process()->command, (Argv{"/bin/sh", "-c", "python3 app.py"}));
  EXPECT_EQ(a.process()->install.mode, InstallSpec::Mode::kCommand);
  EXPECT_EQ(a.process()->install.command, (Argv{"/bin/sh", "-c", "make deps"}));
  EXPECT_TRUE(a.process()->install.shell_command);
}

TEST(ProvisionTest, LegacyTarballSlot) {
  ProvisionResult r = ProvisionFromEnvironment({{"SERVICE_B_TARBALL", "https://h/b.tar.gz"},
                                                {"SERVICE_B_SUBDIR", "b-1.0"},
                                                {"SERVICE_B_REF", "ignored"},
                                                {"SERVICE_B_NAME", "shop"},
                                                {"SERVICE_B_ENABLED", "Yes"}});
  ASSERT_EQ(r.errors, Strings{});
  ASSERT_EQ(Names(r), (Strings{"shop"}));
  const AppSpec& b = r.apps[0];
  EXPECT_EQ(b.process()->port, 9090);
  EXPECT_EQ(b.source->type, SourceSpec::Type::kTarball);
  EXPECT_EQ(b.source->url, "https://h/b.tar.gz");
  EXPECT_EQ(b.source->subdir, "b-1.0");
  EXPECT_EQ(b.source->ref, "");
  EXPECT_EQ(b.process()->install.mode, InstallSpec::Mode::kAuto);
}

TEST(ProvisionTest, LegacySlotDisabled) {
  for (const char* off : {"false", "0", "no", "FALSE", " off "}) {
    ProvisionResult r = ProvisionFromEnvironment({{"SERVICE_A_REPO", "https://h/a"},
                                                  {"SERVICE_A_ENABLED", off},
                                                  {"SERVICE_B_REPO", "https://h/b"}});
    EXPECT_EQ(r.errors, Strings{}) << off;
    EXPECT_EQ(Names(r), (Strings{"service-b"})) << off;
  }
  ProvisionResult r =
      ProvisionFromEnvironment({{"SERVICE_A_REPO", "https://h/a"}, {"SERVICE_A_ENABLED", "maybe"}});
  EXPECT_EQ(Names(r), Strings{});
  EXPECT_EQ(r.errors, (Strings{"SERVICE_A: SERVICE_A_ENABLED 'maybe' must be true or false "
                               "(1/0, yes/no, on/off)"}));
}

TEST(ProvisionTest, LegacyAlwaysModeNeedsASource) {
  ProvisionResult r = ProvisionFromEnvironment(
      {{"DEFAULT_SERVICES_MODE", "always"}, {"SERVICE_B_TARBALL", "file:///srv/b.tgz"}});
  EXPECT_EQ(Names(r), (Strings{"service-b"}));
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_TRUE(Has(r.errors[0], "SERVICE_A: SERVICE_A_REPO or SERVICE_A_TARBALL is required"));

  r = ProvisionFromEnvironment({{"DEFAULT_SERVICES_MODE", "Always"},
                                {"SERVICE_A_ENABLED", "false"},
                                {"SERVICE_B_TARBALL", "file:///srv/b.tgz"}});
  EXPECT_EQ(r.errors, Strings{});
  EXPECT_EQ(Names(r), (Strings{"service-b"}));
}

TEST(ProvisionTest, LegacyNeverModeAndBadMode) {
  Env env = {{"SERVICE_A_REPO", "https://h/a"}, {"SERVICES", "https://h/other"}};
  env["DEFAULT_SERVICES_MODE"] = "never";
  ProvisionResult r = ProvisionFromEnvironment(env);
  EXPECT_EQ(r.errors, Strings{});
  EXPECT_EQ(Names(r), (Strings{"other"}));

  env["DEFAULT_SERVICES_MODE"] = "sometimes";
  r = ProvisionFromEnvironment(env);
  EXPECT_EQ(Names(r), (Strings{"other"}));
  EXPECT_EQ(r.errors, (Strings{"DEFAULT_SERVICES_MODE 'sometimes' must be auto, always or "
                               "never; SERVICE_A and SERVICE_B are skipped"}));
}

TEST(ProvisionTest, LegacySlotErrors) {
  ProvisionResult r = ProvisionFromEnvironment({{"SERVICE_A_REPO", "https://h/a"},
                                                {"SERVICE_A_TARBALL", "https://h/a.tgz"},
                                                {"SERVICE_B_REPO", "https://h/b"},
                                                {"SERVICE_B_PORT", "http"}});
  EXPECT_EQ(Names(r), Strings{});
  EXPECT_EQ(r.errors,
            (Strings{"SERVICE_A: set SERVICE_A_REPO or SERVICE_A_TARBALL, not both",
                     "SERVICE_B: SERVICE_B_PORT 'http' is not a number from 1 to 65535"}));
}

TEST(ProvisionTest, LegacySlotPortsMustDiffer) {
  ProvisionResult r = ProvisionFromEnvironment({{"SERVICE_A_REPO", "https://h/a"},
                                                {"SERVICE_B_REPO", "https://h/b"},
                                                {"SERVICE_B_PORT", "8080"}});
  EXPECT_EQ(Names(r), (Strings{"service-a"}));
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_TRUE(Has(r.errors[0], "SERVICE_B: port 8080 is also SERVICE_A's port"));
  EXPECT_TRUE(Has(r.errors[0], "SERVICE_A_PORT and SERVICE_B_PORT"));
}

TEST(ProvisionTest, DuplicatesAcrossFormsRefusedOnTheLaterEntry) {
  ProvisionResult r = ProvisionFromEnvironment({{"SERVICES", "https://h/api|8080;https://h/api"},
                                                {"SERVICES_COUNT", "2"},
                                                {"SVC_1_REPO", "https://h/web"},
                                                {"SVC_1_PORT", "8080"},
                                                {"SVC_2_REPO", "https://h/x"},
                                                {"SVC_2_NAME", "service-a"},
                                                {"SVC_2_PORT", "9000"},
                                                {"SERVICE_A_REPO", "https://h/a"},
                                                {"SERVICE_A_PORT", "8181"},
                                                {"SERVICE_B_REPO", "https://h/b"},
                                                {"SERVICE_B_PORT", "9000"}});
  EXPECT_EQ(Names(r), (Strings{"api", "service-a"}));
  EXPECT_EQ(r.apps[1].source->url, "https://h/x");
  EXPECT_EQ(r.errors,
            (Strings{"SERVICES entry 2 ('https://h/api'): name 'api' is already taken by "
                     "SERVICES entry 1",
                     "SVC_1: port 8080 is already taken by SERVICES entry 1 (app 'api')",
                     "SERVICE_A: name 'service-a' is already taken by SVC_2",
                     "SERVICE_B: port 9000 is already taken by SVC_2 (app 'service-a')"}));
}

TEST(ProvisionTest, ProducedSpecsSurviveTheJsonRoundTrip) {
  ProvisionResult r =
      ProvisionFromEnvironment({{"SERVICES", "https://h/one|8001|main|one|nobody|./run"},
                                {"SERVICE_A_TARBALL", "http://h/a.tar.xz"},
                                {"SERVICE_A_INSTALL_CMD", "pip install ."}});
  ASSERT_EQ(r.errors, Strings{});
  ASSERT_EQ(r.apps.size(), 2u);
  for (const AppSpec& app : r.apps) {
    Result<AppSpec> again = ParseAppSpec(AppSpecToJson(app, true), app.name);
    ASSERT_TRUE(again.ok()) << again.status().message();
    EXPECT_EQ(*again, app);
  }
}

}  // namespace
}  // namespace berth
