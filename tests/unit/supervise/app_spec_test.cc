// Tests of AppSpec: parsing and validation of app definitions (API.md "App"), the canonical
// JSON round trip and which changes make a running app restart.
#include "supervise/app_spec.h"
#include "tests/unit/supervise/rejected_field.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <string>

namespace berth {
namespace {

using nlohmann::json;

// The full example of API.md.
json FullExample() {
  return json::parse(R"({
    "name": "web",
    "kind": "process",
    "command": ["python3", "-m", "http.server", "8080"],
    "directory": "/srv/web",
    "user": "svc_web",
    "env": {"GREETING": "hello"},
    "secrets": {},
    "port": 8080,
    "autostart": true,
    "restart": "on-failure",
    "start_seconds": 1,
    "stop_signal": "TERM",
    "stop_timeout": 10,
    "backoff": {"initial_ms": 100, "max_ms": 30000},
    "max_retries": 5,
    "priority": 10,
    "start_limit": {"burst": 10, "interval_seconds": 10},
    "log_forward": true,
    "log_ring": {"lines": 1000, "bytes": 1048576},
    "deploy": {"strategy": "manual", "interval": 300, "signature_header": "", "secret": "",
               "timeout": 180, "zero_downtime": null, "drain_seconds": 30},
    "routes": [],
    "health": null
  })");
}

json Minimal() { return {{"command", {"sleep", "10"}}}; }

json With(json base, const std::string& key, json value) {
  base[key] = std::move(value);
  return base;
}

AppSpec ParseOrDie(const json& j, const std::string& name = "web") {
  Result<AppSpec> spec = ParseAppSpec(j, name);
  EXPECT_TRUE(spec.ok()) << spec.status().message() << " for " << j.dump();
  return spec.ok() ? spec.value() : AppSpec{};
}

TEST(AppSpecTest, ParsesTheFullExampleOfTheApi) {
  AppSpec spec = ParseOrDie(FullExample());
  EXPECT_EQ(spec.name, "web");
  EXPECT_EQ(spec.kind(), AppKind::kProcess);
  EXPECT_EQ(spec.process()->command,
            (std::vector<std::string>{"python3", "-m", "http.server", "8080"}));
  EXPECT_FALSE(spec.process()->shell_command);
  EXPECT_EQ(spec.process()->directory, "/srv/web");
  EXPECT_EQ(spec.process()->user, "svc_web");
  EXPECT_EQ(spec.env, (std::map<std::string, std::string>{{"GREETING", "hello"}}));
  EXPECT_EQ(spec.process()->port, 8080);
  EXPECT_TRUE(spec.autostart);
  EXPECT_EQ(spec.restart, RestartPolicy::kOnFailure);
  EXPECT_EQ(spec.start_seconds, 1);
  EXPECT_EQ(spec.stop_signal, "TERM");
  EXPECT_EQ(spec.stop_timeout, 10);
  EXPECT_EQ(spec.backoff, (Backoff{100, 30000}));
  EXPECT_EQ(spec.max_retries, 5);
  EXPECT_EQ(spec.priority, 10);
}

TEST(AppSpecTest, DefaultsForAMinimalDefinition) {
  AppSpec spec = ParseOrDie(Minimal(), "svc");
  EXPECT_EQ(spec.name, "svc");
  EXPECT_EQ(spec.kind(), AppKind::kProcess);
  EXPECT_EQ(spec.process()->command, (std::vector<std::string>{"sleep", "10"}));
  EXPECT_EQ(spec.process()->directory, "");
  EXPECT_EQ(spec.process()->user, "");
  EXPECT_TRUE(spec.env.empty());
  EXPECT_FALSE(spec.process()->port.has_value());
  EXPECT_TRUE(spec.autostart);
  EXPECT_EQ(spec.restart, RestartPolicy::kOnFailure);
  EXPECT_EQ(spec.start_seconds, 1);
  EXPECT_EQ(spec.stop_signal, "TERM");
  EXPECT_EQ(spec.stop_timeout, 10);
  EXPECT_EQ(spec.backoff.initial_ms, 100);
  EXPECT_EQ(spec.backoff.max_ms, 30000);
  EXPECT_EQ(spec.max_retries, 5);
}

TEST(AppSpecTest, ValidNames) {
  for (const std::string& name : std::vector<std::string>{
           "a", "web-1", "a0", "z-", std::string(32, 'x'), "a" + std::string(31, '9')}) {
    EXPECT_TRUE(IsValidAppName(name)) << name;
    EXPECT_TRUE(ParseAppSpec(Minimal(), name).ok()) << name;
  }
}

TEST(AppSpecTest, InvalidNamesAreRejectedNamingTheField) {
  for (const std::string& name :
       std::vector<std::string>{"", "Web", "1a", "a_b", std::string(33, 'x'), "../x", "-a", "a b",
                                "a.b", "wEb", "a/b"}) {
    EXPECT_FALSE(IsValidAppName(name)) << name;
    EXPECT_EQ(RejectedField(Minimal(), name), "name") << name;
  }
}

TEST(AppSpecTest, BodyNameMustMatchTheGivenName) {
  EXPECT_TRUE(ParseAppSpec(With(Minimal(), "name", "web"), "web").ok());
  EXPECT_EQ(RejectedField(With(Minimal(), "name", "api"), "web"), "name");
  EXPECT_EQ(RejectedField(With(Minimal(), "name", 7), "web"), "name");
}

TEST(AppSpecTest, NotAnObjectIsRejected) {
  for (const json& j : {json::array({1}), json("web"), json(nullptr), json(3)})
    EXPECT_FALSE(ParseAppSpec(j, "web").ok()) << j.dump();
}

TEST(AppSpecTest, StringCommandRunsThroughTheShell) {
  AppSpec spec = ParseOrDie({{"command", "echo hi && sleep 1"}});
  EXPECT_TRUE(spec.process()->shell_command);
  EXPECT_EQ(spec.process()->command,
            (std::vector<std::string>{"/bin/sh", "-c", "echo hi && sleep 1"}));
}

TEST(AppSpecTest, CommandIsRequiredAndNotEmpty) {
  EXPECT_EQ(RejectedField(json::object()), "command");
  EXPECT_EQ(RejectedField({{"command", json::array()}}), "command");
  EXPECT_EQ(RejectedField({{"command", ""}}), "command");
  EXPECT_EQ(RejectedField({{"command", "  \t"}}), "command");
  EXPECT_EQ(RejectedField({{"command", 42}}), "command");
  EXPECT_EQ(RejectedField({{"command", nullptr}}), "command");
  EXPECT_EQ(RejectedField({{"command", {{"a", "b"}}}}), "command");
}

TEST(AppSpecTest, CommandElementsMustBeStrings) {
  EXPECT_EQ(RejectedField({{"command", {"ls", 1}}}), "command[1]");
  EXPECT_EQ(RejectedField({{"command", json::array({nullptr})}}), "command[0]");
  EXPECT_EQ(RejectedField({{"command", {"ls", "-l", json::array()}}}), "command[2]");
  EXPECT_EQ(RejectedField({{"command", json::array({""})}}), "command[0]");
}

TEST(AppSpecTest, EnvValuesMustBeStrings) {
  AppSpec spec = ParseOrDie({{"command", "true"}, {"env", {{"A", "1"}, {"_B2", ""}}}});
  EXPECT_EQ(spec.env, (std::map<std::string, std::string>{{"A", "1"}, {"_B2", ""}}));
  EXPECT_EQ(RejectedField({{"command", "true"}, {"env", {{"X", 1}}}}), "env.X");
  EXPECT_EQ(RejectedField({{"command", "true"}, {"env", {{"OK", "y"}, {"X", nullptr}}}}), "env.X");
  EXPECT_EQ(RejectedField({{"command", "true"}, {"env", {{"X", json::array({"a"})}}}}), "env.X");
  EXPECT_EQ(RejectedField({{"command", "true"}, {"env", "A=1"}}), "env");
}

TEST(AppSpecTest, EnvNamesMustBeVariableNames) {
  EXPECT_EQ(RejectedField({{"command", "true"}, {"env", {{"1X", "v"}}}}), "env.1X");
  EXPECT_EQ(RejectedField({{"command", "true"}, {"env", {{"A=B", "v"}}}}), "env.A=B");
}

TEST(AppSpecTest, PortBounds) {
  EXPECT_EQ(ParseOrDie(With(Minimal(), "port", 1)).process()->port, 1);
  EXPECT_EQ(ParseOrDie(With(Minimal(), "port", 65535)).process()->port, 65535);
  EXPECT_EQ(RejectedField(With(Minimal(), "port", 0)), "port");
  EXPECT_EQ(RejectedField(With(Minimal(), "port", 65536)), "port");
  EXPECT_EQ(RejectedField(With(Minimal(), "port", -1)), "port");
  EXPECT_EQ(RejectedField(With(Minimal(), "port", "80")), "port");
  EXPECT_EQ(RejectedField(With(Minimal(), "port", 80.5)), "port");
  EXPECT_EQ(RejectedField(With(Minimal(), "port", true)), "port");
}

TEST(AppSpecTest, RestartValues) {
  EXPECT_EQ(ParseOrDie(With(Minimal(), "restart", "always")).restart, RestartPolicy::kAlways);
  EXPECT_EQ(ParseOrDie(With(Minimal(), "restart", "on-failure")).restart,
            RestartPolicy::kOnFailure);
  EXPECT_EQ(ParseOrDie(With(Minimal(), "restart", "never")).restart, RestartPolicy::kNever);
  EXPECT_EQ(RejectedField(With(Minimal(), "restart", "sometimes")), "restart");
  EXPECT_EQ(RejectedField(With(Minimal(), "restart", "Always")), "restart");
  EXPECT_EQ(RejectedField(With(Minimal(), "restart", 1)), "restart");
}

TEST(AppSpecTest, StopSignalValues) {
  for (const char* name : {"TERM", "INT", "QUIT", "HUP", "KILL", "USR1", "USR2"})
    EXPECT_EQ(ParseOrDie(With(Minimal(), "stop_signal", name)).stop_signal, name);
  for (const char* name : {"SIGTERM", "term", "STOP", "9", ""})
    EXPECT_EQ(RejectedField(With(Minimal(), "stop_signal", name)), "stop_signal") << name;
  EXPECT_EQ(RejectedField(With(Minimal(), "stop_signal", 15)), "stop_signal");
}

TEST(AppSpecTest, StopSignalNumbers) {
  EXPECT_EQ(StopSignalNumber("TERM"), SIGTERM);
  EXPECT_EQ(StopSignalNumber("INT"), SIGINT);
  EXPECT_EQ(StopSignalNumber("QUIT"), SIGQUIT);
  EXPECT_EQ(StopSignalNumber("HUP"), SIGHUP);
  EXPECT_EQ(StopSignalNumber("KILL"), SIGKILL);
  EXPECT_EQ(StopSignalNumber("USR1"), SIGUSR1);
  EXPECT_EQ(StopSignalNumber("USR2"), SIGUSR2);
  EXPECT_EQ(StopSignalNumber("STOP"), 0);
  EXPECT_EQ(StopSignalNumber(""), 0);
}

TEST(AppSpecTest, KindIsProcessOrContainer) {
  EXPECT_EQ(ParseOrDie(With(Minimal(), "kind", "process")).kind(), AppKind::kProcess);
  EXPECT_EQ(ParseOrDie(json{{"kind", "container"}, {"image", "nginx"}}).kind(),
            AppKind::kContainer);
  EXPECT_EQ(RejectedField(With(Minimal(), "kind", "spaceship")), "kind");
}

// A field of the other kind is unknown; with an unknown kind, fields are checked as a
// process's first (the first mistake found is the one reported).
TEST(AppSpecTest, FieldsBelongToTheirKind) {
  EXPECT_EQ(RejectedField(json{{"kind", "container"}, {"image", "x"}, {"port", 80}}), "port");
  EXPECT_EQ(RejectedField(json{{"kind", "container"}, {"image", "x"}, {"directory", "/"}}),
            "directory");
  EXPECT_EQ(RejectedField(json{{"command", "x"}, {"image", "nginx"}}), "image");
  EXPECT_EQ(RejectedField(json{{"kind", "spaceship"}, {"comand", "x"}}), "comand");
  EXPECT_EQ(RejectedField(json{{"kind", 3}, {"command", "x"}}), "kind");
}

TEST(AppSpecTest, SecretsAreVariablesShownMasked) {
  AppSpec spec = ParseOrDie(With(Minimal(), "secrets", json{{"DB_PASSWORD", "s3cret"}}));
  EXPECT_EQ(spec.secrets.at("DB_PASSWORD"), "s3cret");
  EXPECT_EQ(AppSpecToJson(spec)["secrets"]["DB_PASSWORD"], "***");
  EXPECT_EQ(AppSpecToJson(spec, true)["secrets"]["DB_PASSWORD"], "s3cret");
  EXPECT_EQ(RejectedField(With(Minimal(), "secrets", json{{"1X", "a"}})), "secrets.1X");
  EXPECT_EQ(RejectedField(With(Minimal(), "secrets", json{{"X", 1}})), "secrets.X");
  json both = With(Minimal(), "secrets", json{{"X", "a"}});
  both["env"] = {{"X", "b"}};
  EXPECT_EQ(RejectedField(both), "secrets.X");
  AppSpec changed = spec;
  changed.secrets["DB_PASSWORD"] = "other";
  EXPECT_TRUE(ChangesHowItRuns(spec, changed));
}

TEST(AppSpecTest, KindIsThatOfThePart) {
  AppSpec spec = ParseOrDie(Minimal());
  EXPECT_EQ(spec.kind(), AppKind::kProcess);
  ASSERT_NE(spec.process(), nullptr);
  EXPECT_EQ(spec.container(), nullptr);
  spec.part = ContainerSpec{};
  EXPECT_EQ(spec.kind(), AppKind::kContainer);
  EXPECT_EQ(spec.process(), nullptr);
  EXPECT_NE(spec.container(), nullptr);
  EXPECT_EQ(AppSpec{}.kind(), AppKind::kProcess);  // a process unless told otherwise
}

// A container's JSON has the common fields and its own, none of a process's.
TEST(AppSpecTest, ContainerJsonHasNoProcessFields) {
  AppSpec spec = ParseOrDie(FullExample());
  spec.part = ContainerSpec{.image = "nginx"};
  json j = AppSpecToJson(spec);
  EXPECT_EQ(j["kind"], "container");
  EXPECT_EQ(j["image"], "nginx");
  for (const char* key : {"directory", "port", "install", "install_options"})
    EXPECT_FALSE(j.contains(key)) << key;
  EXPECT_EQ(j["env"], FullExample()["env"]);
}

TEST(AppSpecTest, AChangeOfKindChangesEverything) {
  AppSpec process = ParseOrDie(Minimal());
  AppSpec container = process;
  container.part = ContainerSpec{};
  EXPECT_TRUE(ChangesHowItRuns(process, container));
  EXPECT_TRUE(ChangesWhatIsDeployed(process, container));
  EXPECT_FALSE(ChangesHowItRuns(container, container));
  EXPECT_FALSE(ChangesWhatIsDeployed(container, container));
}

TEST(AppSpecTest, BackoffMaxBelowInitialIsRejected) {
  EXPECT_EQ(ParseOrDie(With(Minimal(), "backoff", {{"initial_ms", 500}, {"max_ms", 500}})).backoff,
            (Backoff{500, 500}));
  EXPECT_EQ(RejectedField(With(Minimal(), "backoff", {{"initial_ms", 500}, {"max_ms", 100}})),
            "backoff.max_ms");
  // Against the default initial (100) too.
  EXPECT_EQ(RejectedField(With(Minimal(), "backoff", {{"max_ms", 50}})), "backoff.max_ms");
}

TEST(AppSpecTest, BackoffFieldsAreChecked) {
  EXPECT_EQ(ParseOrDie(With(Minimal(), "backoff", {{"initial_ms", 250}})).backoff,
            (Backoff{250, 30000}));
  EXPECT_EQ(RejectedField(With(Minimal(), "backoff", {{"initial_ms", 0}})), "backoff.initial_ms");
  EXPECT_EQ(RejectedField(With(Minimal(), "backoff", {{"initial_ms", "1"}})), "backoff.initial_ms");
  EXPECT_EQ(RejectedField(With(Minimal(), "backoff", {{"jitter", 1}})), "backoff.jitter");
  EXPECT_EQ(RejectedField(With(Minimal(), "backoff", 100)), "backoff");
}

TEST(AppSpecTest, StartLimitDefaultsAndFields) {
  EXPECT_EQ(ParseOrDie(Minimal()).start_limit, (StartLimit{10, 10}));
  EXPECT_EQ(ParseOrDie(With(Minimal(), "start_limit", {{"burst", 3}})).start_limit,
            (StartLimit{3, 10}));
  EXPECT_EQ(ParseOrDie(With(Minimal(), "start_limit", {{"interval_seconds", 0.5}})).start_limit,
            (StartLimit{10, 0.5}));
  EXPECT_EQ(ParseOrDie(With(Minimal(), "start_limit", {{"interval_seconds", 0}})).start_limit,
            (StartLimit{10, 0}));
  EXPECT_EQ(RejectedField(With(Minimal(), "start_limit", {{"burst", 0}})), "start_limit.burst");
  EXPECT_EQ(RejectedField(With(Minimal(), "start_limit", {{"burst", 1.5}})), "start_limit.burst");
  EXPECT_EQ(RejectedField(With(Minimal(), "start_limit", {{"interval_seconds", -1}})),
            "start_limit.interval_seconds");
  EXPECT_EQ(RejectedField(With(Minimal(), "start_limit", {{"intervall", 1}})),
            "start_limit.intervall");
  EXPECT_EQ(RejectedField(With(Minimal(), "start_limit", 10)), "start_limit");
}

TEST(AppSpecTest, LogForwardAndLogRingFields) {
  AppSpec spec = ParseOrDie(Minimal());
  EXPECT_TRUE(spec.log_forward);
  EXPECT_EQ(spec.log_ring, (LogRingLimits{1000, 1048576}));
  EXPECT_FALSE(ParseOrDie(With(Minimal(), "log_forward", false)).log_forward);
  EXPECT_EQ(RejectedField(With(Minimal(), "log_forward", "no")), "log_forward");
  EXPECT_EQ(ParseOrDie(With(Minimal(), "log_ring", {{"bytes", 65536}})).log_ring,
            (LogRingLimits{1000, 65536}));
  EXPECT_EQ(ParseOrDie(With(Minimal(), "log_ring", {{"lines", 50}})).log_ring,
            (LogRingLimits{50, 1048576}));
  EXPECT_EQ(RejectedField(With(Minimal(), "log_ring", {{"lines", 0}})), "log_ring.lines");
  EXPECT_EQ(RejectedField(With(Minimal(), "log_ring", {{"bytes", 100}})), "log_ring.bytes");
  EXPECT_EQ(RejectedField(With(Minimal(), "log_ring", {{"size", 100}})), "log_ring.size");
  EXPECT_EQ(RejectedField(With(Minimal(), "log_ring", "1M")), "log_ring");
}

TEST(AppSpecTest, NumberAndBooleanFieldsAreChecked) {
  AppSpec spec = ParseOrDie(json::parse(
      R"({"command":"x","start_seconds":0.5,"stop_timeout":0,"max_retries":0,"autostart":false})"));
  EXPECT_EQ(spec.start_seconds, 0.5);
  EXPECT_EQ(spec.stop_timeout, 0);
  EXPECT_EQ(spec.max_retries, 0);
  EXPECT_FALSE(spec.autostart);
  EXPECT_EQ(RejectedField(With(Minimal(), "start_seconds", -1)), "start_seconds");
  EXPECT_EQ(RejectedField(With(Minimal(), "stop_timeout", "10")), "stop_timeout");
  EXPECT_EQ(RejectedField(With(Minimal(), "max_retries", 1.5)), "max_retries");
  EXPECT_EQ(RejectedField(With(Minimal(), "max_retries", -1)), "max_retries");
  EXPECT_EQ(ParseOrDie(Minimal()).priority, 999);
  EXPECT_EQ(ParseOrDie(With(Minimal(), "priority", 0)).priority, 0);
  EXPECT_EQ(RejectedField(With(Minimal(), "priority", 2.5)), "priority");
  EXPECT_EQ(RejectedField(With(Minimal(), "priority", 1000000)), "priority");
  EXPECT_EQ(RejectedField(With(Minimal(), "autostart", "yes")), "autostart");
  EXPECT_EQ(RejectedField(With(Minimal(), "autostart", 1)), "autostart");
}

TEST(AppSpecTest, DirectoryMustBeAbsoluteAndUserAName) {
  EXPECT_EQ(RejectedField(With(Minimal(), "directory", "srv/web")), "directory");
  EXPECT_EQ(RejectedField(With(Minimal(), "directory", 1)), "directory");
  EXPECT_EQ(RejectedField(With(Minimal(), "user", "a b")), "user");
  EXPECT_EQ(RejectedField(With(Minimal(), "user", "-x")), "user");
  EXPECT_EQ(RejectedField(With(Minimal(), "user", std::string(33, 'u'))), "user");
  EXPECT_EQ(ParseOrDie(With(Minimal(), "user", "www-data")).process()->user, "www-data");
}

TEST(AppSpecTest, UnknownFieldIsRejectedByName) {
  Result<AppSpec> spec = ParseAppSpec(With(Minimal(), "comand", "x"), "web");
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.status().field(), "comand");
  EXPECT_NE(spec.status().message().find("comand"), std::string::npos) << spec.status().message();
}

TEST(AppSpecTest, ResponseOnlyFieldsAreAcceptedAndIgnored) {
  json j = With(Minimal(), "source", "api");
  j["status"] = {{"state", "running"}, {"pid", 4242}, {"restarts", 0}};
  AppSpec with = ParseOrDie(j);
  AppSpec without = ParseOrDie(Minimal());
  EXPECT_EQ(with, without);
}

void ExpectRoundTrip(const AppSpec& spec) {
  json j = AppSpecToJson(spec);
  Result<AppSpec> back = ParseAppSpec(j, spec.name);
  ASSERT_TRUE(back.ok()) << back.status().message() << " (field " << back.status().field()
                         << ") for " << j.dump();
  EXPECT_EQ(back.value(), spec) << j.dump();
}

TEST(AppSpecTest, RoundTripOfTheFullExample) { ExpectRoundTrip(ParseOrDie(FullExample())); }

TEST(AppSpecTest, RoundTripOfAStringCommand) {
  AppSpec spec = ParseOrDie({{"command", "echo 'a b' | tr a b"}, {"port", 9000}});
  ExpectRoundTrip(spec);
  json j = AppSpecToJson(spec);
  EXPECT_EQ(j["command"], "echo 'a b' | tr a b");
}

TEST(AppSpecTest, RoundTripOfNonDefaultValues) {
  AppSpec spec = ParseOrDie(json::parse(R"({
    "command": ["a", "b c"], "env": {"X": "1", "Y": ""}, "port": 1, "autostart": false,
    "restart": "never", "start_seconds": 2.5, "stop_signal": "USR2", "stop_timeout": 0.25,
    "backoff": {"initial_ms": 7, "max_ms": 9}, "max_retries": 0, "directory": "/tmp/x"
  })"));
  ExpectRoundTrip(spec);
}

// An app without a port is the common case: its canonical JSON (and so every GET body) must
// be accepted back, as a PUT body, a merge patch base or a stored row.
TEST(AppSpecTest, RoundTripOfAnAppWithoutAPort) { ExpectRoundTrip(ParseOrDie(Minimal())); }

TEST(AppSpecTest, RoundTripOfLimits) {
  ExpectRoundTrip(ParseOrDie(json::parse(R"({
    "command": "x", "start_limit": {"burst": 2, "interval_seconds": 2.5}, "log_forward": false,
    "log_ring": {"lines": 7, "bytes": 20000}
  })")));
}

TEST(AppSpecTest, CanonicalJsonHasEveryField) {
  json j = AppSpecToJson(ParseOrDie(FullExample()));
  for (const char* key :
       {"name", "kind", "command", "directory", "user", "env", "port", "autostart", "restart",
        "start_seconds", "stop_signal", "stop_timeout", "backoff", "max_retries", "priority",
        "start_limit", "log_forward", "log_ring", "deploy", "routes"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j, FullExample());
}

TEST(AppSpecTest, EnumNames) {
  EXPECT_STREQ(to_string(AppKind::kProcess), "process");
  EXPECT_STREQ(to_string(AppKind::kContainer), "container");
  EXPECT_STREQ(to_string(RestartPolicy::kAlways), "always");
  EXPECT_STREQ(to_string(RestartPolicy::kOnFailure), "on-failure");
  EXPECT_STREQ(to_string(RestartPolicy::kNever), "never");
}

TEST(AppSpecTest, ChangesHowItRuns) {
  AppSpec base = ParseOrDie(FullExample());
  EXPECT_FALSE(ChangesHowItRuns(base, base));

  auto changed = [&](auto mutate) {
    AppSpec other = base;
    mutate(other);
    return ChangesHowItRuns(base, other);
  };
  EXPECT_TRUE(changed([](AppSpec& s) { s.process()->command = {"python3"}; }));
  EXPECT_TRUE(changed([](AppSpec& s) { s.process()->directory = "/srv/other"; }));
  EXPECT_TRUE(changed([](AppSpec& s) { s.process()->user = "nobody"; }));
  EXPECT_TRUE(changed([](AppSpec& s) { s.env["NEW"] = "1"; }));
  EXPECT_TRUE(changed([](AppSpec& s) { s.env["GREETING"] = "bye"; }));
  EXPECT_TRUE(changed([](AppSpec& s) { s.process()->port = 8081; }));
  EXPECT_TRUE(changed([](AppSpec& s) { s.process()->port.reset(); }));

  EXPECT_FALSE(changed([](AppSpec& s) { s.autostart = false; }));
  EXPECT_FALSE(changed([](AppSpec& s) { s.restart = RestartPolicy::kAlways; }));
  EXPECT_FALSE(changed([](AppSpec& s) { s.start_seconds = 5; }));
  EXPECT_FALSE(changed([](AppSpec& s) { s.stop_signal = "INT"; }));
  EXPECT_FALSE(changed([](AppSpec& s) { s.stop_timeout = 3; }));
  EXPECT_FALSE(changed([](AppSpec& s) { s.backoff = {1, 2}; }));
  EXPECT_FALSE(changed([](AppSpec& s) { s.max_retries = 1; }));
  EXPECT_FALSE(changed([](AppSpec& s) { s.priority = 1; }));
  EXPECT_FALSE(changed([](AppSpec& s) { s.start_limit = {1, 1}; }));
  EXPECT_FALSE(changed([](AppSpec& s) { s.log_forward = false; }));
  EXPECT_FALSE(changed([](AppSpec& s) { s.log_ring = {10, 20000}; }));
}

// The stored and served text, byte for byte (keys sorted; install fields only with a source).
TEST(AppSpecTest, CanonicalTextOfAnAppWithASource) {
  AppSpec spec = ParseOrDie(json::parse(R"({
    "command": "exec ./serve", "env": {"A": "1"}, "port": 8080, "install": "make deps",
    "install_options": ["--prod"],
    "source": {"git": {"url": "https://git.example.com/acme/web.git", "ref": "main",
                       "subdir": "app", "username": "deploy", "token": "s3cret"}}
  })"));
  EXPECT_EQ(AppSpecToJson(spec).dump(),
            R"({"autostart":true,"backoff":{"initial_ms":100,"max_ms":30000},)"
            R"("command":"exec ./serve",)"
            R"("deploy":{"drain_seconds":30,"interval":300,"secret":"","signature_header":"",)"
            R"("strategy":"manual","timeout":180,"zero_downtime":null},)"
            R"("env":{"A":"1"},"health":null,"install":"make deps",)"
            R"("install_options":["--prod"],"kind":"process","log_forward":true,)"
            R"("log_ring":{"bytes":1048576,"lines":1000},"max_retries":5,"name":"web",)"
            R"("port":8080,"priority":999,"restart":"on-failure","routes":[],"secrets":{},)"
            R"("source":{"git":{"ref":"main",)"
            R"("subdir":"app","token":"***","url":"https://git.example.com/acme/web.git",)"
            R"("username":"deploy"}},"start_limit":{"burst":10,"interval_seconds":10},)"
            R"("start_seconds":1,"stop_signal":"TERM","stop_timeout":10})");
}

TEST(AppSpecTest, CanonicalTextOfAnAppWithoutASource) {
  AppSpec spec = ParseOrDie(json::parse(R"({
    "command": ["sleep", "10"], "directory": "/srv/web", "user": "www-data", "install": "none"
  })"));
  EXPECT_EQ(AppSpecToJson(spec).dump(),
            R"({"autostart":true,"backoff":{"initial_ms":100,"max_ms":30000},)"
            R"("command":["sleep","10"],)"
            R"("deploy":{"drain_seconds":30,"interval":300,"secret":"","signature_header":"",)"
            R"("strategy":"manual","timeout":180,"zero_downtime":null},)"
            R"("directory":"/srv/web","env":{},"health":null,"kind":"process",)"
            R"("log_forward":true,"log_ring":{"bytes":1048576,"lines":1000},"max_retries":5,)"
            R"("name":"web","port":null,"priority":999,"restart":"on-failure","routes":[],"secrets":{},)"
            R"("start_limit":{"burst":10,"interval_seconds":10},"start_seconds":1,)"
            R"("stop_signal":"TERM","stop_timeout":10,"user":"www-data"})");
}

}  // namespace
}  // namespace berth
