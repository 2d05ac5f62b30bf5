// A Server-Sent Events reader for tests: one GET on its own thread, events queued for waiting.
#ifndef BERTH_TESTS_INTEGRATION_SSE_CLIENT_H_
#define BERTH_TESTS_INTEGRATION_SSE_CLIENT_H_

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/http_support.h"
#include "tests/integration/test_support.h"

namespace berth::testing {

// One Server-Sent Event as dispatched by the blank line that ends it.
struct SseEvent {
  std::string id;
  std::string event;  // "message" when the stream named none
  std::string data;   // data lines joined by "\n"
  nlohmann::json json() const;
};

// Reads a GET on a text/event-stream URL on its own thread and queues every event it sees.
// The stream is closed by the destructor (or Close()).
class SseClient {
 public:
  SseClient(std::string url, HeaderLines headers);
  ~SseClient();
  SseClient(const SseClient&) = delete;
  SseClient& operator=(const SseClient&) = delete;

  // Waits until the response headers arrived; returns the HTTP status (0 on timeout or error).
  long WaitForStatus(milliseconds timeout = kDefaultTimeout);
  // The response header `name` (any case), once WaitForStatus returned.
  std::string header(const std::string& name);
  // Returns the first event, seen since the stream opened and not yet returned, that
  // matches `match`; earlier non-matching events are kept. nullopt when none came in time.
  std::optional<SseEvent> WaitForEvent(const std::function<bool(const SseEvent&)>& match,
                                       milliseconds timeout = kDefaultTimeout);
  // Returns every event received so far (including ones already returned by WaitForEvent).
  std::vector<SseEvent> AllEvents();
  // True once the server ended the stream (or the transfer failed).
  bool Finished();
  // How many ':' comment lines (keep-alives) arrived so far.
  int CommentCount();
  // Raw bytes of the body so far (for failure messages).
  std::string RawBody();
  void Close();

 private:
  void Run();
  void OnBody(const char* data, size_t size);
  void OnHeaderLine(const std::string& line);
  void DispatchLine(std::string line);

  static size_t WriteCallback(char* data, size_t size, size_t n, void* self);
  static size_t HeaderCallback(char* data, size_t size, size_t n, void* self);

  std::string url_;
  HeaderLines request_headers_;
  std::atomic<bool> stop_{false};
  void* multi_ = nullptr;  // CURLM*, owned by the reader thread's lifetime

  std::mutex mu_;
  std::condition_variable cv_;
  long status_ = 0;
  bool headers_done_ = false;
  bool finished_ = false;
  std::map<std::string, std::string> headers_;
  std::string raw_;
  std::string pending_line_;
  SseEvent building_;
  bool building_has_data_ = false;
  int comments_ = 0;
  std::vector<SseEvent> events_;
  std::vector<bool> consumed_;

  std::thread thread_;
};

}  // namespace berth::testing

#endif  // BERTH_TESTS_INTEGRATION_SSE_CLIENT_H_
