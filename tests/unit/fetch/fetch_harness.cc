// Child processes, temporary directories, the HTTP server and the archive writer of the
// berth-fetch tests.
#include "fetch_harness.h"

#include <archive.h>
#include <archive_entry.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace berth::testing {
namespace {

namespace fs = std::filesystem;

std::string Base64(const std::string& in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  out.resize(n);
  return out;
}

void CloseFd(int& fd) {
  if (fd >= 0) close(fd);
  fd = -1;
}

// Feeds `input` to `in_fd` and collects `out_fd`, `err_fd` until both close or time runs out.
bool Exchange(int in_fd, int out_fd, int err_fd, const std::string& input, ProcessResult* r) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  size_t written = 0;
  int fds[3] = {in_fd, out_fd, err_fd};
  if (input.empty()) CloseFd(fds[0]);
  while (fds[1] >= 0 || fds[2] >= 0) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    pollfd polls[3] = {{fds[0], POLLOUT, 0}, {fds[1], POLLIN, 0}, {fds[2], POLLIN, 0}};
    if (poll(polls, 3, 200) < 0) continue;
    if (fds[0] >= 0 && polls[0].revents) {
      ssize_t n = write(fds[0], input.data() + written, input.size() - written);
      if (n > 0) written += n;
      if (n <= 0 || written == input.size()) CloseFd(fds[0]);
    }
    for (int i = 1; i < 3; ++i) {
      if (fds[i] < 0 || !polls[i].revents) continue;
      char buffer[4096];
      ssize_t n = read(fds[i], buffer, sizeof(buffer));
      if (n <= 0) {
        CloseFd(fds[i]);
        continue;
      }
      (i == 1 ? r->out : r->err).append(buffer, n);
    }
  }
  CloseFd(fds[0]);
  return true;
}

}  // namespace

std::string ProcessResult::LastErrorLine() const {
  std::istringstream lines(err);
  std::string line, last;
  while (std::getline(lines, line)) {
    if (!line.empty()) last = line;
  }
  return last;
}

nlohmann::json ProcessResult::Result() const {
  std::istringstream lines(out);
  std::string line, last;
  while (std::getline(lines, line)) last = line;
  if (last.rfind("RESULT ", 0) != 0) return nullptr;
  return nlohmann::json::parse(last.substr(7), nullptr, false);
}

ProcessResult RunProcess(const std::vector<std::string>& argv, const std::string& cwd,
                         const std::string& input) {
  ProcessResult result;
  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) return result;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    if (!cwd.empty() && chdir(cwd.c_str()) != 0) _exit(126);
    std::vector<char*> args;
    for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  close(err[1]);
  signal(SIGPIPE, SIG_IGN);
  bool finished = Exchange(in[1], out[0], err[0], input, &result);
  if (!finished) kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  if (finished && WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  return result;
}

ProcessResult RunFetch(const nlohmann::json& job, const std::string& cwd) {
  return RunProcess({BERTH_FETCH_PATH}, cwd, job.dump());
}

std::string Git(const std::string& cwd, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"git",
                                   "-c",
                                   "user.name=Berth Test",
                                   "-c",
                                   "user.email=test@berth.invalid",
                                   "-c",
                                   "init.defaultBranch=main",
                                   "-c",
                                   "advice.detachedHead=false"};
  argv.insert(argv.end(), args.begin(), args.end());
  ProcessResult result = RunProcess(argv, cwd);
  std::string command;
  for (const auto& arg : args) command += " " + arg;
  EXPECT_EQ(result.exit_code, 0) << "git" << command << ": " << result.err;
  while (!result.out.empty() && result.out.back() == '\n') result.out.pop_back();
  return result.out;
}

TempDir::TempDir() {
  std::string pattern = (fs::temp_directory_path() / "berth-fetch-test-XXXXXX").string();
  char* made = mkdtemp(pattern.data());
  EXPECT_NE(made, nullptr);
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

void WriteFile(const std::string& path, const std::string& content) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << content;
}

std::string Sha256Hex(const std::string& bytes) {
  unsigned char hash[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(bytes.data(), bytes.size(), hash, &size, EVP_sha256(), nullptr);
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < size; ++i) {
    out += kHex[hash[i] >> 4];
    out += kHex[hash[i] & 0xf];
  }
  return out;
}

bool TreeContains(const std::string& dir, const std::string& needle) {
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file() && ReadFile(it->path()).find(needle) != std::string::npos) {
      return true;
    }
  }
  return false;
}

HttpServer::HttpServer() {
  listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t length = sizeof(addr);
  EXPECT_EQ(bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  EXPECT_EQ(listen(listener_, 16), 0);
  getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &length);
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { Loop(); });
}

HttpServer::~HttpServer() {
  stop_ = true;
  thread_.join();
  close(listener_);
}

void HttpServer::Serve(const std::string& path, std::string body) {
  std::lock_guard<std::mutex> lock(mu_);
  bodies_[path] = std::move(body);
}

void HttpServer::RequireBasicAuth(const std::string& user, const std::string& password) {
  std::lock_guard<std::mutex> lock(mu_);
  expected_auth_ = "Basic " + Base64(user + ":" + password);
}

std::string HttpServer::Url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

std::vector<std::string> HttpServer::AuthorizationHeaders() const {
  std::lock_guard<std::mutex> lock(mu_);
  return authorizations_;
}

void HttpServer::Loop() {
  while (!stop_) {
    pollfd poller{listener_, POLLIN, 0};
    if (poll(&poller, 1, 100) <= 0) continue;
    int client = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    Answer(client);
    close(client);
  }
}

void HttpServer::Answer(int client) {
  std::string request;
  char buffer[4096];
  while (request.find("\r\n\r\n") == std::string::npos) {
    pollfd poller{client, POLLIN, 0};
    if (poll(&poller, 1, 5000) <= 0) return;
    ssize_t n = read(client, buffer, sizeof(buffer));
    if (n <= 0) return;
    request.append(buffer, n);
  }
  std::string path = request.substr(4, request.find(' ', 4) - 4);
  std::string query_free = path.substr(0, path.find('?'));
  std::string authorization;
  size_t at = request.find("\r\nAuthorization: ");
  if (at != std::string::npos) {
    size_t start = at + 17;
    authorization = request.substr(start, request.find("\r\n", start) - start);
  }
  std::string status = "200 OK", body, extra;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!authorization.empty()) authorizations_.push_back(authorization);
    auto it = bodies_.find(query_free);
    if (!expected_auth_.empty() && authorization != expected_auth_) {
      status = "401 Unauthorized";
      extra = "WWW-Authenticate: Basic realm=\"berth\"\r\n";
    } else if (it == bodies_.end()) {
      status = "404 Not Found";
    } else {
      body = it->second;
    }
  }
  std::string response = "HTTP/1.1 " + status +
                         "\r\nContent-Length: " + std::to_string(body.size()) +
                         "\r\nConnection: close\r\n" + extra + "\r\n" + body;
  for (size_t sent = 0; sent < response.size();) {
    ssize_t n = send(client, response.data() + sent, response.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += n;
  }
}

ArchiveWriter::ArchiveWriter(const std::string& path, Format format) {
  archive_ = archive_write_new();
  if (format == Format::kZip) {
    archive_write_set_format_zip(archive_);
  } else {
    archive_write_set_format_pax_restricted(archive_);
    if (format == Format::kTarGz) archive_write_add_filter_gzip(archive_);
  }
  EXPECT_EQ(archive_write_open_filename(archive_, path.c_str()), ARCHIVE_OK)
      << archive_error_string(archive_);
}

ArchiveWriter::~ArchiveWriter() { Close(); }

namespace {

void WriteEntry(::archive* out, const std::string& name, mode_t type, int mode,
                const std::string& content, const char* symlink, const char* hardlink) {
  archive_entry* entry = archive_entry_new();
  archive_entry_set_pathname(entry, name.c_str());
  archive_entry_set_filetype(entry, type);
  archive_entry_set_perm(entry, mode);
  archive_entry_set_size(entry, static_cast<la_int64_t>(content.size()));
  archive_entry_set_mtime(entry, 1700000000, 0);
  if (symlink != nullptr) archive_entry_set_symlink(entry, symlink);
  if (hardlink != nullptr) archive_entry_set_hardlink(entry, hardlink);
  EXPECT_EQ(archive_write_header(out, entry), ARCHIVE_OK) << archive_error_string(out);
  if (!content.empty()) archive_write_data(out, content.data(), content.size());
  archive_entry_free(entry);
}

}  // namespace

void ArchiveWriter::File(const std::string& name, const std::string& content, int mode) {
  WriteEntry(archive_, name, AE_IFREG, mode, content, nullptr, nullptr);
}

void ArchiveWriter::Directory(const std::string& name) {
  WriteEntry(archive_, name, AE_IFDIR, 0755, "", nullptr, nullptr);
}

void ArchiveWriter::Symlink(const std::string& name, const std::string& target) {
  WriteEntry(archive_, name, AE_IFLNK, 0777, "", target.c_str(), nullptr);
}

void ArchiveWriter::Hardlink(const std::string& name, const std::string& target) {
  WriteEntry(archive_, name, AE_IFREG, 0644, "", nullptr, target.c_str());
}

void ArchiveWriter::Close() {
  if (archive_ == nullptr) return;
  archive_write_close(archive_);
  archive_write_free(archive_);
  archive_ = nullptr;
}

}  // namespace berth::testing
