// Test support for berth-fetch: running it (and git, tar) as child processes, temporary
// directories, a tiny HTTP server on 127.0.0.1, and archives written with libarchive.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

struct archive;  // libarchive

namespace berth::testing {

struct ProcessResult {
  int exit_code = -1;  // -1: killed or not started
  std::string out;
  std::string err;
  // The last non-empty line of `err` ("error: ..."), or "".
  std::string LastErrorLine() const;
  // The RESULT line's JSON; null when the last stdout line is not one.
  nlohmann::json Result() const;
};

// Runs argv[0] (looked up in PATH) in `cwd` with `input` on stdin; kills it after 60 s.
ProcessResult RunProcess(const std::vector<std::string>& argv, const std::string& cwd = "",
                         const std::string& input = "");

// Runs the real berth-fetch with `job` on stdin.
ProcessResult RunFetch(const nlohmann::json& job, const std::string& cwd);

// Runs git with a fixed identity; fails the current test when git fails.
std::string Git(const std::string& cwd, const std::vector<std::string>& args);

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::string ReadFile(const std::string& path);
void WriteFile(const std::string& path, const std::string& content);
std::string Sha256Hex(const std::string& bytes);
// True when any regular file below `dir` contains `needle`.
bool TreeContains(const std::string& dir, const std::string& needle);

// Answers every GET with the body registered for its path (404 otherwise); when credentials
// are set, requests without the matching basic authorization get 401.
class HttpServer {
 public:
  HttpServer();
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  void Serve(const std::string& path, std::string body);
  void RequireBasicAuth(const std::string& user, const std::string& password);
  std::string Url(const std::string& path) const;
  // The Authorization headers received so far.
  std::vector<std::string> AuthorizationHeaders() const;

 private:
  void Loop();
  void Answer(int client);

  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::map<std::string, std::string> bodies_;
  std::string expected_auth_;  // "Basic <base64>", or "" for none
  std::vector<std::string> authorizations_;
  std::thread thread_;
};

// An archive written with libarchive, member by member, so that tests can build archives
// `tar` would refuse to make (absolute paths, "..", links out of the tree).
class ArchiveWriter {
 public:
  enum class Format { kTarGz, kTar, kZip };
  ArchiveWriter(const std::string& path, Format format);
  ~ArchiveWriter();
  ArchiveWriter(const ArchiveWriter&) = delete;
  ArchiveWriter& operator=(const ArchiveWriter&) = delete;

  void File(const std::string& name, const std::string& content, int mode = 0644);
  void Directory(const std::string& name);
  void Symlink(const std::string& name, const std::string& target);
  void Hardlink(const std::string& name, const std::string& target);
  void Close();

 private:
  ::archive* archive_ = nullptr;
};

}  // namespace berth::testing
