// nginx + fcgiwrap + git-http-backend for black-box tests: a private git repository over smart
// HTTP with basic auth, and static files, on 127.0.0.1 and a port picked at run time.
#include "tests/integration/nginx_support.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <random>

#include "tests/integration/http_support.h"

namespace berth::testing {
namespace {

namespace fs = std::filesystem;

const char kNginx[] = "/usr/sbin/nginx";
const char kFcgiwrap[] = "/usr/sbin/fcgiwrap";
const char kGitHttpBackend[] = "/usr/lib/git-core/git-http-backend";
const char kOpenssl[] = "/usr/bin/openssl";
const char kGit[] = "/usr/bin/git";
const int kPortAttempts = 5;

// No daemon: the test owns the master and stops it with SIGTERM. Every path is in @DIR@.
// `user root` lets workers of a master started as root read the test's private dirs (nginx
// ignores it, with a warning, when not started as root).
const char kNginxConfig[] = R"(daemon off;
user root;
pid @DIR@/nginx.pid;
error_log @DIR@/error.log info;
events { worker_connections 64; }
http {
  access_log @DIR@/access.log;
  client_body_temp_path @DIR@/tmp/body;
  proxy_temp_path @DIR@/tmp/proxy;
  fastcgi_temp_path @DIR@/tmp/fastcgi;
  uwsgi_temp_path @DIR@/tmp/uwsgi;
  scgi_temp_path @DIR@/tmp/scgi;
  default_type application/octet-stream;
@HTTP@
  server {
    listen 127.0.0.1:@PORT@ default_server;
    location = /ready { return 200 "@NONCE@"; }
@SERVER@
  }
}
)";

// The git server's locations.
const char kGitLocations[] = R"(    location /files/ { root @DIR@/www; }
    location ~ ^/git(/.*)$ {
      auth_basic "berth test";
      auth_basic_user_file @DIR@/htpasswd;
      client_max_body_size 0;
      fastcgi_pass unix:@DIR@/fcgi.sock;
      fastcgi_param SCRIPT_FILENAME @BACKEND@;
      fastcgi_param GIT_PROJECT_ROOT @DIR@/repos;
      fastcgi_param GIT_HTTP_EXPORT_ALL "";
      fastcgi_param PATH_INFO $1;
      fastcgi_param QUERY_STRING $query_string;
      fastcgi_param REQUEST_METHOD $request_method;
      fastcgi_param CONTENT_TYPE $content_type;
      fastcgi_param CONTENT_LENGTH $content_length;
      fastcgi_param REMOTE_USER $remote_user;
      fastcgi_param REMOTE_ADDR $remote_addr;
      fastcgi_param SERVER_PROTOCOL $server_protocol;
      fastcgi_param GATEWAY_INTERFACE CGI/1.1;
      fastcgi_param HTTP_GIT_PROTOCOL $http_git_protocol;
    }
)";

void ReplaceAll(std::string* text, const std::string& from, const std::string& to) {
  for (size_t at = 0; (at = text->find(from, at)) != std::string::npos; at += to.size())
    text->replace(at, from.size(), to);
}

std::string RandomHex(size_t digits) {
  std::random_device random;
  std::string out;
  static const char kDigits[] = "0123456789abcdef";
  while (out.size() < digits) out.push_back(kDigits[random() % 16]);
  return out;
}

bool IsSocket(const std::string& path) {
  struct stat info {};
  return stat(path.c_str(), &info) == 0 && S_ISSOCK(info.st_mode);
}

size_t AppendTo(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

}  // namespace

// --- ChildProcess ----------------------------------------------------------------------

bool ChildProcess::Start(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                         const std::string& log_path) {
  Fd log(open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  if (log.get() < 0) return false;
  std::vector<std::string> full_env = InheritedEnvironment();
  ApplyEnv(&full_env, env);
  pid_ = SpawnChild(argv, full_env, log.get(), log.get());
  return pid_ > 0;
}

bool ChildProcess::Running() {
  if (pid_ <= 0) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) != pid_) return true;
  pid_ = -1;
  return false;
}

bool ChildProcess::Stop(milliseconds patience) {
  if (pid_ <= 0) return true;
  kill(pid_, SIGTERM);
  if (WaitUntil([&] { return !Running(); }, patience)) return true;
  kill(pid_, SIGKILL);
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  return false;
}

// --- PrivateNginx ----------------------------------------------------------------------

::testing::AssertionResult PrivateNginx::Start(const std::string& http,
                                               const std::string& server) {
  if (access(kNginx, X_OK) != 0)
    return ::testing::AssertionFailure()
           << kNginx << " is missing (Debian package nginx-light; `make test` installs it)";
  fs::create_directories(dir_ + "/tmp");
  for (int attempt = 1;; ++attempt) {
    bool port_taken = false;
    ::testing::AssertionResult started = StartOnce(http, server, &port_taken);
    if (started || !port_taken || attempt == kPortAttempts) return started;
  }
}

::testing::AssertionResult PrivateNginx::StartOnce(const std::string& http,
                                                   const std::string& server, bool* port_taken) {
  port_ = FreeTcpPort();
  if (port_ == 0) return ::testing::AssertionFailure() << "no free TCP port on 127.0.0.1";
  std::string nonce = RandomHex(16);
  std::string config = kNginxConfig;
  ReplaceAll(&config, "@HTTP@", http);
  ReplaceAll(&config, "@SERVER@", server);
  ReplaceAll(&config, "@DIR@", dir_);
  ReplaceAll(&config, "@PORT@", std::to_string(port_));
  ReplaceAll(&config, "@NONCE@", nonce);
  WriteFile(config_path(), config);
  WriteFile(dir_ + "/error.log", "");
  std::vector<std::string> argv = Command();
  // -e: nginx's own startup errors go to our file, not to the compiled-in log path.
  argv.insert(argv.end(), {"-e", dir_ + "/error.log"});
  if (!nginx_.Start(argv, {}, dir_ + "/nginx.log"))
    return ::testing::AssertionFailure() << "cannot start " << kNginx;
  std::string ready_url = "http://127.0.0.1:" + std::to_string(port_) + "/ready";
  std::string body;
  // The nonce tells our nginx from whatever else might answer on that port.
  bool answered = WaitUntil([&] {
    body.clear();
    return !nginx_.Running() ||
           (GitHttpServer::Get(ready_url, "", "", &body) == 200 && body == nonce);
  });
  if (answered && nginx_.Running()) return ::testing::AssertionSuccess();
  std::string errors = ErrorLog() + ReadFile(dir_ + "/nginx.log");
  *port_taken = errors.find("Address already in use") != std::string::npos;
  nginx_.Stop();
  return ::testing::AssertionFailure() << "nginx did not answer on port " << port_ << ":\n"
                                       << Tail(errors, 6000);
}

std::vector<std::string> PrivateNginx::Command() const {
  return {kNginx, "-p", dir_ + "/", "-c", config_path()};
}

// --- GitHttpServer ---------------------------------------------------------------------

GitHttpServer::GitHttpServer() : nginx_([] {
  char tmpl[] = "/tmp/berth-nginx-XXXXXX";
  const char* made = mkdtemp(tmpl);
  return std::string(made != nullptr ? made : "/tmp/berth-nginx-failed");
}()) {
  dir_ = nginx_.dir();
  for (const char* sub : {"/www/files", "/repos", "/work", "/tmp"})
    fs::create_directories(dir_ + sub);
}

GitHttpServer::~GitHttpServer() {
  nginx_.Stop();
  fcgiwrap_.Stop();
  if (::testing::Test::HasFailure()) {
    std::cerr << "----- nginx error.log -----\n"
              << Tail(ErrorLog(), 6000) << "----- nginx access.log -----\n"
              << Tail(AccessLog(), 6000) << "----- fcgiwrap output -----\n"
              << Tail(ReadFile(dir_ + "/fcgiwrap.log"), 6000) << "----- end of nginx logs -----\n";
  }
  std::error_code ignored;
  fs::remove_all(dir_, ignored);
}

std::string GitHttpServer::MissingPrograms() {
  struct Needed {
    const char* path;
    const char* package;
  };
  static const Needed kNeeded[] = {{kNginx, "nginx-light"},
                                   {kFcgiwrap, "fcgiwrap"},
                                   {kGitHttpBackend, "git"},
                                   {kOpenssl, "openssl"}};
  std::string missing;
  for (const Needed& needed : kNeeded) {
    if (access(needed.path, X_OK) == 0) continue;
    missing += std::string(missing.empty() ? "" : "; ") + needed.path + " (Debian package " +
               needed.package + ")";
  }
  if (missing.empty()) return "";
  return "missing test dependencies: " + missing +
         ". `make test` installs them (TEST_DEPS in the Makefile), or apt-get install them.";
}

::testing::AssertionResult GitHttpServer::Start(const std::string& username,
                                                const std::string& token) {
  if (std::string missing = MissingPrograms(); !missing.empty())
    return ::testing::AssertionFailure() << missing;
  CommandResult hash = RunCommand({kOpenssl, "passwd", "-apr1", token});
  if (hash.exit_code != 0)
    return ::testing::AssertionFailure() << "openssl passwd failed: " << hash.Describe();
  if (!WriteFile(dir_ + "/htpasswd", username + ":" + Trim(hash.out) + "\n"))
    return ::testing::AssertionFailure() << "cannot write " << dir_ << "/htpasswd";
  if (auto started = StartFcgiwrap(); !started) return started;
  std::string locations = kGitLocations;
  ReplaceAll(&locations, "@BACKEND@", kGitHttpBackend);
  ::testing::AssertionResult started = nginx_.Start("", locations);
  port_ = nginx_.port();
  return started;
}

::testing::AssertionResult GitHttpServer::StartFcgiwrap() {
  std::string socket_path = dir_ + "/fcgi.sock";
  // One process (no -c): git-http-backend runs once per request, and libgit2's requests come
  // one after the other.
  if (!fcgiwrap_.Start({kFcgiwrap, "-s", "unix:" + socket_path},
                       {"HOME=" + dir_, "GIT_CONFIG_NOSYSTEM=1"}, dir_ + "/fcgiwrap.log")) {
    return ::testing::AssertionFailure() << "cannot start " << kFcgiwrap;
  }
  bool ready = WaitUntil([&] { return IsSocket(socket_path) || !fcgiwrap_.Running(); });
  if (ready && fcgiwrap_.Running()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "fcgiwrap did not create " << socket_path << ":\n"
                                       << ReadFile(dir_ + "/fcgiwrap.log");
}

::testing::AssertionResult GitHttpServer::CreateRepo(const std::string& name) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"init", "-q", "--bare", "-b", "main",
                                 dir_ + "/repos/" + name + ".git"},
        std::vector<std::string>{"init", "-q", "-b", "main", dir_ + "/work/" + name}}) {
    CommandResult result = Git(args);
    if (result.exit_code != 0) return ::testing::AssertionFailure() << result.Describe();
  }
  return ::testing::AssertionSuccess();
}

std::string GitHttpServer::Commit(const std::string& name,
                                  const std::map<std::string, std::string>& files) {
  std::string work = dir_ + "/work/" + name;
  for (const auto& [path, text] : files) {
    fs::create_directories(fs::path(work + "/" + path).parent_path());
    EXPECT_TRUE(WriteFile(work + "/" + path, text)) << work << "/" << path;
  }
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"-C", work, "add", "-A"},
        std::vector<std::string>{"-C", work, "-c", "user.email=t@example.com", "-c", "user.name=t",
                                 "commit", "-q", "-m", "change"},
        std::vector<std::string>{"-C", work, "push", "-q", dir_ + "/repos/" + name + ".git",
                                 "HEAD:main"}}) {
    CommandResult result = Git(args);
    if (result.exit_code != 0) {
      ADD_FAILURE() << result.Describe();
      return "";
    }
  }
  return Trim(Git({"-C", work, "rev-parse", "HEAD"}).out);
}

std::string GitHttpServer::RepoUrl(const std::string& name) const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/git/" + name + ".git";
}

std::string GitHttpServer::FileUrl(const std::string& file) const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/files/" + file;
}

std::string GitHttpServer::FilePath(const std::string& file) const {
  return dir_ + "/www/files/" + file;
}

long GitHttpServer::Get(const std::string& url, const std::string& username,
                        const std::string& password, std::string* body) {
  EnsureCurlInitialised();
  CurlEasy curl(curl_easy_init());
  std::string ignored;
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_NOPROXY, "*");
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, 10000L);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, &AppendTo);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, body != nullptr ? body : &ignored);
  if (!username.empty()) {
    curl_easy_setopt(curl.get(), CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(curl.get(), CURLOPT_USERNAME, username.c_str());
    curl_easy_setopt(curl.get(), CURLOPT_PASSWORD, password.c_str());
  }
  long status = 0;
  if (curl_easy_perform(curl.get()) == CURLE_OK)
    curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
  return status;
}

CommandResult GitHttpServer::Git(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {kGit};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv, {"GIT_CONFIG_NOSYSTEM=1", "HOME=" + dir_});
}

}  // namespace berth::testing
