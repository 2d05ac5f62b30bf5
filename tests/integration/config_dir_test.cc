// Black-box tests of apps defined by files in <config>/apps.d: loaded at start, kept in step with
// the directory through inotify (create, edit, atomic rename, delete), refused with a visible
// error when broken, read-only through the API but controllable, watched also while the config
// dir is missing, rescanned on SIGHUP.
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>

#include <thread>

#include "tests/integration/berthd_harness.h"

namespace berth::testing {
namespace {

const char kCommentedApp[] = R"(// an app defined by a file
{
  "name": "cfg-file",  // must match the file name
  "kind": "process",
  /* block comments too */
  "command": ["/bin/sh", "-c", "echo from-file; exec sleep 1000"],
  "autostart": true,
  "start_seconds": 1
}
)";

std::string AppsDir(const BerthdProcess& berthd) { return berthd.config_dir() + "/apps.d"; }

std::string AppFile(const BerthdProcess& berthd, const std::string& name) {
  return AppsDir(berthd) + "/" + name + ".json";
}

// Writes apps.d/<name>.json atomically, as an editor or config tool would.
bool WriteAppFile(const BerthdProcess& berthd, const std::string& name,
                  const std::string& contents) {
  mkdir(AppsDir(berthd).c_str(), 0755);
  std::string temp = AppsDir(berthd) + "/." + name + ".tmp";
  return WriteFile(temp, contents) && rename(temp.c_str(), AppFile(berthd, name).c_str()) == 0;
}

nlohmann::json SleepApp(const std::string& name, const nlohmann::json& extra = {}) {
  return ProcessApp(name, Sh("exec sleep 1000"),
                    extra.is_null() ? nlohmann::json::object() : extra);
}

// Writes a sleeping app's file, starts berthd and waits for the app to run; nullopt if it does
// not.
std::optional<nlohmann::json> StartWithFileApp(BerthdProcess& berthd, const std::string& name) {
  if (!WriteAppFile(berthd, name, SleepApp(name).dump()) || !berthd.Start()) return std::nullopt;
  return berthd.WaitForState(name, "running");
}

// A matcher for /v1/events "config" events of `app` with `action`.
std::function<bool(const SseEvent&)> ConfigEventOf(const std::string& app,
                                                   const std::string& action) {
  return [app, action](const SseEvent& event) {
    nlohmann::json data = event.json();
    return event.event == "config" && data.value("app", "") == app &&
           data.value("action", "") == action;
  };
}

std::string LastError(const nlohmann::json& app) {
  const nlohmann::json& error = app["status"]["last_error"];
  return error.is_string() ? error.get<std::string>() : "";
}

TEST(ConfigDirTest, FileAppIsLoadedReadOnlyAndControllable) {
  BerthdProcess berthd;
  ASSERT_TRUE(WriteAppFile(berthd, "cfg-file", kCommentedApp));
  ASSERT_TRUE(berthd.Start());

  auto running = berthd.WaitForState("cfg-file", "running");
  ASSERT_TRUE(running) << berthd.LastSeen();
  EXPECT_EQ("file", running->value("source", ""));
  EXPECT_TRUE(berthd.WaitForLogLine("cfg-file", "from-file")) << berthd.LastSeen();

  nlohmann::json replacement = SleepApp("cfg-file", {{"autostart", false}});
  HttpResponse put = berthd.Put("/v1/apps/cfg-file", replacement);
  EXPECT_TRUE(IsApiError(put, 409, "conflict"));
  EXPECT_NE(std::string::npos, put.json()["error"].value("message", "").find("cfg-file.json"))
      << put.Describe();
  EXPECT_TRUE(
      IsApiError(berthd.Patch("/v1/apps/cfg-file", {{"env", {{"A", "b"}}}}), 409, "conflict"));
  EXPECT_TRUE(IsApiError(berthd.Delete("/v1/apps/cfg-file"), 409, "conflict"));
  EXPECT_TRUE(IsApiError(berthd.Post("/v1/apps", replacement), 409, "conflict"));

  HttpResponse stop = berthd.Post("/v1/apps/cfg-file/control", nlohmann::json{{"command", "stop"}});
  EXPECT_EQ(202, stop.status) << stop.Describe();
  EXPECT_TRUE(berthd.WaitForState("cfg-file", "stopped")) << berthd.LastSeen();
}

TEST(ConfigDirTest, FileAddedWhileRunningIsPickedUp) {
  BerthdProcess berthd;
  ASSERT_TRUE(berthd.Start());
  ASSERT_EQ(404, berthd.Get("/v1/apps/cfg-late").status);
  ASSERT_TRUE(WriteAppFile(berthd, "cfg-late", SleepApp("cfg-late").dump(2)));
  auto running = berthd.WaitForState("cfg-late", "running");
  ASSERT_TRUE(running) << berthd.LastSeen();
  EXPECT_EQ("file", running->value("source", ""));
}

TEST(ConfigDirTest, FileWrittenInPlaceIsPickedUp) {
  BerthdProcess berthd;
  ASSERT_TRUE(berthd.Start());
  // open(O_TRUNC) + write + close, as `echo > file` does: applied on close.
  ASSERT_TRUE(WriteFile(AppFile(berthd, "cfg-inplace"), SleepApp("cfg-inplace").dump()));
  EXPECT_TRUE(berthd.WaitForState("cfg-inplace", "running")) << berthd.LastSeen();
}

TEST(ConfigDirTest, BrokenFileDoesNotStopTheDaemon) {
  BerthdProcess berthd;
  ASSERT_TRUE(WriteAppFile(berthd, "cfg-broken", "{ this is not json"));
  ASSERT_TRUE(WriteAppFile(berthd, "cfg-good", SleepApp("cfg-good").dump()));
  ASSERT_TRUE(berthd.Start());
  EXPECT_TRUE(berthd.WaitForState("cfg-good", "running")) << berthd.LastSeen();
  EXPECT_EQ(404, berthd.Get("/v1/apps/cfg-broken").status);
  EXPECT_TRUE(WaitUntil([&] {
    std::string log = berthd.StderrContents();
    return log.find("cfg-broken.json: not valid JSON") != std::string::npos;
  })) << berthd.StderrContents();
}

TEST(ConfigDirTest, AnEditReplacesTheAppAndRestartsIt) {
  BerthdProcess berthd;
  auto first = StartWithFileApp(berthd, "cfg-edit");
  ASSERT_TRUE(first) << berthd.LastSeen();

  nlohmann::json edited = SleepApp("cfg-edit", {{"env", {{"EDITION", "2"}}}});
  ASSERT_TRUE(WriteAppFile(berthd, "cfg-edit", edited.dump()));
  auto second = berthd.WaitForNewPid("cfg-edit", AppPid(*first));
  ASSERT_TRUE(second) << berthd.LastSeen();
  EXPECT_EQ("2", (*second)["env"].value("EDITION", ""));
  EXPECT_EQ("2", ProcessEnv(static_cast<pid_t>(AppPid(*second)))["EDITION"]);
}

TEST(ConfigDirTest, AnUnchangedRewriteLeavesTheAppAlone) {
  BerthdProcess berthd;
  nlohmann::json spec = SleepApp("cfg-same");
  ASSERT_TRUE(WriteAppFile(berthd, "cfg-same", spec.dump()));
  ASSERT_TRUE(berthd.Start());
  auto running = berthd.WaitForState("cfg-same", "running");
  ASSERT_TRUE(running) << berthd.LastSeen();
  auto events = berthd.OpenSse("/v1/events");
  ASSERT_EQ(200, events->WaitForStatus());

  // Same definition, other formatting and a comment; then a marker file. Changes are applied in
  // order, so once the marker's app exists the rewrite has been looked at.
  ASSERT_TRUE(WriteAppFile(berthd, "cfg-same", "// reformatted\n" + spec.dump(4)));
  ASSERT_TRUE(WriteAppFile(berthd, "cfg-marker", SleepApp("cfg-marker").dump()));
  ASSERT_TRUE(events->WaitForEvent(ConfigEventOf("cfg-marker", "created"))) << events->RawBody();

  auto after = berthd.Get("/v1/apps/cfg-same").json();
  EXPECT_EQ(AppPid(*running), AppPid(after)) << after.dump();
  EXPECT_EQ((*running)["status"]["since"], after["status"]["since"]) << after.dump();
  for (const SseEvent& event : events->AllEvents())
    EXPECT_FALSE(ConfigEventOf("cfg-same", "replaced")(event)) << event.data;
}

TEST(ConfigDirTest, DeletingTheFileRemovesTheApp) {
  BerthdProcess berthd;
  auto running = StartWithFileApp(berthd, "cfg-gone");
  ASSERT_TRUE(running) << berthd.LastSeen();
  pid_t pid = static_cast<pid_t>(AppPid(*running));

  ASSERT_EQ(0, unlink(AppFile(berthd, "cfg-gone").c_str()));
  EXPECT_TRUE(WaitUntil([&] { return berthd.Get("/v1/apps/cfg-gone").status == 404; }));
  EXPECT_TRUE(WaitUntil([&] { return !ProcessAlive(pid); }));
}

TEST(ConfigDirTest, ABrokenEditKeepsTheLastGoodDefinitionAndShowsWhy) {
  BerthdProcess berthd;
  auto running = StartWithFileApp(berthd, "cfg-bad");
  ASSERT_TRUE(running) << berthd.LastSeen();
  auto events = berthd.OpenSse("/v1/events");
  ASSERT_EQ(200, events->WaitForStatus());

  ASSERT_TRUE(WriteAppFile(berthd, "cfg-bad", "{\"command\": [\"/bin/true\"],"));
  auto invalid = events->WaitForEvent(ConfigEventOf("cfg-bad", "invalid"));
  ASSERT_TRUE(invalid) << events->RawBody();
  EXPECT_NE(std::string::npos, invalid->json().value("error", "").find("not valid JSON"))
      << invalid->data;
  auto shown = berthd.WaitForApp("cfg-bad",
                                 [](const nlohmann::json& app) { return !LastError(app).empty(); });
  ASSERT_TRUE(shown) << berthd.LastSeen();
  EXPECT_NE(std::string::npos, LastError(*shown).find("cfg-bad.json")) << LastError(*shown);
  EXPECT_EQ("running", AppState(*shown));
  EXPECT_EQ(AppPid(*running), AppPid(*shown));
  EXPECT_EQ((*running)["command"], (*shown)["command"]);
  EXPECT_NE(std::string::npos, berthd.StderrContents().find("cfg-bad.json: not valid JSON"));

  // A definition that parses but does not validate names the field.
  ASSERT_TRUE(WriteAppFile(berthd, "cfg-bad", SleepApp("cfg-bad", {{"port", 0}}).dump()));
  auto port = berthd.WaitForApp("cfg-bad", [](const nlohmann::json& app) {
    return LastError(app).find("port") != std::string::npos;
  });
  EXPECT_TRUE(port) << berthd.LastSeen();

  // Fixing the file clears the error.
  ASSERT_TRUE(WriteAppFile(berthd, "cfg-bad", SleepApp("cfg-bad", {{"port", 18977}}).dump()));
  auto fixed = berthd.WaitForApp("cfg-bad", [](const nlohmann::json& app) {
    return LastError(app).empty() && app["port"] == 18977;
  });
  EXPECT_TRUE(fixed) << berthd.LastSeen();
}

TEST(ConfigDirTest, ANameInTheBodyMustMatchTheFileName) {
  BerthdProcess berthd;
  ASSERT_TRUE(berthd.Start());
  auto events = berthd.OpenSse("/v1/events");
  ASSERT_EQ(200, events->WaitForStatus());
  ASSERT_TRUE(WriteAppFile(berthd, "cfg-one", SleepApp("cfg-other").dump()));
  auto invalid = events->WaitForEvent(ConfigEventOf("cfg-one", "invalid"));
  ASSERT_TRUE(invalid) << events->RawBody();
  EXPECT_NE(std::string::npos, invalid->json().value("error", "").find("name")) << invalid->data;
  EXPECT_EQ(404, berthd.Get("/v1/apps/cfg-one").status);
  EXPECT_EQ(404, berthd.Get("/v1/apps/cfg-other").status);
}

TEST(ConfigDirTest, AnApiAppKeepsItsNameAgainstAFile) {
  BerthdProcess berthd;
  ASSERT_TRUE(berthd.Start());
  nlohmann::json api_spec = SleepApp("cfg-clash", {{"env", {{"FROM", "api"}}}});
  ASSERT_EQ(201, berthd.Put("/v1/apps/cfg-clash", api_spec).status);
  auto events = berthd.OpenSse("/v1/events");
  ASSERT_EQ(200, events->WaitForStatus());

  nlohmann::json file_spec = SleepApp("cfg-clash", {{"env", {{"FROM", "file"}}}});
  ASSERT_TRUE(WriteAppFile(berthd, "cfg-clash", file_spec.dump()));
  auto invalid = events->WaitForEvent(ConfigEventOf("cfg-clash", "invalid"));
  ASSERT_TRUE(invalid) << events->RawBody();
  EXPECT_NE(std::string::npos, invalid->json().value("error", "").find("API")) << invalid->data;
  nlohmann::json app = berthd.Get("/v1/apps/cfg-clash").json();
  EXPECT_EQ("api", app.value("source", ""));
  EXPECT_EQ("api", app["env"].value("FROM", ""));
  EXPECT_EQ("", LastError(app));
}

// A berthd whose config dir and its parent do not exist: <root>/etc/berth.
BerthdProcess::Options MissingConfigDir() {
  BerthdProcess::Options options;
  options.config_subdir = "etc/berth";
  return options;
}

bool Shell(const std::string& script) {
  CommandResult result = RunCommand({"/bin/sh", "-c", script});
  EXPECT_EQ(0, result.exit_code) << script << ": " << result.Describe();
  return result.exit_code == 0;
}

TEST(ConfigDirTest, AConfigDirMadeAfterStartIsWatchedAndMadeAgainAfterRemoval) {
  BerthdProcess berthd(MissingConfigDir());
  ASSERT_TRUE(berthd.Start());
  std::string apps = AppsDir(berthd);
  std::string file = AppFile(berthd, "cfg-later");
  std::string write = "mkdir -p " + apps + " && cat > " + file + " <<'JSON'\n" +
                      SleepApp("cfg-later").dump() + "\nJSON\n";

  ASSERT_TRUE(Shell(write));
  auto running = berthd.WaitForState("cfg-later", "running");
  ASSERT_TRUE(running) << berthd.LastSeen();
  EXPECT_EQ("file", running->value("source", ""));

  ASSERT_TRUE(Shell("rm -rf " + berthd.config_dir()));
  EXPECT_TRUE(WaitUntil([&] { return berthd.Get("/v1/apps/cfg-later").status == 404; }));
  EXPECT_TRUE(WaitUntil([&] { return !ProcessAlive(static_cast<pid_t>(AppPid(*running))); }));

  ASSERT_TRUE(Shell("rm -rf " + berthd.root_dir() + "/etc && " + write));
  EXPECT_TRUE(berthd.WaitForState("cfg-later", "running")) << berthd.LastSeen();
}

TEST(ConfigDirTest, AConfigDirMovedIntoPlaceIsApplied) {
  BerthdProcess berthd(MissingConfigDir());
  ASSERT_TRUE(berthd.Start());
  std::string prepared = berthd.root_dir() + "/prepared";
  ASSERT_TRUE(Shell("mkdir -p " + prepared + "/apps.d"));
  ASSERT_TRUE(WriteFile(prepared + "/apps.d/cfg-moved.json", SleepApp("cfg-moved").dump()));

  ASSERT_TRUE(
      Shell("mkdir " + berthd.root_dir() + "/etc && mv " + prepared + " " + berthd.config_dir()));
  EXPECT_TRUE(berthd.WaitForState("cfg-moved", "running")) << berthd.LastSeen();
}

TEST(ConfigDirTest, ReplacingAppsDWithTwoMovesRestartsNothing) {
  // mv apps.d apps.d.old; mv apps.d.new apps.d: the directory is briefly missing, which must
  // not read as "every file app was deleted".
  BerthdProcess berthd;
  auto running = StartWithFileApp(berthd, "cfg-swap");
  ASSERT_TRUE(running) << berthd.LastSeen();
  std::string apps = AppsDir(berthd), next = apps + ".new";
  ASSERT_EQ(0, mkdir(next.c_str(), 0755));
  ASSERT_TRUE(WriteFile(next + "/cfg-swap.json", SleepApp("cfg-swap").dump()));
  ASSERT_EQ(0, rename(apps.c_str(), (apps + ".old").c_str()));
  std::this_thread::sleep_for(milliseconds(50));  // the admin's second command
  ASSERT_EQ(0, rename(next.c_str(), apps.c_str()));

  // The app keeps its process the whole time.
  EXPECT_FALSE(WaitUntil(
      [&] {
        nlohmann::json app = berthd.Get("/v1/apps/cfg-swap").json();
        return AppState(app) != "running" || AppPid(app) != AppPid(*running);
      },
      milliseconds(2000)))
      << berthd.Get("/v1/apps/cfg-swap").Describe();
}

TEST(ConfigDirTest, SighupRescansTheDirectory) {
  BerthdProcess berthd;
  // A file linked to one elsewhere: edits of the target are no event in apps.d.
  std::string target = berthd.root_dir() + "/cfg-hup.json";
  ASSERT_TRUE(WriteFile(target, SleepApp("cfg-hup").dump()));
  ASSERT_EQ(0, mkdir(AppsDir(berthd).c_str(), 0755));
  ASSERT_EQ(0, symlink(target.c_str(), AppFile(berthd, "cfg-hup").c_str()));
  ASSERT_TRUE(berthd.Start());
  auto first = berthd.WaitForState("cfg-hup", "running");
  ASSERT_TRUE(first) << berthd.LastSeen();

  ASSERT_TRUE(WriteFile(target, SleepApp("cfg-hup", {{"env", {{"EDITION", "2"}}}}).dump()));
  ASSERT_EQ(0, kill(berthd.pid(), SIGHUP));
  auto second = berthd.WaitForNewPid("cfg-hup", AppPid(*first));
  ASSERT_TRUE(second) << berthd.LastSeen();
  EXPECT_EQ("2", (*second)["env"].value("EDITION", ""));
}

TEST(ConfigDirTest, FilesThatAreNotDefinitionsAreIgnored) {
  BerthdProcess berthd;
  ASSERT_TRUE(berthd.Start());
  auto events = berthd.OpenSse("/v1/events");
  ASSERT_EQ(200, events->WaitForStatus());
  mkdir(AppsDir(berthd).c_str(), 0755);
  ASSERT_TRUE(WriteFile(AppsDir(berthd) + "/README", "notes"));
  ASSERT_TRUE(WriteFile(AppsDir(berthd) + "/cfg-swap.json.swp", "junk"));
  ASSERT_TRUE(WriteFile(AppsDir(berthd) + "/.cfg-hidden.json", "junk"));
  ASSERT_TRUE(WriteAppFile(berthd, "cfg-real", SleepApp("cfg-real").dump()));
  ASSERT_TRUE(events->WaitForEvent(ConfigEventOf("cfg-real", "created"))) << events->RawBody();
  nlohmann::json apps = berthd.Get("/v1/apps").json();
  ASSERT_EQ(1u, apps.size()) << apps.dump();
  for (const SseEvent& event : events->AllEvents())
    EXPECT_EQ(std::string::npos, event.data.find("invalid")) << event.data;
}

}  // namespace
}  // namespace berth::testing
