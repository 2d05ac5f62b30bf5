// Tests for endpoint resolution: URL forms, precedence of flags, environment and state dirs.
#include "cli/endpoint.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

namespace berth::cli {
namespace {

namespace fs = std::filesystem;

EnvLookup fake_env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

// A state dir in a fresh temporary directory, removed at the end of the test.
class StateDir {
 public:
  StateDir() {
    std::string pattern = (fs::temp_directory_path() / "berthctl-test-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~StateDir() {
    if (fd_ >= 0) close(fd_);
    fs::remove_all(path_);
  }
  StateDir(const StateDir&) = delete;
  StateDir& operator=(const StateDir&) = delete;
  const fs::path& path() const { return path_; }

  void write_token(const std::string& text) const { std::ofstream(path_ / "admin-token") << text; }

  // Binds a unix socket at <state>/run/api.sock, as berthd does.
  void make_socket() {
    fs::create_directories(path_ / "run");
    fd_ = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::string path = socket_path();
    ASSERT_LT(path.size(), sizeof(addr.sun_path));
    path.copy(addr.sun_path, path.size());
    ASSERT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  }
  std::string socket_path() const { return (path_ / "run" / "api.sock").string(); }

 private:
  fs::path path_;
  int fd_ = -1;
};

TEST(EndpointTest, ParsesUnixUrls) {
  auto endpoint = parse_url("unix:/run/x/api.sock");
  ASSERT_TRUE(endpoint.ok());
  EXPECT_EQ(endpoint->unix_socket, "/run/x/api.sock");
  EXPECT_EQ(endpoint->base_url, "http://localhost");
  EXPECT_EQ(endpoint->url, "unix:/run/x/api.sock");
  EXPECT_FALSE(parse_url("unix:").ok());
}

TEST(EndpointTest, ParsesHttpUrlsAndBareHostPorts) {
  auto endpoint = parse_url("http://127.0.0.1:7070/");
  ASSERT_TRUE(endpoint.ok());
  EXPECT_EQ(endpoint->base_url, "http://127.0.0.1:7070");
  EXPECT_TRUE(endpoint->unix_socket.empty());
  EXPECT_EQ(parse_url("localhost:9000")->base_url, "http://localhost:9000");
  EXPECT_EQ(parse_url("https://berth.example/api")->base_url, "https://berth.example/api");
}

TEST(EndpointTest, RejectsOtherSchemes) {
  auto endpoint = parse_url("ftp://host/");
  ASSERT_FALSE(endpoint.ok());
  EXPECT_NE(endpoint.status().message().find("ftp://host/"), std::string::npos);
}

TEST(EndpointTest, FlagsWinOverTheEnvironment) {
  auto env = fake_env({{"BERTH_URL", "http://env:1"}, {"BERTH_TOKEN", "envtoken"}});
  auto endpoint = resolve_endpoint("http://flag:2", "flagtoken", env);
  ASSERT_TRUE(endpoint.ok());
  EXPECT_EQ(endpoint->base_url, "http://flag:2");
  EXPECT_EQ(endpoint->token, "flagtoken");
  endpoint = resolve_endpoint(std::nullopt, std::nullopt, env);
  EXPECT_EQ(endpoint->base_url, "http://env:1");
  EXPECT_EQ(endpoint->token, "envtoken");
}

TEST(EndpointTest, FindsTheSocketAndTokenOfALocalStateDir) {
  StateDir state;
  state.make_socket();
  state.write_token("s3cret\n");
  auto endpoint =
      resolve_endpoint(std::nullopt, std::nullopt, fake_env({{"BERTH_STATE_DIR", state.path()}}));
  ASSERT_TRUE(endpoint.ok());
  EXPECT_EQ(endpoint->unix_socket, state.socket_path());
  EXPECT_EQ(endpoint->url, "unix:" + state.socket_path());
  EXPECT_EQ(endpoint->token, "s3cret");
}

TEST(EndpointTest, ReadsTheStateDirTokenEvenWithAnExplicitUrl) {
  StateDir state;
  state.write_token("tok");
  auto endpoint =
      resolve_endpoint("http://h:1", std::nullopt, fake_env({{"BERTH_STATE_DIR", state.path()}}));
  ASSERT_TRUE(endpoint.ok());
  EXPECT_EQ(endpoint->token, "tok");
}

TEST(EndpointTest, ListsStateDirsInOrder) {
  auto dirs = state_dir_candidates(fake_env({{"BERTH_STATE_DIR", "/srv/berth"}}));
  ASSERT_GE(dirs.size(), 2u);
  EXPECT_EQ(dirs.front(), fs::path("/srv/berth"));
  EXPECT_EQ(dirs.back(), fs::path("/var/lib/berth"));
}

}  // namespace
}  // namespace berth::cli
