// Black-box tests of what survives berthd: acknowledged writes across kill -9, autostart after
// a restart, and a clean SIGTERM shutdown that stops every app.
#include <algorithm>

#include "tests/integration/berthd_harness.h"

namespace berth::testing {
namespace {

using PersistenceTest = BerthdTest;

TEST_F(PersistenceTest, AcknowledgedCreateSurvivesKill9) {
  nlohmann::json spec = ProcessApp("pers-create", Sh("exec sleep 1000"),
                                   {{"autostart", false}, {"env", {{"KEPT", "yes"}}}});
  ASSERT_EQ(201, berthd().Post("/v1/apps", spec).status);
  berthd().Kill9();
  ASSERT_TRUE(berthd().Restart());
  HttpResponse fetched = berthd().Get("/v1/apps/pers-create");
  ASSERT_EQ(200, fetched.status) << fetched.Describe();
  EXPECT_EQ(spec["command"], fetched.json()["command"]);
  EXPECT_EQ("yes", fetched.json()["env"].value("KEPT", ""));
}

TEST_F(PersistenceTest, AcknowledgedPatchAndDeleteSurviveKill9) {
  for (const char* name : {"pers-patch", "pers-delete"}) {
    ASSERT_EQ(201,
              berthd()
                  .Post("/v1/apps", ProcessApp(name, Sh("exec sleep 1000"), {{"autostart", false}}))
                  .status);
  }
  ASSERT_EQ(200, berthd().Patch("/v1/apps/pers-patch", {{"env", {{"V", "2"}}}}).status);
  ASSERT_EQ(204, berthd().Delete("/v1/apps/pers-delete").status);
  berthd().Kill9();
  ASSERT_TRUE(berthd().Restart());
  HttpResponse patched = berthd().Get("/v1/apps/pers-patch");
  ASSERT_EQ(200, patched.status) << patched.Describe();
  EXPECT_EQ("2", patched.json()["env"].value("V", ""));
  EXPECT_EQ(404, berthd().Get("/v1/apps/pers-delete").status);
}

TEST_F(PersistenceTest, AutostartAppsComeBackAndOthersStayStopped) {
  ASSERT_EQ(201, berthd().Post("/v1/apps", ProcessApp("pers-auto", Sh("exec sleep 1000"))).status);
  ASSERT_EQ(201, berthd()
                     .Post("/v1/apps",
                           ProcessApp("pers-manual", Sh("exec sleep 1000"), {{"autostart", false}}))
                     .status);
  ASSERT_EQ(
      202,
      berthd().Post("/v1/apps/pers-manual/control", nlohmann::json{{"command", "start"}}).status);
  auto automatic = berthd().WaitForState("pers-auto", "running");
  ASSERT_TRUE(automatic) << berthd().LastSeen();
  auto manual = berthd().WaitForState("pers-manual", "running");
  ASSERT_TRUE(manual) << berthd().LastSeen();
  pid_t auto_pid = static_cast<pid_t>(AppPid(*automatic));
  pid_t manual_pid = static_cast<pid_t>(AppPid(*manual));

  ASSERT_EQ(0, berthd().Stop());
  EXPECT_FALSE(ProcessAlive(auto_pid)) << "SIGTERM to berthd stops its apps";
  EXPECT_FALSE(ProcessAlive(manual_pid)) << "SIGTERM to berthd stops its apps";

  ASSERT_TRUE(berthd().Restart());
  auto back = berthd().WaitForNewPid("pers-auto", auto_pid);
  ASSERT_TRUE(back) << berthd().LastSeen();
  EXPECT_TRUE(ProcessAlive(static_cast<pid_t>(AppPid(*back))));
  HttpResponse still = berthd().Get("/v1/apps/pers-manual");
  EXPECT_EQ("stopped", AppState(still.json())) << still.Describe();
}

TEST_F(PersistenceTest, SigtermStopsStubbornAppsAndExitsZero) {
  nlohmann::json spec = ProcessApp(
      "pers-stubborn", Sh("trap '' TERM; sleep 1000 & echo ready; wait"), {{"stop_timeout", 1}});
  ASSERT_EQ(201, berthd().Post("/v1/apps", spec).status);
  auto running = berthd().WaitForState("pers-stubborn", "running");
  ASSERT_TRUE(running) << berthd().LastSeen();
  ASSERT_TRUE(berthd().WaitForLogLine("pers-stubborn", "ready")) << berthd().LastSeen();
  pid_t pid = static_cast<pid_t>(AppPid(*running));

  EXPECT_EQ(0, berthd().Stop());
  EXPECT_TRUE(WaitUntil([&] { return LiveProcessesInGroup(pid).empty(); }, seconds(5)))
      << LiveProcessesInGroup(pid).size() << " processes of group " << pid << " survived";
}

// supervisord's order: the highest priority stops first, and the next priority only once it
// has stopped; the lowest starts first.
TEST_F(PersistenceTest, AppsStopAndStartByPriority) {
  // On TERM each app says so, takes a moment, and says it is done: were both stopped at once,
  // the other's first line would come in between.
  auto app = [](const std::string& name, int priority) {
    return ProcessApp(name,
                      Sh("trap 'echo term; sleep 0.3; echo done; exit 0' TERM; echo ready; "
                         "sleep 1000 & wait"),
                      {{"priority", priority}});
  };
  ASSERT_EQ(201, berthd().Post("/v1/apps", app("prio-last", 1)).status);
  ASSERT_EQ(201, berthd().Post("/v1/apps", app("prio-first", 500)).status);
  for (const char* name : {"prio-last", "prio-first"})
    ASSERT_TRUE(berthd().WaitForLogLine(name, "ready")) << berthd().LastSeen();

  ASSERT_EQ(0, berthd().Stop());
  std::string log = berthd().StderrContents();
  std::vector<size_t> at;
  for (const char* line : {"prio-first[stdout]: term", "prio-first[stdout]: done",
                           "prio-last[stdout]: term", "prio-last[stdout]: done"}) {
    at.push_back(log.find(line));
    ASSERT_NE(std::string::npos, at.back()) << line << " missing from:\n" << log;
  }
  EXPECT_TRUE(std::is_sorted(at.begin(), at.end())) << log;

  ASSERT_TRUE(berthd().Restart());
  for (const char* name : {"prio-last", "prio-first"})
    ASSERT_TRUE(berthd().WaitForLogLine(name, "ready")) << berthd().LastSeen();
  log = berthd().StderrContents();
  size_t last_started = log.rfind("app prio-last: stopped -> starting");
  size_t first_started = log.rfind("app prio-first: stopped -> starting");
  ASSERT_NE(std::string::npos, last_started) << log;
  ASSERT_NE(std::string::npos, first_started) << log;
  EXPECT_LT(last_started, first_started) << "priority 1 starts before 500:\n" << log;
}

TEST_F(PersistenceTest, StateIsKeptAcrossCleanRestart) {
  ASSERT_EQ(201, berthd()
                     .Post("/v1/apps", ProcessApp("pers-b", Sh("exec sleep 1000"),
                                                  {{"autostart", false}, {"port", 18600}}))
                     .status);
  ASSERT_EQ(201, berthd()
                     .Post("/v1/apps", ProcessApp("pers-a", Sh("exec sleep 1000"),
                                                  {{"autostart", false}, {"port", 18601}}))
                     .status);
  ASSERT_EQ(0, berthd().Stop());
  ASSERT_TRUE(berthd().Restart());
  HttpResponse list = berthd().Get("/v1/apps");
  ASSERT_EQ(200, list.status) << list.Describe();
  ASSERT_EQ(2u, list.json().size()) << list.body;
  EXPECT_EQ("pers-a", list.json()[0].value("name", ""));
  EXPECT_EQ(18601, list.json()[0].value("port", 0));
  EXPECT_EQ("pers-b", list.json()[1].value("name", ""));
  EXPECT_EQ(18600, list.json()[1].value("port", 0));
  // The port of a stored app is still taken.
  HttpResponse clash = berthd().Post(
      "/v1/apps",
      ProcessApp("pers-c", Sh("exec sleep 1000"), {{"autostart", false}, {"port", 18600}}));
  EXPECT_TRUE(IsApiError(clash, 409, "conflict"));
}

TEST_F(PersistenceTest, SigintAlsoStopsAppsAndExitsZero) {
  ASSERT_EQ(201,
            berthd().Post("/v1/apps", ProcessApp("pers-sigint", Sh("exec sleep 1000"))).status);
  auto running = berthd().WaitForState("pers-sigint", "running");
  ASSERT_TRUE(running) << berthd().LastSeen();
  EXPECT_EQ(0, berthd().StopWith(SIGINT));
  EXPECT_FALSE(ProcessAlive(static_cast<pid_t>(AppPid(*running))));
}

}  // namespace
}  // namespace berth::testing
