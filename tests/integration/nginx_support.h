// A real HTTP server for black-box tests: nginx and fcgiwrap run from a temp dir on a port chosen
// at run time, serving git repositories over smart HTTP (git-http-backend, basic auth) and files.
#ifndef BERTH_TESTS_INTEGRATION_NGINX_SUPPORT_H_
#define BERTH_TESTS_INTEGRATION_NGINX_SUPPORT_H_

#include <gtest/gtest.h>
#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "tests/integration/test_support.h"

namespace berth::testing {

// A child process the test started; SIGTERM (then SIGKILL) and reaped when it goes away.
class ChildProcess {
 public:
  ChildProcess() = default;
  ~ChildProcess() { Stop(); }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Starts argv (argv[0] a path) with `env` added to the inherited environment, its stdout and
  // stderr appended to `log_path`. False when it could not be started.
  bool Start(const std::vector<std::string>& argv, const std::vector<std::string>& env,
             const std::string& log_path);
  // True while the process has not exited (reaps it when it has).
  bool Running();
  // SIGTERM, then SIGKILL if it has not exited after `patience`. True when SIGTERM was enough
  // (or it was not running).
  bool Stop(milliseconds patience = milliseconds(5000));

 private:
  pid_t pid_ = -1;
};

// nginx on 127.0.0.1:<port> with, under <dir>:
//   /git/<name>.git/...  git-http-backend for the bare repository <dir>/repos/<name>.git, behind
//                        HTTP basic auth for one username and token (htpasswd, apr1 hash);
//   /files/<file>        <dir>/www/files/<file>, no auth;
//   access.log, error.log, fcgiwrap.log.
// Everything is stopped and the directory removed when the object goes away.
class GitHttpServer {
 public:
  GitHttpServer();
  ~GitHttpServer();
  GitHttpServer(const GitHttpServer&) = delete;
  GitHttpServer& operator=(const GitHttpServer&) = delete;

  // What is missing among nginx, fcgiwrap, git-http-backend and openssl, as a message that
  // says how to get it; "" when all are installed.
  static std::string MissingPrograms();

  // Writes the htpasswd file for `username`/`token`, starts fcgiwrap and nginx and waits until
  // nginx answers.
  ::testing::AssertionResult Start(const std::string& username, const std::string& token);

  // Creates the bare repository <name>.git (branch main) with a working clone.
  ::testing::AssertionResult CreateRepo(const std::string& name);
  // Writes the files in the working clone of `name`, commits and pushes them to main; returns
  // the commit's sha ("" on failure, with a test failure added).
  std::string Commit(const std::string& name, const std::map<std::string, std::string>& files);

  // http://127.0.0.1:<port>/git/<name>.git
  std::string RepoUrl(const std::string& name) const;
  // http://127.0.0.1:<port>/files/<file>, and where that file lives on disk.
  std::string FileUrl(const std::string& file) const;
  std::string FilePath(const std::string& file) const;

  // GET `url` (with basic auth when `username` is not empty); the status, 0 on failure.
  static long Get(const std::string& url, const std::string& username = "",
                  const std::string& password = "", std::string* body = nullptr);

  int port() const { return port_; }
  const std::string& dir() const { return dir_; }
  std::string AccessLog() const { return ReadFile(dir_ + "/access.log"); }
  std::string ErrorLog() const { return ReadFile(dir_ + "/error.log"); }

 private:
  ::testing::AssertionResult StartFcgiwrap();
  // One attempt on a free port; `port_taken` tells a lost race for the port from other errors.
  ::testing::AssertionResult StartNginx(bool* port_taken);
  std::string NginxConfig(const std::string& nonce) const;
  CommandResult Git(const std::vector<std::string>& args) const;

  std::string dir_;
  int port_ = 0;
  ChildProcess fcgiwrap_;
  ChildProcess nginx_;
};

}  // namespace berth::testing

#endif  // BERTH_TESTS_INTEGRATION_NGINX_SUPPORT_H_
