// dockerd stopped and started again under a running berthd, on a daemon of the test's own
// (private_dockerd.h): container apps say Docker is gone and refuse control meanwhile, process
// apps go on, and once Docker answers berth takes up a container that kept running (live
// restore) as it was, and restarts one that ended with the daemon.
#include <algorithm>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

#include "tests/integration/docker_support.h"
#include "tests/integration/private_dockerd.h"

namespace berth::testing {
namespace {

using nlohmann::json;

// Creates, starts and reconnects take longer than a fork.
constexpr milliseconds kDockerTimeout{30000};

// "tick <n> in <hostname>" ten times a second; the hostname is the container id's first 12
// characters. A shell as PID 1 ignores SIGTERM unless it traps it.
constexpr char kTicker[] =
    "trap 'exit 0' TERM; h=$(hostname); i=0; "
    "while true; do i=$((i+1)); echo tick $i in $h; sleep 0.1; done";

// Restarted whenever it ends; on the private daemon's only network, none.
json TickerApp(const std::string& name) {
  return {{"name", name},        {"kind", "container"},    {"image", kTestImage},
          {"network", "none"},   {"command", Sh(kTicker)}, {"restart", "always"},
          {"start_seconds", 0.5}};
}

class DockerdRestartTest : public ::testing::Test {
 protected:
  // berthd goes first: it stops its apps while the daemon is still there.
  void TearDown() override {
    berthd_.reset();
    docker_.reset();
  }

  // A private dockerd with the test image, and berthd driving it.
  ::testing::AssertionResult StartDockerAndBerthd(bool live_restore) {
    docker_ =
        std::make_unique<PrivateDockerd>(PrivateDockerd::Options{.live_restore = live_restore});
    if (auto started = docker_->Start(); !started) return started;
    if (auto image = docker_->ImportTestImage(); !image) return image;
    berthd_ = std::make_unique<BerthdProcess>(
        BerthdProcess::Options{.extra_args = {"--docker-host", docker_->host()}});
    return berthd_->Start();
  }
  BerthdProcess& berthd() { return *berthd_; }

  ::testing::AssertionResult Create(const json& app) {
    HttpResponse created = berthd().Post("/v1/apps", app);
    if (created.status == 201) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "create " << app.dump() << ": " << created.Describe();
  }

  HttpResponse Control(const std::string& name, const std::string& command) {
    return berthd().Post("/v1/apps/" + name + "/control", json{{"command", command}});
  }

  // The app once its last_error says Docker is gone, naming the private daemon's socket.
  std::optional<json> WaitUnreachable(const std::string& name) {
    std::string error = "Docker is not reachable at " + docker_->host() + ": ";
    return berthd().WaitForApp(
        name, [&](const json& app) { return LastError(app).rfind(error, 0) == 0; }, kDockerTimeout);
  }

  std::optional<json> WaitRunningWithoutError(const std::string& name) {
    return berthd().WaitForApp(
        name, [](const json& app) { return AppState(app) == "running" && LastError(app).empty(); },
        kDockerTimeout);
  }

  // The container's State, as the private daemon has it.
  json ContainerState(const std::string& id) {
    return docker_->Api("GET", "/containers/" + id + "/json").json()["State"];
  }

  // The highest n among the app's "tick <n>" log lines, 0 when there is none.
  int HighestTick(const std::string& name) {
    int highest = 0;
    for (const std::string& line :
         LogLines(berthd().Get("/v1/apps/" + name + "/logs?entries=1000").json())) {
      if (line.rfind("tick ", 0) == 0) highest = std::max(highest, std::atoi(line.c_str() + 5));
    }
    return highest;
  }

  std::unique_ptr<PrivateDockerd> docker_;
  std::unique_ptr<BerthdProcess> berthd_;
};

TEST_F(DockerdRestartTest, LiveRestoredContainerIsTakenUpAgainWithoutARestart) {
  ASSERT_TRUE(StartDockerAndBerthd(/*live_restore=*/true));
  ASSERT_TRUE(Create(TickerApp("ticker")));
  ASSERT_TRUE(Create(ProcessApp("worker", Sh("exec sleep 1000"))));
  auto running = berthd().WaitForState("ticker", "running", kDockerTimeout);
  ASSERT_TRUE(running) << berthd().LastSeen();
  ASSERT_TRUE(berthd().WaitForLogLine("ticker", "tick ", kDockerTimeout)) << berthd().LastSeen();
  auto worker = berthd().WaitForState("worker", "running");
  ASSERT_TRUE(worker) << berthd().LastSeen();
  std::string id = ContainerId(*running);
  int restarts = Restarts(*running);
  std::string started_at = ContainerState(id).value("StartedAt", "");
  ASSERT_FALSE(started_at.empty()) << "the private daemon does not know " << id;

  ASSERT_TRUE(docker_->Stop());
  auto down = WaitUnreachable("ticker");
  ASSERT_TRUE(down) << "Docker stopped and the app does not say so: " << berthd().LastSeen();
  EXPECT_TRUE(IsApiError(Control("ticker", "restart"), 503, "unavailable"));
  EXPECT_TRUE(IsApiError(Control("ticker", "stop"), 503, "unavailable"));
  HttpResponse restarted = Control("worker", "restart");
  EXPECT_EQ(202, restarted.status) << restarted.Describe();
  EXPECT_TRUE(berthd().WaitForNewPid("worker", AppPid(*worker))) << berthd().LastSeen();
  int last_tick = HighestTick("ticker");

  ASSERT_TRUE(docker_->Start());
  auto back = WaitRunningWithoutError("ticker");
  ASSERT_TRUE(back) << berthd().LastSeen();
  EXPECT_EQ(id, ContainerId(*back)) << back->dump();
  EXPECT_EQ(restarts, Restarts(*back)) << back->dump();
  json state = ContainerState(id);
  EXPECT_TRUE(state.value("Running", false)) << state.dump();
  EXPECT_EQ(started_at, state.value("StartedAt", "")) << "the container was started again";
  EXPECT_TRUE(WaitUntil([&] { return HighestTick("ticker") > last_tick; }, kDockerTimeout))
      << "no log line after tick " << last_tick << " once Docker was back";
  json now = berthd().Get("/v1/apps/ticker").json();
  EXPECT_EQ(id, ContainerId(now)) << now.dump();
  EXPECT_EQ(restarts, Restarts(now)) << now.dump();
  EXPECT_EQ("running", AppState(berthd().Get("/v1/apps/worker").json()));
}

TEST_F(DockerdRestartTest, ContainerThatEndedWithDockerIsRestartedOnceDockerIsBack) {
  ASSERT_TRUE(StartDockerAndBerthd(/*live_restore=*/false));
  ASSERT_TRUE(Create(TickerApp("ticker")));
  auto running = berthd().WaitForState("ticker", "running", kDockerTimeout);
  ASSERT_TRUE(running) << berthd().LastSeen();
  std::string id = ContainerId(*running);
  int restarts = Restarts(*running);

  // Without live restore, dockerd stops its containers when it stops.
  ASSERT_TRUE(docker_->Stop());
  auto down = WaitUnreachable("ticker");
  ASSERT_TRUE(down) << "Docker stopped and the app does not say so: " << berthd().LastSeen();
  EXPECT_TRUE(IsApiError(Control("ticker", "restart"), 503, "unavailable"));

  ASSERT_TRUE(docker_->Start());
  auto again = berthd().WaitForApp(
      "ticker",
      [&](const json& app) {
        return AppState(app) == "running" && LastError(app).empty() && Restarts(app) > restarts;
      },
      kDockerTimeout);
  ASSERT_TRUE(again) << "the ended container was not restarted: " << berthd().LastSeen();
  EXPECT_EQ(restarts + 1, Restarts(*again)) << again->dump();
  std::string new_id = ContainerId(*again);
  EXPECT_NE(id, new_id) << again->dump();
  EXPECT_TRUE(ContainerState(new_id).value("Running", false)) << ContainerState(new_id).dump();
  EXPECT_TRUE(berthd().WaitForLogLine("ticker", "in " + new_id.substr(0, 12), kDockerTimeout))
      << "no log line of the new container: " << berthd().LastSeen();
}

}  // namespace
}  // namespace berth::testing
