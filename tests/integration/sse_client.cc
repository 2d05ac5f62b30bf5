// A Server-Sent Events reader for tests: libcurl multi on a thread, parsed per the SSE spec.
#include "tests/integration/sse_client.h"

namespace berth::testing {

nlohmann::json SseEvent::json() const {
  return nlohmann::json::parse(data, nullptr, /*allow_exceptions=*/false);
}

SseClient::SseClient(std::string url, HeaderLines headers)
    : url_(std::move(url)), request_headers_(std::move(headers)) {
  EnsureCurlInitialised();
  thread_ = std::thread([this] { Run(); });
}

SseClient::~SseClient() { Close(); }

void SseClient::Close() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void SseClient::Run() {
  CurlEasy easy(curl_easy_init());
  CurlSlist header_list;
  curl_slist* raw_list = nullptr;
  raw_list = curl_slist_append(raw_list, "Accept: text/event-stream");
  for (const std::string& line : request_headers_)
    raw_list = curl_slist_append(raw_list, line.c_str());
  header_list.reset(raw_list);
  curl_easy_setopt(easy.get(), CURLOPT_URL, url_.c_str());
  curl_easy_setopt(easy.get(), CURLOPT_HTTPHEADER, header_list.get());
  curl_easy_setopt(easy.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy.get(), CURLOPT_WRITEFUNCTION, &SseClient::WriteCallback);
  curl_easy_setopt(easy.get(), CURLOPT_WRITEDATA, this);
  curl_easy_setopt(easy.get(), CURLOPT_HEADERFUNCTION, &SseClient::HeaderCallback);
  curl_easy_setopt(easy.get(), CURLOPT_HEADERDATA, this);
  curl_easy_setopt(easy.get(), CURLOPT_CONNECTTIMEOUT_MS, 10000L);

  CurlMulti multi(curl_multi_init());
  curl_multi_add_handle(multi.get(), easy.get());
  while (!stop_) {
    int running = 0;
    if (curl_multi_perform(multi.get(), &running) != CURLM_OK || running == 0) break;
    curl_multi_poll(multi.get(), nullptr, 0, 50, nullptr);
  }
  curl_multi_remove_handle(multi.get(), easy.get());
  std::lock_guard<std::mutex> lock(mu_);
  finished_ = true;
  cv_.notify_all();
}

size_t SseClient::WriteCallback(char* data, size_t size, size_t n, void* self) {
  static_cast<SseClient*>(self)->OnBody(data, size * n);
  return size * n;
}

size_t SseClient::HeaderCallback(char* data, size_t size, size_t n, void* self) {
  static_cast<SseClient*>(self)->OnHeaderLine(std::string(data, size * n));
  return size * n;
}

void SseClient::OnHeaderLine(const std::string& line) {
  std::lock_guard<std::mutex> lock(mu_);
  if (Trim(line).empty()) {
    // The blank line after the headers; 1xx responses are followed by the real one.
    if (status_ >= 200) headers_done_ = true;
    cv_.notify_all();
    return;
  }
  ParseHeaderLine(line, &status_, &headers_);
}

void SseClient::OnBody(const char* data, size_t size) {
  std::lock_guard<std::mutex> lock(mu_);
  raw_.append(data, size);
  pending_line_.append(data, size);
  size_t newline;
  while ((newline = pending_line_.find('\n')) != std::string::npos) {
    std::string line = pending_line_.substr(0, newline);
    pending_line_.erase(0, newline + 1);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    DispatchLine(std::move(line));
  }
}

void SseClient::DispatchLine(std::string line) {
  if (line.empty()) {
    if (building_has_data_) {
      if (building_.event.empty()) building_.event = "message";
      events_.push_back(building_);
      consumed_.push_back(false);
      cv_.notify_all();
    }
    building_ = SseEvent{};
    building_has_data_ = false;
    return;
  }
  if (line[0] == ':') {  // comment / keep-alive
    ++comments_;
    cv_.notify_all();
    return;
  }
  size_t colon = line.find(':');
  std::string field = line.substr(0, colon);
  std::string value = colon == std::string::npos ? "" : line.substr(colon + 1);
  if (!value.empty() && value[0] == ' ') value.erase(0, 1);
  if (field == "data") {
    if (building_has_data_) building_.data += "\n";
    building_.data += value;
    building_has_data_ = true;
  } else if (field == "event") {
    building_.event = value;
  } else if (field == "id") {
    building_.id = value;
  }
}

long SseClient::WaitForStatus(milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, timeout, [this] { return headers_done_ || finished_; });
  return headers_done_ ? status_ : 0;
}

std::string SseClient::header(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = headers_.find(Lower(name));
  return it == headers_.end() ? "" : it->second;
}

std::optional<SseEvent> SseClient::WaitForEvent(const std::function<bool(const SseEvent&)>& match,
                                                milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    for (size_t i = 0; i < events_.size(); ++i) {
      if (!consumed_[i] && match(events_[i])) {
        consumed_[i] = true;
        return events_[i];
      }
    }
    if (finished_) return std::nullopt;
    if (cv_.wait_until(lock, deadline) == std::cv_status::timeout) {
      for (size_t i = 0; i < events_.size(); ++i) {
        if (!consumed_[i] && match(events_[i])) {
          consumed_[i] = true;
          return events_[i];
        }
      }
      return std::nullopt;
    }
  }
}

std::vector<SseEvent> SseClient::AllEvents() {
  std::lock_guard<std::mutex> lock(mu_);
  return events_;
}

bool SseClient::Finished() {
  std::lock_guard<std::mutex> lock(mu_);
  return finished_;
}

int SseClient::CommentCount() {
  std::lock_guard<std::mutex> lock(mu_);
  return comments_;
}

std::string SseClient::RawBody() {
  std::lock_guard<std::mutex> lock(mu_);
  return raw_;
}

}  // namespace berth::testing
