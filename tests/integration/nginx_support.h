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

// nginx run by a test from `dir` (which must exist) on 127.0.0.1 and a port picked at run
// time, with a master process (as a real nginx reloads). Its config is the caller's text for
// the http block (`http`) and for its one server (`server`, beside a /ready location), with
// @DIR@ and @PORT@ replaced; its logs are <dir>/error.log and <dir>/access.log.
class PrivateNginx {
 public:
  explicit PrivateNginx(std::string dir) : dir_(std::move(dir)) {}
  ~PrivateNginx() { Stop(); }
  PrivateNginx(const PrivateNginx&) = delete;
  PrivateNginx& operator=(const PrivateNginx&) = delete;

  // Writes <dir>/nginx.conf, starts nginx and waits until it answers; tries another port when
  // the one picked was taken meanwhile.
  ::testing::AssertionResult Start(const std::string& http, const std::string& server);
  void Stop() { nginx_.Stop(); }
  bool Running() { return nginx_.Running(); }

  int port() const { return port_; }
  const std::string& dir() const { return dir_; }
  std::string config_path() const { return dir_ + "/nginx.conf"; }
  // nginx's argv for this instance, without the action: append "-t" or "-s", "reload".
  std::vector<std::string> Command() const;
  std::string ErrorLog() const { return ReadFile(dir_ + "/error.log"); }
  std::string AccessLog() const { return ReadFile(dir_ + "/access.log"); }

 private:
  ::testing::AssertionResult StartOnce(const std::string& http, const std::string& server,
                                       bool* port_taken);

  std::string dir_;
  int port_ = 0;
  ChildProcess nginx_;
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
  std::string AccessLog() const { return nginx_.AccessLog(); }
  std::string ErrorLog() const { return nginx_.ErrorLog(); }

 private:
  ::testing::AssertionResult StartFcgiwrap();
  CommandResult Git(const std::vector<std::string>& args) const;

  std::string dir_;
  int port_ = 0;
  ChildProcess fcgiwrap_;
  PrivateNginx nginx_;
};

}  // namespace berth::testing

#endif  // BERTH_TESTS_INTEGRATION_NGINX_SUPPORT_H_
