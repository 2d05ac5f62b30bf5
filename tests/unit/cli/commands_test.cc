// Tests for berthctl's commands against a FakeClient: what they send, print and exit with.
#include <gtest/gtest.h>

#include <sstream>

#include "cli/app_format.h"
#include "cli/dispatch.h"
#include "tests/unit/cli/fake_client.h"

namespace berth::cli {
namespace {

constexpr const char* kWhoamiApp = R"({"name":"whoami","kind":"container","source":"api",
  "defined_by":"api","image":"traefik/whoami:v1.11","command":null,"entrypoint":null,
  "ports":[{"host":8081,"container":80,"protocol":"tcp","host_ip":null},
           {"host":5353,"container":53,"protocol":"udp","host_ip":"0.0.0.0"}],
  "volumes":[{"host":"/srv/whoami","container":"/data","read_only":true},
             {"host":"cache","container":"/cache","read_only":false}],
  "limits":{"memory":"256M","cpus":0.5,"pids":null},"user":null,"read_only":false,
  "cap_drop":["ALL"],"cap_add":[],"network":null,"healthcheck":null,"no_new_privileges":true,
  "registry_auth":{"username":"ci","password":"***"},"env":{},"secrets":{"API_KEY":"***"},
  "autostart":true,"restart":"on-failure",
  "status":{"state":"running","pid":null,"since":"2026-11-25T07:55:00.000Z","restarts":1,
            "exit_code":null,"last_error":null,"release":"7","deploying":null,
            "image_id":"sha256:9e1f4a7b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7",
            "container_id":"3f2a1b9c8d7e4f60a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718"}})";

constexpr const char* kWebApp = R"({"name":"web","kind":"process","source":"api","autostart":true,
  "status":{"state":"running","pid":4242,"since":"2026-11-25T08:00:00.000Z","restarts":0,
            "exit_code":null,"last_error":null}})";

// Runs berthctl's dispatcher with a FakeClient and captured streams.
class CommandsTest : public ::testing::Test {
 protected:
  ExitCode run(const std::vector<std::string>& args) {
    auto make_client = [this](const Endpoint& endpoint) -> std::unique_ptr<Client> {
      endpoint_ = endpoint;
      return std::make_unique<ForwardingClient>(&client_);
    };
    Io io{in_, out_, err_};
    return run_berthctl(args, io, env_, make_client, *parse_timestamp("2026-11-25T08:01:00Z"));
  }

  FakeClient client_;
  Endpoint endpoint_;
  EnvLookup env_ = [](const char*) -> std::optional<std::string> { return std::nullopt; };
  std::istringstream in_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(CommandsTest, LsPrintsATable) {
  client_.answer(200, std::string("[") + kWebApp + "]");
  EXPECT_EQ(run({"ls"}), ExitCode::kOk);
  EXPECT_EQ(out_.str(),
            "NAME   KIND      STATE     PID/CONTAINER   SINCE   RESTARTS   SOURCE\n"
            "web    process   running   4242            1m      0          api\n");
  EXPECT_EQ(client_.calls[0].path, "/v1/apps");
}

TEST_F(CommandsTest, LsJsonPrintsTheApiAnswer) {
  client_.answer(200, "[]");
  EXPECT_EQ(run({"ls", "--json"}), ExitCode::kOk);
  EXPECT_EQ(out_.str(), "[]\n");
}

TEST_F(CommandsTest, ApiErrorsPrintTheirMessageAndFieldAndExitOne) {
  client_.answer(422, R"({"error":{"code":"invalid","message":"port is taken","field":"port"}})");
  EXPECT_EQ(run({"show", "web"}), ExitCode::kFailure);
  EXPECT_EQ(err_.str(), "berthctl: port is taken (field: port)\n");
}

TEST_F(CommandsTest, UnauthorizedSuggestsAToken) {
  client_.answer(401, R"({"error":{"code":"unauthorized","message":"a bearer token is needed"}})");
  EXPECT_EQ(run({"ls"}), ExitCode::kFailure);
  EXPECT_EQ(
      err_.str(),
      "berthctl: a bearer token is needed (pass --token, set BERTH_TOKEN or berthctl login)\n");
}

TEST_F(CommandsTest, NonApiErrorsNameTheStatus) {
  client_.answer(502, "Bad Gateway\nmore");
  EXPECT_EQ(run({"ls"}), ExitCode::kFailure);
  EXPECT_EQ(err_.str(),
            "berthctl: berthd at http://127.0.0.1:7070 answered HTTP 502: Bad Gateway\n");
}

TEST_F(CommandsTest, UnreachableExitsTwoNamingTheUrl) {
  client_.fail_to_connect();
  EXPECT_EQ(run({"health"}), ExitCode::kUnreachable);
  EXPECT_NE(err_.str().find("http://127.0.0.1:7070"), std::string::npos);
}

TEST_F(CommandsTest, LsShowsAContainerAppsShortId) {
  client_.answer(200, std::string("[") + kWhoamiApp + "," + kWebApp + "]");
  EXPECT_EQ(run({"ls"}), ExitCode::kOk);
  EXPECT_EQ(out_.str(),
            "NAME     KIND        STATE     PID/CONTAINER   SINCE   RESTARTS   SOURCE\n"
            "whoami   container   running   3f2a1b9c8d7e    6m      1          api\n"
            "web      process     running   4242            1m      0          api\n");
}

TEST_F(CommandsTest, ShowJsonPrintsTheApiAnswer) {
  client_.answer(200, R"({"name":"web"})");
  EXPECT_EQ(run({"show", "web", "--json"}), ExitCode::kOk);
  EXPECT_EQ(out_.str(), "{\n  \"name\": \"web\"\n}\n");
  EXPECT_EQ(client_.calls[0].path, "/v1/apps/web");
}

TEST_F(CommandsTest, ShowLaysOutAProcessApp) {
  client_.answer(200, R"({"name":"web","kind":"process","source":"api","autostart":true,
    "restart":"on-failure","command":["python3","-m","http.server","8080"],"user":"svc_web",
    "port":8080,"env":{"GREETING":"hello"},"secrets":{},
    "status":{"state":"running","pid":4242,"since":"2026-11-25T08:00:00.000Z","restarts":0,
              "exit_code":null,"last_error":null}})");
  EXPECT_EQ(run({"show", "web"}), ExitCode::kOk);
  EXPECT_EQ(out_.str(),
            "name:      web\n"
            "kind:      process\n"
            "state:     running (pid 4242) for 1m\n"
            "restarts:  0\n"
            "command:   python3 -m http.server 8080\n"
            "user:      svc_web\n"
            "port:      8080\n"
            "env:       GREETING=hello\n"
            "autostart: true\n"
            "restart:   on-failure\n"
            "source:    api\n");
}

TEST_F(CommandsTest, ShowLaysOutAContainerApp) {
  client_.answer(200, kWhoamiApp);
  EXPECT_EQ(run({"show", "whoami"}), ExitCode::kOk);
  EXPECT_EQ(out_.str(),
            "name:              whoami\n"
            "kind:              container\n"
            "state:             running (container 3f2a1b9c8d7e) for 6m\n"
            "restarts:          1\n"
            "image:             traefik/whoami:v1.11\n"
            "release:           7 (sha256:9e1f4a7b2c3d)\n"
            "container id:      "
            "3f2a1b9c8d7e4f60a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718\n"
            "ports:             8081→80/tcp, 0.0.0.0:5353→53/udp\n"
            "volumes:           /srv/whoami→/data (read-only), cache→/cache\n"
            "limits:            memory 256M, cpus 0.5\n"
            "read_only:         false\n"
            "cap_drop:          ALL\n"
            "no_new_privileges: true\n"
            "registry_auth:     ci (password ***)\n"
            "secrets:           API_KEY=***\n"
            "autostart:         true\n"
            "restart:           on-failure\n"
            "source:            api\n");
}

TEST_F(CommandsTest, StatsShowsCountersAndUsageInHumanUnits) {
  client_.answer(200, R"({"starts":3,"restarts":2,"exits":2,"last_exit_code":1,
    "last_start":"2026-11-25T07:00:00.000Z","uptime_seconds":3725,"cpu_percent":12.34,
    "memory_bytes":50541363,"memory_limit_bytes":268435456,"pids":7,"net_rx_bytes":1258291,
    "net_tx_bytes":3482,"block_read_bytes":null,"block_write_bytes":null})");
  EXPECT_EQ(run({"stats", "whoami"}), ExitCode::kOk);
  EXPECT_EQ(client_.calls[0].method, "GET");
  EXPECT_EQ(client_.calls[0].path, "/v1/apps/whoami/stats");
  EXPECT_EQ(out_.str(),
            "starts:   3\n"
            "restarts: 2\n"
            "uptime:   1h2m\n"
            "cpu:      12.3%\n"
            "memory:   48.2 MiB of 256.0 MiB (18.8%)\n"
            "pids:     7\n"
            "network:  1.2 MiB received, 3.4 KiB sent\n");
}

TEST_F(CommandsTest, StatsShowsDashesForWhatIsUnknown) {
  client_.answer(200, R"({"starts":0,"restarts":0,"uptime_seconds":0,"cpu_percent":null,
    "memory_bytes":null,"memory_limit_bytes":null,"pids":null})");
  EXPECT_EQ(run({"stats", "web"}), ExitCode::kOk);
  EXPECT_EQ(out_.str(),
            "starts:   0\n"
            "restarts: 0\n"
            "uptime:   0s\n"
            "cpu:      -\n"
            "memory:   -\n"
            "pids:     -\n");
}

TEST_F(CommandsTest, StatsOfAnAppThatDeploysCountsItsDeploymentsByOutcome) {
  client_.answer(200, R"({"starts":1,"restarts":0,"uptime_seconds":60,"cpu_percent":0.5,
    "memory_bytes":null,"pids":1,"deployments":{"processed":5,"succeeded":2,"failed":1,
    "rolled_back":1,"skipped":1,"last_run":"2026-11-25T07:00:00.000Z",
    "last_outcome":"rolled_back"}})");
  EXPECT_EQ(run({"stats", "web"}), ExitCode::kOk);
  EXPECT_EQ(out_.str(),
            "starts:          1\n"
            "restarts:        0\n"
            "uptime:          1m\n"
            "cpu:             0.5%\n"
            "memory:          -\n"
            "pids:            1\n"
            "deployments:     5 (2 succeeded, 1 failed, 1 rolled back, 1 skipped)\n"
            "last deployment: rolled_back, started 2026-11-25T07:00:00.000Z\n");
  out_.str("");
  client_.answer(200, R"({"deployments":{"processed":0,"succeeded":0,"failed":0,
    "rolled_back":0,"skipped":0,"last_run":null,"last_outcome":null}})");
  EXPECT_EQ(run({"stats", "web"}), ExitCode::kOk);
  EXPECT_NE(out_.str().find("last deployment: -\n"), std::string::npos) << out_.str();
}

TEST_F(CommandsTest, StatsMemoryWithoutALimitIsJustTheSize) {
  client_.answer(200, R"({"memory_bytes":2048,"memory_limit_bytes":null})");
  EXPECT_EQ(run({"stats", "web"}), ExitCode::kOk);
  EXPECT_NE(out_.str().find("memory:   2.0 KiB\n"), std::string::npos) << out_.str();
}

TEST_F(CommandsTest, StatsJsonPrintsTheBody) {
  client_.answer(200, R"({"starts":1,"cpu_percent":null})");
  EXPECT_EQ(run({"stats", "web", "--json"}), ExitCode::kOk);
  EXPECT_EQ(out_.str(), "{\n  \"cpu_percent\": null,\n  \"starts\": 1\n}\n");
}

TEST_F(CommandsTest, StatsOfAnUnknownAppFails) {
  client_.answer(404, R"({"error":{"code":"not_found","message":"no app called ghost"}})");
  EXPECT_EQ(run({"stats", "ghost"}), ExitCode::kFailure);
  EXPECT_EQ(err_.str(), "berthctl: no app called ghost\n");
  EXPECT_EQ(run({"stats"}), ExitCode::kUsage);
}

TEST_F(CommandsTest, ApplyPutsTheFileWithoutCommentsAndSaysCreated) {
  in_.str("// my app\n{\"name\": \"web\", /* inline */ \"command\": \"true\"}\n");
  client_.answer(201, kWebApp);
  EXPECT_EQ(run({"apply", "-f", "-"}), ExitCode::kOk);
  EXPECT_EQ(out_.str(), "created web\n");
  ASSERT_EQ(client_.calls.size(), 1u);
  EXPECT_EQ(client_.calls[0].method, "PUT");
  EXPECT_EQ(client_.calls[0].path, "/v1/apps/web");
  EXPECT_EQ(client_.calls[0].body, R"({"command":"true","name":"web"})");
}

TEST_F(CommandsTest, ApplySaysReplacedOn200) {
  in_.str(R"({"name": "web"})");
  client_.answer(200, kWebApp);
  EXPECT_EQ(run({"apply", "-f", "-"}), ExitCode::kOk);
  EXPECT_EQ(out_.str(), "replaced web\n");
}

TEST_F(CommandsTest, ApplyRefusesADefinitionWithoutNameOrNotJson) {
  in_.str(R"({"command": "true"})");
  EXPECT_EQ(run({"apply", "-f", "-"}), ExitCode::kFailure);
  EXPECT_NE(err_.str().find("\"name\""), std::string::npos);
  in_.clear();
  in_.str("{oops");
  EXPECT_EQ(run({"apply", "-f", "-"}), ExitCode::kFailure);
  EXPECT_NE(err_.str().find("not valid JSON"), std::string::npos);
  EXPECT_TRUE(client_.calls.empty());
}

TEST_F(CommandsTest, ApplyWithoutFileIsAUsageError) {
  EXPECT_EQ(run({"apply"}), ExitCode::kUsage);
  EXPECT_EQ(run({"apply", "-f", "/nonexistent/app.json"}), ExitCode::kFailure);
  EXPECT_NE(err_.str().find("cannot read /nonexistent/app.json"), std::string::npos);
}

TEST_F(CommandsTest, RmDeletesAndPurges) {
  client_.answer(204, "");
  EXPECT_EQ(run({"rm", "web", "--purge"}), ExitCode::kOk);
  EXPECT_EQ(client_.calls[0].method, "DELETE");
  EXPECT_EQ(client_.calls[0].path, "/v1/apps/web?purge=true");
  EXPECT_EQ(out_.str(), "purged web\n");
}

TEST_F(CommandsTest, ControlPostsTheCommandAndPrintsTheNewState) {
  client_.answer(202, R"({"name":"web","status":{"state":"stopping"}})");
  EXPECT_EQ(run({"stop", "web"}), ExitCode::kOk);
  EXPECT_EQ(client_.calls[0].method, "POST");
  EXPECT_EQ(client_.calls[0].path, "/v1/apps/web/control");
  EXPECT_EQ(client_.calls[0].body, R"({"command":"stop"})");
  EXPECT_EQ(out_.str(), "web: stopping\n");
}

TEST_F(CommandsTest, PauseAndUnpausePostTheirCommands) {
  client_.answer(202, R"({"name":"web","status":{"state":"paused"}})");
  client_.answer(202, R"({"name":"web","status":{"state":"running"}})");
  EXPECT_EQ(run({"pause", "web"}), ExitCode::kOk);
  EXPECT_EQ(run({"unpause", "web"}), ExitCode::kOk);
  ASSERT_EQ(client_.calls.size(), 2u);
  EXPECT_EQ(client_.calls[0].method, "POST");
  EXPECT_EQ(client_.calls[0].path, "/v1/apps/web/control");
  EXPECT_EQ(client_.calls[0].body, R"({"command":"pause"})");
  EXPECT_EQ(client_.calls[1].body, R"({"command":"unpause"})");
  EXPECT_EQ(out_.str(), "web: paused\nweb: running\n");
}

TEST_F(CommandsTest, PauseRefusedPrintsTheApiMessage) {
  client_.answer(409, R"({"error":{"code":"conflict","message":"app 'web' is not running"}})");
  EXPECT_EQ(run({"pause", "web"}), ExitCode::kFailure);
  EXPECT_EQ(err_.str(), "berthctl: app 'web' is not running\n");
  EXPECT_EQ(run({"unpause"}), ExitCode::kUsage);
}

TEST_F(CommandsTest, NamesAreEscapedInPaths) {
  client_.answer(404, R"({"error":{"code":"not_found","message":"no app \"a/b\""}})");
  EXPECT_EQ(run({"show", "a/b?x"}), ExitCode::kFailure);
  EXPECT_EQ(client_.calls[0].path, "/v1/apps/a%2Fb%3Fx");
}

TEST_F(CommandsTest, LogsPrintsLines) {
  client_.answer(200, R"([{"seq":1,"ts":"T","stream":"stdout","line":"hello"},
                          {"seq":2,"ts":"T","stream":"stderr","line":"oops"}])");
  EXPECT_EQ(run({"logs", "web", "-n", "2"}), ExitCode::kOk);
  EXPECT_EQ(client_.calls[0].path, "/v1/apps/web/logs?entries=2");
  EXPECT_EQ(out_.str(), "hello\noops\n");
}

TEST_F(CommandsTest, LogsRejectsABadCount) {
  EXPECT_EQ(run({"logs", "web", "-n", "ten"}), ExitCode::kUsage);
  EXPECT_TRUE(client_.calls.empty());
}

TEST_F(CommandsTest, LogsFollowPrintsEachLineOfTheStream) {
  client_.stream_chunks({": keepalive\n\nid: 1\nevent: log\ndata: {\"line\":\"a\"}\n",
                         "\nid: 2\nevent: log\nda", "ta: {\"line\":\"b\"}\n\n"});
  EXPECT_EQ(run({"logs", "web", "-f", "-n", "5"}), ExitCode::kOk);
  EXPECT_EQ(client_.calls[0].path, "/v1/apps/web/logs?follow=true&entries=5");
  EXPECT_EQ(out_.str(), "a\nb\n");
}

TEST_F(CommandsTest, LogsFollowJsonPrintsTheRawObjects) {
  client_.stream_chunks({"event: log\ndata: {\"seq\":1,\"line\":\"a\"}\n\n"});
  EXPECT_EQ(run({"logs", "web", "-f", "--json"}), ExitCode::kOk);
  EXPECT_EQ(out_.str(), "{\"seq\":1,\"line\":\"a\"}\n");
}

TEST_F(CommandsTest, LogsFollowReportsAnErrorAnswer) {
  client_.answer(404, R"({"error":{"code":"not_found","message":"no app called web"}})");
  EXPECT_EQ(run({"logs", "web", "-f"}), ExitCode::kFailure);
  EXPECT_EQ(err_.str(), "berthctl: no app called web\n");
}

TEST_F(CommandsTest, EventsPrintsStateChanges) {
  client_.stream_chunks(
      {"event: app\ndata: {\"app\":\"web\",\"from\":\"starting\",\"to\":"
       "\"running\",\"ts\":\"T\",\"pid\":9,\"exit_code\":null}\n\n"});
  EXPECT_EQ(run({"events"}), ExitCode::kOk);
  EXPECT_EQ(client_.calls[0].path, "/v1/events");
  EXPECT_EQ(out_.str(), "T web starting -> running (pid 9)\n");
}

TEST_F(CommandsTest, HealthIsOkWhenEveryAutostartAppRuns) {
  client_.answer(200, std::string("[") + kWebApp +
                          R"(,{"name":"batch","autostart":false,"status":{"state":"stopped"}}])");
  EXPECT_EQ(run({"health"}), ExitCode::kOk);
  EXPECT_EQ(out_.str(), "ok: 1 of 1 autostart apps running\n");
}

TEST_F(CommandsTest, HealthListsAppsThatAreDown) {
  client_.answer(200, std::string("[") + kWebApp +
                          R"(,{"name":"db","autostart":true,"status":{"state":"failed",
                               "last_error":"exited with 1 five times"}}])");
  EXPECT_EQ(run({"health"}), ExitCode::kFailure);
  EXPECT_EQ(out_.str(),
            "unhealthy: 1 of 2 autostart apps not running or failing their health check\n"
            "  db: failed (exited with 1 five times)\n");
}

TEST_F(CommandsTest, HealthListsAppsThatFailTheirHealthCheckButNotThoseStillStarting) {
  client_.answer(200, R"([{"name":"api","status":{"state":"running","health":{"status":"unhealthy",
                            "failures":3,"last_error":"GET http://127.0.0.1:80/up answered 500"}}},
                          {"name":"web","status":{"state":"running","health":{"status":"starting",
                            "failures":1,"last_error":"refused"}}}])");
  EXPECT_EQ(run({"health"}), ExitCode::kFailure);
  EXPECT_EQ(out_.str(),
            "unhealthy: 1 of 2 autostart apps not running or failing their health check\n"
            "  api: running, unhealthy (3 failures: GET http://127.0.0.1:80/up answered 500)\n");
}

TEST_F(CommandsTest, ShowSaysHowTheHealthCheckGoes) {
  client_.answer(200, R"({"name":"web","status":{"state":"running","health":{"status":"starting",
                           "failures":1,"last_error":"refused"}}})");
  EXPECT_EQ(run({"show", "web"}), ExitCode::kOk);
  EXPECT_NE(out_.str().find("health: starting (1 failure: refused)\n"), std::string::npos)
      << out_.str();
}

TEST_F(CommandsTest, VersionAsksTheServer) {
  client_.answer(200, R"({"status":"ok","version":"9.9.9"})");
  EXPECT_EQ(run({"version"}), ExitCode::kOk);
  EXPECT_EQ(out_.str(),
            std::string("berthctl ") + BERTH_VERSION + "\nberthd 9.9.9 at http://127.0.0.1:7070\n");
  EXPECT_EQ(client_.calls[0].path, "/up");
}

TEST_F(CommandsTest, UsageErrorsExit64) {
  EXPECT_EQ(run({}), ExitCode::kUsage);
  EXPECT_EQ(run({"frobnicate"}), ExitCode::kUsage);
  EXPECT_EQ(run({"show"}), ExitCode::kUsage);
  EXPECT_EQ(run({"show", "a", "b"}), ExitCode::kUsage);
  EXPECT_EQ(run({"ls", "--purge"}), ExitCode::kUsage);
  EXPECT_EQ(run({"--url", "ftp://x", "ls"}), ExitCode::kUsage);
  EXPECT_NE(err_.str().find("usage: berthctl"), std::string::npos);
  EXPECT_TRUE(client_.calls.empty());
}

TEST_F(CommandsTest, HelpListsEveryCommand) {
  EXPECT_EQ(run({"--help"}), ExitCode::kOk);
  for (const Command* command : all_commands()) {
    EXPECT_NE(out_.str().find(std::string(command->name)), std::string::npos) << command->name;
  }
  EXPECT_EQ(run({"logs", "--help"}), ExitCode::kOk);
  EXPECT_NE(out_.str().find("logs NAME [-n N] [-f]"), std::string::npos);
}

TEST_F(CommandsTest, RedeployWaitFollowsTheLogAndFailsWithTheDeployment) {
  client_.answer(202, R"J({"name":"web","status":{"deploying":7}})J");
  client_.answer(200, R"J({"id":7,"outcome":"running","error":null,"log":"==> fetching\n"})J");
  client_.answer(200, R"J({"id":7,"outcome":"running","error":null,"log":"==> fetching\n"})J");
  client_.answer(200,
                 R"J({"id":7,"outcome":"failed","error":"npm ci failed (exit 1)",)J"
                 R"J("log":"==> fetching\n==> npm ci\n==> failed: npm ci failed (exit 1)\n"})J");
  EXPECT_EQ(run({"redeploy", "web", "--wait"}), ExitCode::kFailure);
  EXPECT_EQ(out_.str(),
            "web: deployment 7 started\n"
            "==> fetching\n==> npm ci\n==> failed: npm ci failed (exit 1)\n"
            "web: deployment 7 failed: npm ci failed (exit 1)\n");
  ASSERT_EQ(client_.calls.size(), 4u);
  EXPECT_EQ(client_.calls[0].method, "POST");
  EXPECT_EQ(client_.calls[3].path, "/v1/apps/web/deployments/7?log=true");
}

TEST_F(CommandsTest, RedeployWaitFailsWhenTheDeploymentRolledBack) {
  client_.answer(202, R"J({"name":"web","status":{"deploying":9}})J");
  client_.answer(200, R"J({"id":9,"outcome":"rolled_back","error":"health check failed",)J"
                      R"J("log":"==> release 8 serves again\n"})J");
  EXPECT_EQ(run({"redeploy", "web", "--wait"}), ExitCode::kFailure);
  EXPECT_EQ(out_.str(),
            "web: deployment 9 started\n==> release 8 serves again\n"
            "web: deployment 9 rolled_back: health check failed\n");
}

TEST_F(CommandsTest, DeploymentsListShowsEveryOutcome) {
  client_.answer(200, R"([{"id":3,"trigger":"redeploy","outcome":"rolled_back","revision":null,
    "release":null,"started":"2026-11-25T07:00:00.000Z","duration_ms":1500,
    "error":"health check failed"},{"id":2,"trigger":"redeploy","outcome":"skipped",
    "revision":null,"release":null,"started":"2026-11-25T06:00:00.000Z","duration_ms":20,
    "error":null}])");
  EXPECT_EQ(run({"deployments", "web"}), ExitCode::kOk);
  EXPECT_NE(out_.str().find("rolled_back"), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("skipped"), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("health check failed"), std::string::npos) << out_.str();
}

TEST_F(CommandsTest, RollbackWaitEndsWithTheOutcome) {
  client_.answer(202, R"({"name":"web","status":{"deploying":8}})");
  client_.answer(200, R"({"id":8,"outcome":"succeeded","error":null,"log":"==> serving\n"})");
  EXPECT_EQ(run({"rollback", "web", "3", "--wait"}), ExitCode::kOk);
  EXPECT_EQ(out_.str(), "web: deployment 8 started\n==> serving\nweb: deployment 8 succeeded\n");
  EXPECT_EQ(*client_.calls[0].body, R"({"command":"rollback","release":"3"})");
}

TEST_F(CommandsTest, GlobalFlagsWorkBeforeAndAfterTheCommand) {
  client_.answer(200, "[]");
  client_.answer(200, "[]");
  EXPECT_EQ(run({"--url", "http://a:1", "--token", "t1", "ls"}), ExitCode::kOk);
  EXPECT_EQ(endpoint_.base_url, "http://a:1");
  EXPECT_EQ(endpoint_.token, "t1");
  EXPECT_EQ(run({"ls", "--url=unix:/x.sock", "--token", "t2"}), ExitCode::kOk);
  EXPECT_EQ(endpoint_.unix_socket, "/x.sock");
  EXPECT_EQ(endpoint_.token, "t2");
}

}  // namespace
}  // namespace berth::cli
