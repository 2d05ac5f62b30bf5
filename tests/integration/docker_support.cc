// Docker for black-box tests: the shared dockerd, the busybox test image, and the two registries.
#include "tests/integration/docker_support.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace berth::testing {
namespace {

namespace fs = std::filesystem;

const char kDockerd[] = "/usr/sbin/dockerd";
const char kDockerdLog[] = "/var/log/berth-test-dockerd.log";
const char kSetupLock[] = "/run/berth-test-docker.lock";
const char kBusybox[] = "/bin/busybox";
const char kTar[] = "/bin/tar";
const char kRegistry[] = "/usr/bin/docker-registry";
const char kHtpasswd[] = "/usr/bin/htpasswd";
const char kPython[] = "/usr/bin/python3";
const char kTestImageCommand[] = R"(CMD ["sh", "-c", "while true; do sleep 1; done"])";
const milliseconds kDockerdStartTimeout{60000};
const int kPortAttempts = 5;

// An exclusive flock on a file, held while the object lives: one test process at a time sets up
// what all of them share.
class FileLock {
 public:
  explicit FileLock(const char* path) : fd_(open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) {
    while (fd_.get() >= 0 && flock(fd_.get(), LOCK_EX) != 0) {
      if (errno != EINTR) fd_.Reset();
    }
  }
  bool held() const { return fd_.get() >= 0; }

 private:
  Fd fd_;
};

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Starts argv (argv[0] a path) as a daemon: in its own session, not this process's child (so it
// outlives the test and ctest's timeouts), output appended to `log_path`. Returns its pid or -1.
pid_t StartDetached(std::vector<std::string> argv, const std::string& log_path) {
  Fd log(open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  Fd dev_null(open("/dev/null", O_RDONLY | O_CLOEXEC));
  int report[2];
  if (log.get() < 0 || dev_null.get() < 0 || pipe2(report, O_CLOEXEC) != 0) return -1;
  Fd report_read(report[0]), report_write(report[1]);
  std::vector<std::string> env = InheritedEnvironment();
  std::vector<char*> c_argv = CStrings(argv), c_env = CStrings(env);
  pid_t child = fork();
  if (child == 0) {
    // Only async-signal-safe calls from here on.
    setsid();
    pid_t pid = fork();
    if (pid == 0) {
      sigset_t empty;
      sigemptyset(&empty);
      sigprocmask(SIG_SETMASK, &empty, nullptr);
      dup2(dev_null.get(), 0);
      dup2(log.get(), 1);
      dup2(log.get(), 2);
      close_range(3, ~0U, 0);
      execve(c_argv[0], c_argv.data(), c_env.data());
      _exit(127);
    }
    (void)!write(report_write.get(), &pid, sizeof pid);
    _exit(0);
  }
  report_write.Reset();
  pid_t pid = -1;
  if (child < 0 || read(report_read.get(), &pid, sizeof pid) != sizeof pid) pid = -1;
  int status = 0;
  while (child > 0 && waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  return pid;
}

bool DockerAnswers() { return DockerApi("GET", "/_ping").status == 200; }

bool ImageExists(const std::string& image) {
  return DockerApi("GET", "/images/" + image + "/json").status == 200;
}

::testing::AssertionResult StartDockerd() {
  pid_t pid = StartDetached({kDockerd, "--storage-driver=vfs"}, kDockerdLog);
  if (pid < 0) return ::testing::AssertionFailure() << "cannot start " << kDockerd;
  bool done = WaitUntil([&] { return DockerAnswers() || !ProcessAlive(pid); }, kDockerdStartTimeout,
                        milliseconds(100));
  if (done && DockerAnswers()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "dockerd (pid " << pid << ") " << (done ? "exited" : "did not answer within 60 s")
         << " on " << kDockerSocket << "; the end of " << kDockerdLog << ":\n"
         << Tail(ReadFile(kDockerdLog));
}

// A root file system of busybox and its applets, with users root and nobody.
void WriteRootfs(const std::string& root, const std::string& applets) {
  for (const char* dir : {"/bin", "/etc", "/root", "/tmp", "/usr"})
    fs::create_directories(root + dir);
  fs::permissions(root + "/tmp", fs::perms::all | fs::perms::sticky_bit);
  fs::copy_file(kBusybox, root + "/bin/busybox");
  std::istringstream names(applets);
  for (std::string name; std::getline(names, name);) {
    if (!name.empty() && name != "busybox") fs::create_symlink("busybox", root + "/bin/" + name);
  }
  fs::create_directory_symlink("bin", root + "/sbin");
  fs::create_directory_symlink("../bin", root + "/usr/bin");
  fs::create_directory_symlink("../bin", root + "/usr/sbin");
  WriteFile(root + "/etc/passwd",
            "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
  WriteFile(root + "/etc/group", "root:x:0:\nnogroup:x:65534:\n");
}

}  // namespace

// busybox's root file system as a tarball, imported as kTestImage.
::testing::AssertionResult ImportTestImage(const std::string& socket) {
  if (std::string missing = MissingProgram(kBusybox, "busybox-static"); !missing.empty())
    return ::testing::AssertionFailure() << missing;
  CommandResult applets = RunCommand({kBusybox, "--list"});
  if (applets.exit_code != 0) return ::testing::AssertionFailure() << applets.Describe();
  ScratchDir dir("berth-busybox");
  std::string root = dir.path() + "/rootfs", tarball = dir.path() + "/rootfs.tar";
  try {
    WriteRootfs(root, applets.out);
  } catch (const fs::filesystem_error& error) {
    return ::testing::AssertionFailure() << "cannot make the busybox root: " << error.what();
  }
  for (const CommandResult& step :
       {RunCommand({kTar, "--numeric-owner", "-C", root, "-cf", tarball, "."}),
        DockerCliAt(socket, {"import", "--change", kTestImageCommand, tarball, kTestImage})}) {
    if (step.exit_code != 0)
      return ::testing::AssertionFailure() << "building " << kTestImage << ": " << step.Describe();
  }
  return ::testing::AssertionSuccess();
}

// --- The shared daemon, its image and its API -------------------------------------------

::testing::AssertionResult EnsureDocker() {
  if (DockerAnswers()) return ::testing::AssertionSuccess();
  if (std::string missing = MissingProgram(kDockerd, "docker.io"); !missing.empty())
    return ::testing::AssertionFailure()
           << "no Docker daemon answers on " << kDockerSocket << " and " << missing;
  FileLock lock(kSetupLock);
  if (!lock.held())
    return ::testing::AssertionFailure()
           << "cannot lock " << kSetupLock << ": " << strerror(errno) << " (the tests run as root)";
  // Another test process may have started it while this one waited for the lock.
  if (DockerAnswers()) return ::testing::AssertionSuccess();
  return StartDockerd();
}

::testing::AssertionResult EnsureTestImage() {
  if (auto docker = EnsureDocker(); !docker) return docker;
  if (ImageExists(kTestImage)) return ::testing::AssertionSuccess();
  FileLock lock(kSetupLock);
  if (!lock.held())
    return ::testing::AssertionFailure() << "cannot lock " << kSetupLock << ": " << strerror(errno);
  if (ImageExists(kTestImage)) return ::testing::AssertionSuccess();
  return ImportTestImage(kDockerSocket);
}

HttpResponse DockerApi(const std::string& method, const std::string& path, const std::string& body,
                       const HeaderLines& headers) {
  return PerformRequest(method, "http://docker" + path, body, headers, kDockerSocket);
}

CommandResult DockerCli(const std::vector<std::string>& args, milliseconds timeout) {
  return DockerCliAt(kDockerSocket, args, timeout);
}

CommandResult DockerCliAt(const std::string& socket, const std::vector<std::string>& args,
                          milliseconds timeout) {
  std::string docker = FindProgram("docker");
  if (docker.empty()) {
    CommandResult missing;
    missing.err = "no docker command in $PATH (Debian package docker.io)";
    return missing;
  }
  std::vector<std::string> argv = {docker};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv, {"DOCKER_HOST=unix://" + socket, "DOCKER_CLI_HINTS=false"}, timeout);
}

std::string LabelFilter(const std::vector<std::string>& labels) {
  nlohmann::json filters = {{"label", labels}};
  char* escaped = curl_easy_escape(nullptr, filters.dump().c_str(), 0);
  std::string query = escaped != nullptr ? escaped : "";
  curl_free(escaped);
  return "filters=" + query;
}

nlohmann::json ContainersWithLabels(const std::vector<std::string>& labels, bool all) {
  return DockerApi("GET", std::string("/containers/json?") + (all ? "all=1&" : "") +
                              LabelFilter(labels))
      .json();
}

int RemoveNetworksWithLabel(const std::string& label) {
  nlohmann::json networks = DockerApi("GET", "/networks?" + LabelFilter({label})).json();
  int removed = 0;
  for (const nlohmann::json& network : networks.is_array() ? networks : nlohmann::json())
    if (DockerApi("DELETE", "/networks/" + network.value("Id", "")).status == 204) ++removed;
  return removed;
}

int RemoveContainersWithLabel(const std::string& label) {
  nlohmann::json containers = ContainersWithLabels({label}, true);
  int removed = 0;
  for (const nlohmann::json& container : containers.is_array() ? containers : nlohmann::json()) {
    std::string id = container.value("Id", "");
    if (DockerApi("DELETE", "/containers/" + id + "?force=1&v=1").status == 204) ++removed;
  }
  return removed;
}

std::string ContainerId(const nlohmann::json& app) {
  const nlohmann::json& id = app["status"].value("container_id", nlohmann::json());
  return id.is_string() ? id.get<std::string>() : "";
}

std::string LastError(const nlohmann::json& app) {
  const nlohmann::json& error = app["status"].value("last_error", nlohmann::json());
  return error.is_string() ? error.get<std::string>() : "";
}

int Restarts(const nlohmann::json& app) { return app["status"].value("restarts", -1); }

// --- PrivateRegistry --------------------------------------------------------------------

PrivateRegistry::PrivateRegistry() = default;

PrivateRegistry::~PrivateRegistry() {
  registry_.Stop();
  if (::testing::Test::HasFailure()) {
    std::cerr << "----- docker-registry log -----\n"
              << Tail(ReadFile(dir_.path() + "/registry.log"))
              << "----- end of registry log -----\n";
  }
  if (port_ != 0) RemovePulledImages();
}

::testing::AssertionResult PrivateRegistry::Start(const std::string& username,
                                                  const std::string& password) {
  for (auto [path, package] :
       {std::pair{kRegistry, "docker-registry"}, std::pair{kHtpasswd, "apache2-utils"}}) {
    if (std::string missing = MissingProgram(path, package); !missing.empty())
      return ::testing::AssertionFailure() << missing;
  }
  username_ = username;
  password_ = password;
  CommandResult hash = RunCommand({kHtpasswd, "-nbB", username, password});
  if (hash.exit_code != 0 || !WriteFile(dir_.path() + "/htpasswd", Trim(hash.out) + "\n"))
    return ::testing::AssertionFailure() << "htpasswd: " << hash.Describe();
  for (int attempt = 1;; ++attempt) {
    bool port_taken = false;
    ::testing::AssertionResult started = StartOnFreePort(&port_taken);
    if (started || !port_taken || attempt == kPortAttempts) return started;
  }
}

::testing::AssertionResult PrivateRegistry::StartOnFreePort(bool* port_taken) {
  port_ = FreeTcpPort();
  std::string config = dir_.path() + "/config.yml", log = dir_.path() + "/registry.log";
  if (port_ == 0 || !WriteFile(config, Config()))
    return ::testing::AssertionFailure() << "no free port, or cannot write " << config;
  if (!registry_.Start({kRegistry, "serve", config}, {}, log))
    return ::testing::AssertionFailure() << "cannot start " << kRegistry;
  HttpResponse base;
  bool done = WaitUntil([&] {
    base = PerformRequest("GET", "http://" + host() + "/v2/");
    return !registry_.Running() ||
           (base.status == 401 && base.header("docker-distribution-api-version") == "registry/2.0");
  });
  if (done && registry_.Running()) return ::testing::AssertionSuccess();
  registry_.Stop();
  *port_taken = ReadFile(log).find("address already in use") != std::string::npos;
  return ::testing::AssertionFailure() << "docker-registry did not answer 401 on http://" << host()
                                       << "/v2/ (last: " << base.Describe() << "):\n"
                                       << Tail(ReadFile(log));
}

// JSON, which YAML reads as well.
std::string PrivateRegistry::Config() const {
  const std::string& dir = dir_.path();
  nlohmann::json config = {
      {"version", "0.1"},
      {"log", {{"level", "info"}}},
      {"storage",
       {{"filesystem", {{"rootdirectory", dir + "/data"}}}, {"delete", {{"enabled", true}}}}},
      {"http", {{"addr", host()}, {"secret", "berth-test"}}},
      {"auth", {{"htpasswd", {{"realm", "berth-test"}, {"path", dir + "/htpasswd"}}}}}};
  return config.dump(2) + "\n";
}

CommandResult PrivateRegistry::Login(const std::string& username, const std::string& password) {
  return DockerCli(
      {"--config", config_dir(), "login", host(), "--username", username, "--password", password});
}

::testing::AssertionResult PrivateRegistry::Push(const std::string& local_image,
                                                 const std::string& repo_tag) {
  std::string target = Image(repo_tag);
  if (CommandResult login = Login(username_, password_); login.exit_code != 0)
    return ::testing::AssertionFailure() << "docker login " << host() << ": " << login.Describe();
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"tag", local_image, target},
        std::vector<std::string>{"--config", config_dir(), "push", target},
        std::vector<std::string>{"rmi", target}}) {
    CommandResult step = DockerCli(args);
    if (step.exit_code == 0) continue;
    std::string command = "docker";
    for (const std::string& arg : args) command += " " + arg;
    return ::testing::AssertionFailure() << command << ": " << step.Describe();
  }
  return ::testing::AssertionSuccess();
}

// Images the test pulled from this registry: every name or digest under host()/.
void PrivateRegistry::RemovePulledImages() {
  nlohmann::json images = DockerApi("GET", "/images/json").json();
  std::string prefix = host() + "/";
  for (const nlohmann::json& image : images.is_array() ? images : nlohmann::json()) {
    for (const char* field : {"RepoTags", "RepoDigests"}) {
      for (const nlohmann::json& name : image.value(field, nlohmann::json::array())) {
        if (name.is_string() && name.get<std::string>().rfind(prefix, 0) == 0)
          DockerApi("DELETE", "/images/" + name.get<std::string>() + "?force=1");
      }
    }
  }
}

// --- TokenRegistry ----------------------------------------------------------------------

TokenRegistry::TokenRegistry() = default;

TokenRegistry::~TokenRegistry() {
  server_.Stop();
  if (::testing::Test::HasFailure()) {
    std::cerr << "----- token registry requests -----\n"
              << Tail(ReadFile(dir_.path() + "/requests.log")) << "----- its output -----\n"
              << Tail(ReadFile(dir_.path() + "/output.log"))
              << "----- end of token registry logs -----\n";
  }
}

::testing::AssertionResult TokenRegistry::Start(const std::string& username,
                                                const std::string& password,
                                                const Repositories& repositories) {
  if (std::string missing = MissingProgram(kPython, "python3"); !missing.empty())
    return ::testing::AssertionFailure() << missing;
  username_ = username;
  password_ = password;
  if (auto written = SetRepositories(repositories); !written) return written;
  std::string port_file = dir_.path() + "/port", log = dir_.path() + "/output.log";
  if (!server_.Start({kPython, TOKEN_REGISTRY_SCRIPT, dir_.path()}, {}, log))
    return ::testing::AssertionFailure() << "cannot start " << TOKEN_REGISTRY_SCRIPT;
  if (!WaitUntil([&] { return fs::exists(port_file) || !server_.Running(); }) || !server_.Running())
    return ::testing::AssertionFailure() << TOKEN_REGISTRY_SCRIPT << " did not start:\n"
                                         << Tail(ReadFile(log));
  port_ = std::atoi(ReadFile(port_file).c_str());
  HttpResponse base = PerformRequest("GET", url() + "/v2/");
  if (base.status == 401 && base.header("www-authenticate").rfind("Bearer ", 0) == 0)
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "the token registry answers GET /v2/ with " << base.Describe();
}

::testing::AssertionResult TokenRegistry::SetRepositories(const Repositories& repositories) {
  nlohmann::json config = {
      {"username", username_}, {"password", password_}, {"repositories", repositories}};
  std::string path = dir_.path() + "/config.json";
  // Renamed into place: the server never reads half a file.
  if (WriteFile(path + ".tmp", config.dump()) && rename((path + ".tmp").c_str(), path.c_str()) == 0)
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "cannot write " << path << ": " << strerror(errno);
}

std::vector<std::string> TokenRegistry::Requests() const {
  std::vector<std::string> lines;
  std::istringstream log(ReadFile(dir_.path() + "/requests.log"));
  for (std::string line; std::getline(log, line);) lines.push_back(line);
  return lines;
}

int TokenRegistry::TokenRequests() const {
  int count = 0;
  for (const std::string& line : Requests()) count += line.rfind("GET /token", 0) == 0;
  return count;
}

}  // namespace berth::testing
