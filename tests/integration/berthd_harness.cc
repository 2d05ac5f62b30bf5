// Test harness for black-box tests: runs berthd on port 0 in a temp dir and talks HTTP to it.
#include "tests/integration/berthd_harness.h"

#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

namespace berth::testing {
namespace {

size_t AppendBody(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

struct HeaderSink {
  long status = 0;
  std::map<std::string, std::string> headers;
};

size_t AppendHeader(char* data, size_t size, size_t n, void* out) {
  auto* sink = static_cast<HeaderSink*>(out);
  ParseHeaderLine(std::string(data, size * n), &sink->status, &sink->headers);
  return size * n;
}

std::string RandomHex(size_t bytes) {
  std::ifstream urandom("/dev/urandom", std::ios::binary);
  std::string out;
  static const char kDigits[] = "0123456789abcdef";
  for (size_t i = 0; i < bytes; ++i) {
    unsigned char c = static_cast<unsigned char>(urandom.get());
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

int RemoveEntry(const char* path, const struct stat*, int, struct FTW*) {
  remove(path);
  return 0;
}

std::string NormaliseField(std::string field) {
  while (!field.empty() && (field[0] == '$' || field[0] == '.' || field[0] == '/')) {
    field.erase(0, 1);
  }
  return field;
}

}  // namespace

nlohmann::json HttpResponse::json() const {
  return nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
}

std::string HttpResponse::header(const std::string& name) const {
  auto it = headers.find(Lower(name));
  return it == headers.end() ? "" : it->second;
}

std::string HttpResponse::Describe() const {
  if (status == 0) return "transport error: " + transport_error;
  return std::to_string(status) + " " + body.substr(0, 2000);
}

BerthdProcess::BerthdProcess() : BerthdProcess(Options{}) {}

BerthdProcess::BerthdProcess(Options options) : options_(std::move(options)) {
  char tmpl[] = "/tmp/berth-it-XXXXXX";
  const char* made = mkdtemp(tmpl);
  root_dir_ = made != nullptr ? made : "/tmp/berth-it-failed";
  // Apps run as their own users and must be able to reach <state>/apps/<name>.
  chmod(root_dir_.c_str(), 0755);
  state_dir_ = root_dir_ + "/state";
  config_dir_ =
      root_dir_ + "/" + (options_.config_subdir.empty() ? "config" : options_.config_subdir);
  mkdir(state_dir_.c_str(), 0755);
  if (options_.config_subdir.empty()) mkdir(config_dir_.c_str(), 0755);
  stderr_path_ = root_dir_ + "/berthd.stderr";
  token_ = RandomHex(24);
}

BerthdProcess::~BerthdProcess() {
  int exit_code = 0;
  if (pid_ > 0 && ReapIfExited(&exit_code)) {
    ADD_FAILURE() << "berthd died during the test: "
                  << (exit_code > 128 ? "signal " + std::to_string(exit_code - 128)
                                      : "exit code " + std::to_string(exit_code));
  }
  if (::testing::Test::HasFailure()) {
    std::string err = StderrContents();
    if (err.size() > 30000) err = "...\n" + err.substr(err.size() - 30000);
    std::cerr << "----- berthd stderr (" << stderr_path_ << ") -----\n"
              << err << "\n----- end of berthd stderr -----\n";
  }
  if (pid_ > 0) Kill9();
  KillLeftovers();
  RemoveCreatedUsers();
  nftw(root_dir_.c_str(), RemoveEntry, 16, FTW_DEPTH | FTW_PHYS);
}

std::string BerthdProcess::base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

std::string BerthdProcess::app_dir(const std::string& name) const {
  return state_dir_ + "/apps/" + name;
}

std::string BerthdProcess::StderrContents() const { return ReadFile(stderr_path_); }

::testing::AssertionResult BerthdProcess::Start() {
  if (pid_ > 0) return ::testing::AssertionFailure() << "berthd is already running";
  return Spawn();
}

::testing::AssertionResult BerthdProcess::Restart() {
  if (pid_ > 0) return ::testing::AssertionFailure() << "berthd is still running";
  return Spawn();
}

::testing::AssertionResult BerthdProcess::Spawn() {
  unlink((state_dir_ + "/run/listeners").c_str());
  std::vector<std::string> argv = {BERTHD_PATH, "--state-dir", state_dir_,   "--config-dir",
                                   config_dir_, "--listen",    "127.0.0.1:0"};
  argv.insert(argv.end(), options_.extra_args.begin(), options_.extra_args.end());
  std::vector<std::string> env = InheritedEnvironment();
  ApplyEnv(&env, {"BERTH_ADMIN_TOKEN=" + token_});
  ApplyEnv(&env, options_.extra_env);

  Fd err_fd(open(stderr_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  if (err_fd.get() < 0) return ::testing::AssertionFailure() << "cannot open " << stderr_path_;
  std::string banner = "===== test harness: starting berthd =====\n";
  (void)!write(err_fd.get(), banner.data(), banner.size());
  pid_ = SpawnChild(argv, env, err_fd.get(), err_fd.get(), options_.open_files ? &*options_.open_files : nullptr);
  if (pid_ < 0) return ::testing::AssertionFailure() << "fork failed: " << strerror(errno);
  return WaitForListeners();
}

bool BerthdProcess::ReapIfExited(int* exit_code) {
  if (pid_ <= 0) return true;
  int status = 0;
  pid_t got = waitpid(pid_, &status, WNOHANG);
  if (got != pid_) return false;
  *exit_code = DecodeWaitStatus(status);
  pid_ = -1;
  return true;
}

::testing::AssertionResult BerthdProcess::WaitForListeners() {
  std::string path = state_dir_ + "/run/listeners";
  std::string contents;
  int exit_code = 0;
  bool exited = false;
  bool found = WaitUntil([&] {
    if (ReapIfExited(&exit_code)) {
      exited = true;
      return true;
    }
    contents = ReadFile(path);
    std::istringstream lines(contents);
    std::string line;
    while (std::getline(lines, line)) {
      line = Trim(line);
      if (line.empty() || line.rfind("unix:", 0) == 0) continue;
      size_t colon = line.rfind(':');
      if (colon == std::string::npos) continue;
      int port = std::atoi(line.c_str() + colon + 1);
      if (port > 0) {
        port_ = port;
        return true;
      }
    }
    return false;
  });
  if (exited) {
    return ::testing::AssertionFailure()
           << "berthd exited (code " << exit_code << ") before listening; stderr:\n"
           << StderrContents();
  }
  if (!found) {
    return ::testing::AssertionFailure()
           << "no TCP port in " << path << " after 10 s (contents: '" << contents << "'); stderr:\n"
           << StderrContents();
  }
  return ::testing::AssertionSuccess();
}

int BerthdProcess::StopWith(int signal_number, milliseconds timeout) {
  if (pid_ <= 0) return -1;
  kill(pid_, signal_number);
  int exit_code = -1;
  if (WaitUntil([&] { return ReapIfExited(&exit_code); }, timeout)) return exit_code;
  Kill9();
  return -1;
}

void BerthdProcess::Kill9() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

void BerthdProcess::KillLeftovers() {
  // Whatever berthd left behind (apps of a killed berthd) mentions the temp dir in its command
  // line or environment (HOME, TMPDIR, --state-dir).
  pid_t self = getpid();
  WaitUntil(
      [&] {
        bool any = false;
        for (pid_t pid : AllPids()) {
          if (pid == self || !ProcessAlive(pid)) continue;
          std::string where = "/proc/" + std::to_string(pid);
          std::string text = ReadFile(where + "/cmdline") + ReadFile(where + "/environ");
          if (text.find(root_dir_) == std::string::npos) continue;
          kill(pid, SIGKILL);
          any = true;
        }
        return !any;
      },
      milliseconds(5000), milliseconds(20));
}

void BerthdProcess::RemoveCreatedUsers() {
  if (!IsRoot()) return;
  std::istringstream passwd(ReadFile("/etc/passwd"));
  std::string line;
  std::vector<std::string> users;
  while (std::getline(passwd, line)) {
    std::vector<std::string> fields;
    std::istringstream in(line);
    std::string field;
    while (std::getline(in, field, ':')) fields.push_back(field);
    if (fields.size() >= 6 && fields[5].rfind(root_dir_, 0) == 0) users.push_back(fields[0]);
  }
  for (const std::string& user : users) RunUserTool({"/usr/sbin/userdel", user});
}

HttpResponse PerformRequest(const std::string& method, const std::string& url,
                            const std::string& body, const HeaderLines& headers,
                            const std::string& unix_socket) {
  EnsureCurlInitialised();
  HttpResponse response;
  CurlEasy curl(curl_easy_init());
  curl_slist* raw_list = nullptr;
  bool has_body = !body.empty() || method == "POST" || method == "PUT" || method == "PATCH";
  if (has_body && !HasHeader(headers, "content-type")) {
    raw_list = curl_slist_append(raw_list, "Content-Type: application/json");
  }
  if (!HasHeader(headers, "expect")) raw_list = curl_slist_append(raw_list, "Expect:");
  for (const std::string& line : headers) raw_list = curl_slist_append(raw_list, line.c_str());
  CurlSlist header_list(raw_list);

  HeaderSink sink;
  if (!unix_socket.empty())
    curl_easy_setopt(curl.get(), CURLOPT_UNIX_SOCKET_PATH, unix_socket.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_NOPROXY, "*");
  curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, header_list.get());
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, 20000L);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, &AppendBody);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(curl.get(), CURLOPT_HEADERFUNCTION, &AppendHeader);
  curl_easy_setopt(curl.get(), CURLOPT_HEADERDATA, &sink);
  if (has_body) {
    curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, body.data());
  }
  if (method == "HEAD") {
    curl_easy_setopt(curl.get(), CURLOPT_NOBODY, 1L);
  } else if (method != "GET" && method != "POST") {
    curl_easy_setopt(curl.get(), CURLOPT_CUSTOMREQUEST, method.c_str());
  }
  CURLcode code = curl_easy_perform(curl.get());
  response.headers = std::move(sink.headers);
  if (code != CURLE_OK) {
    response.transport_error = curl_easy_strerror(code);
    return response;
  }
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

HttpResponse BerthdProcess::Request(const std::string& method, const std::string& path,
                                    const std::string& body, const HeaderLines& headers) {
  HeaderLines all = headers;
  if (!HasHeader(headers, "authorization")) all.push_back("Authorization: Bearer " + token_);
  HttpResponse response = PerformRequest(method, base_url() + path, body, all);
  if (response.status == 0 && pid_ > 0 && !ProcessAlive(pid_))
    response.transport_error += " (berthd is no longer running)";
  return response;
}

HttpResponse BerthdProcess::Get(const std::string& path, const HeaderLines& headers) {
  return Request("GET", path, "", headers);
}

HttpResponse BerthdProcess::Delete(const std::string& path, const HeaderLines& headers) {
  return Request("DELETE", path, "", headers);
}

HttpResponse BerthdProcess::Post(const std::string& path, const std::string& body,
                                 const HeaderLines& headers) {
  return Request("POST", path, body, headers);
}

HttpResponse BerthdProcess::Post(const std::string& path, const nlohmann::json& body,
                                 const HeaderLines& headers) {
  return Request("POST", path, body.dump(), headers);
}

HttpResponse BerthdProcess::Put(const std::string& path, const nlohmann::json& body,
                                const HeaderLines& headers) {
  return Request("PUT", path, body.dump(), headers);
}

HttpResponse BerthdProcess::Patch(const std::string& path, const nlohmann::json& body,
                                  const HeaderLines& headers) {
  return Request("PATCH", path, body.dump(), headers);
}

std::unique_ptr<SseClient> BerthdProcess::OpenSse(const std::string& path,
                                                  const HeaderLines& headers) {
  HeaderLines all = headers;
  if (!HasHeader(all, "authorization")) all.push_back("Authorization: Bearer " + token_);
  return std::make_unique<SseClient>(base_url() + path, all);
}

std::optional<nlohmann::json> BerthdProcess::WaitForApp(
    const std::string& name, const std::function<bool(const nlohmann::json&)>& match,
    milliseconds timeout) {
  std::optional<nlohmann::json> found;
  WaitUntil(
      [&] {
        HttpResponse response = Get("/v1/apps/" + name);
        last_seen_ = response.Describe();
        nlohmann::json app = response.json();
        if (response.status == 200 && app.is_object() && match(app)) found = app;
        return found.has_value();
      },
      timeout, milliseconds(20));
  return found;
}

std::optional<nlohmann::json> BerthdProcess::WaitForState(const std::string& name,
                                                          const std::string& state,
                                                          milliseconds timeout) {
  return WaitForApp(
      name, [&](const nlohmann::json& app) { return AppState(app) == state; }, timeout);
}

std::optional<nlohmann::json> BerthdProcess::WaitForNewPid(const std::string& name, long old_pid,
                                                           milliseconds timeout) {
  return WaitForApp(
      name,
      [&](const nlohmann::json& app) {
        long pid = AppPid(app);
        return pid > 0 && pid != old_pid && AppState(app) == "running";
      },
      timeout);
}

std::optional<nlohmann::json> BerthdProcess::WaitForLogLine(const std::string& name,
                                                            const std::string& needle,
                                                            milliseconds timeout) {
  std::optional<nlohmann::json> found;
  WaitUntil(
      [&] {
        HttpResponse response = Get("/v1/apps/" + name + "/logs?entries=1000");
        last_seen_ = response.Describe();
        if (response.status != 200) return false;
        nlohmann::json logs = response.json();
        for (const std::string& line : LogLines(logs)) {
          if (line.find(needle) != std::string::npos) {
            found = logs;
            return true;
          }
        }
        return false;
      },
      timeout, milliseconds(20));
  return found;
}

void BerthdTest::SetUp() {
  berthd_ = std::make_unique<BerthdProcess>();
  ASSERT_TRUE(berthd_->Start());
}

// --- Helpers ---------------------------------------------------------------------------

nlohmann::json ProcessApp(const std::string& name, const nlohmann::json& command,
                          const nlohmann::json& extra) {
  nlohmann::json app = {{"name", name},
                        {"kind", "process"},
                        {"command", command},
                        {"start_seconds", 1},
                        {"autostart", true}};
  for (auto it = extra.begin(); it != extra.end(); ++it) app[it.key()] = it.value();
  return app;
}

nlohmann::json Sh(const std::string& script) { return {"/bin/sh", "-c", script}; }

::testing::AssertionResult IsApiError(const HttpResponse& response, long status,
                                      const std::string& code, const std::string& field) {
  auto failure = [&]() {
    return ::testing::AssertionFailure() << "expected " << status << " '" << code << "'"
                                         << (field.empty() ? "" : " field '" + field + "'")
                                         << ", got " << response.Describe() << "\n  ";
  };
  if (response.status != status) return failure() << "wrong status";
  if (response.header("content-type").find("application/json") == std::string::npos) {
    return failure() << "content-type is '" << response.header("content-type") << "'";
  }
  nlohmann::json body = response.json();
  if (!body.is_object() || !body.contains("error") || !body["error"].is_object()) {
    return failure() << "body has no error object";
  }
  const nlohmann::json& error = body["error"];
  if (!error.contains("code") || error["code"] != code) return failure() << "wrong code";
  if (!error.contains("message") || !error["message"].is_string() ||
      error["message"].get<std::string>().empty()) {
    return failure() << "message missing or empty";
  }
  if (!field.empty()) {
    if (!error.contains("field") || !error["field"].is_string() ||
        NormaliseField(error["field"]) != field) {
      return failure() << "wrong field";
    }
  }
  return ::testing::AssertionSuccess();
}

long AppPid(const nlohmann::json& app) {
  if (!app.is_object() || !app.contains("status") || !app["status"].is_object()) return 0;
  const nlohmann::json& pid = app["status"].value("pid", nlohmann::json());
  return pid.is_number_integer() ? pid.get<long>() : 0;
}

std::string AppState(const nlohmann::json& app) {
  if (!app.is_object() || !app.contains("status") || !app["status"].is_object()) return "";
  const nlohmann::json& status = app["status"];
  return status.contains("state") && status["state"].is_string() ? status["state"] : "";
}

std::vector<std::string> LogLines(const nlohmann::json& logs) {
  std::vector<std::string> lines;
  if (!logs.is_array()) return lines;
  for (const nlohmann::json& entry : logs) {
    if (entry.is_object() && entry.contains("line") && entry["line"].is_string()) {
      lines.push_back(entry["line"]);
    }
  }
  return lines;
}

}  // namespace berth::testing
