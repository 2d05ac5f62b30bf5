// Tests of HttpClient against evhttp servers on the same loop, over TCP and a unix socket:
// buffered and streamed responses, cancellation, errors, concurrency and connection reuse.
#include "reactor/http_client.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/unit/reactor/http_test_server.h"
#include "tests/unit/run_loop.h"

namespace berth {
namespace {

namespace fs = std::filesystem;

using Outcome = std::optional<Result<HttpResponse>>;

// Whether the call was answered with `status` and `body`.
::testing::AssertionResult Answered(const Outcome& outcome, long status, const std::string& body) {
  if (!outcome) return ::testing::AssertionFailure() << "no answer before the deadline";
  if (!outcome->ok()) return ::testing::AssertionFailure() << outcome->status().message();
  if (outcome->value().status != status || outcome->value().body != body) {
    return ::testing::AssertionFailure()
           << "answered " << outcome->value().status << " \"" << outcome->value().body << "\"";
  }
  return ::testing::AssertionSuccess();
}

// The message of a failed call, or what happened instead.
std::string FailureOf(const Outcome& outcome) {
  if (!outcome) return "(no answer before the deadline)";
  if (outcome->ok()) return "(answered " + std::to_string(outcome->value().status) + ")";
  return outcome->status().message();
}

class HttpClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    IgnoreSignal(SIGPIPE);  // the server writes to connections the client dropped
    std::string pattern = (fs::temp_directory_path() / "berth-http-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    port_ = server_.ListenTcp();
    ASSERT_NE(port_, 0);
    ASSERT_TRUE(server_.ListenUnix(socket_path()));
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string socket_path() const { return dir_ + "/server.sock"; }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  HttpRequest Tcp(const std::string& path) const { return HttpRequest{.url = Url(path)}; }
  HttpRequest Unix(const std::string& path) const {
    return HttpRequest{.url = "http://localhost" + path, .unix_socket = socket_path()};
  }

  // Sends `request` and runs the loop until its `done`; the outcome, or nullopt on deadline.
  Outcome Call(HttpRequest request) {
    Outcome outcome;
    auto call = client_.Send(std::move(request),
                             [&](Result<HttpResponse> result) { outcome = std::move(result); });
    RunUntil(&loop_, [&] { return outcome.has_value(); });
    return outcome;
  }

  EventLoop loop_;
  HttpTestServer server_{&loop_};
  HttpClient client_{&loop_};
  std::string dir_;
  int port_ = 0;
};

TEST_F(HttpClientTest, GetReturnsStatusBodyAndLowercasedHeaders) {
  auto outcome = Call(Tcp("/echo"));
  ASSERT_TRUE(Answered(outcome, 200, "GET  -"));
  const HttpResponse& response = outcome->value();
  EXPECT_EQ(response.Header("X-Reply"), "yes");
  EXPECT_EQ(response.Header("x-reply"), "yes");
  EXPECT_EQ(response.Header("content-length"), "6");
  EXPECT_EQ(response.Header("x-absent"), "");
  bool lowercase = true;
  for (const auto& [name, value] : response.headers) {
    for (char c : name) lowercase = lowercase && !(c >= 'A' && c <= 'Z');
  }
  EXPECT_TRUE(lowercase);
}

TEST_F(HttpClientTest, PostSendsItsBodyAndHeaders) {
  HttpRequest request = Tcp("/echo");
  request.method = "POST";
  request.body = "hello there";
  request.headers = {"X-Test: 42", "Content-Type: text/plain"};
  EXPECT_TRUE(Answered(Call(request), 200, "POST hello there 42"));
}

TEST_F(HttpClientTest, PutAndDeleteUseTheirMethod) {
  HttpRequest put = Unix("/echo");
  put.method = "PUT";
  put.body = "{}";
  EXPECT_TRUE(Answered(Call(put), 200, "PUT {} -"));
  HttpRequest del = Unix("/echo");
  del.method = "DELETE";
  EXPECT_TRUE(Answered(Call(del), 200, "DELETE  -"));
}

TEST_F(HttpClientTest, UnixSocketCallsWork) {
  EXPECT_TRUE(Answered(Call(Unix("/echo")), 200, "GET  -"));
}

TEST_F(HttpClientTest, AnErrorStatusIsAResponseNotAFailure) {
  EXPECT_TRUE(Answered(Call(Tcp("/missing")), 404, "no such thing"));
}

TEST_F(HttpClientTest, AStreamArrivesInPiecesWhileTheServerIsStillSending) {
  constexpr int kChunks = 10;
  std::vector<std::string> pieces;
  std::vector<int> sent_when_received;
  long head_status = 0;
  std::string transfer_encoding;
  bool head_before_data = false;
  Outcome outcome;
  HttpStream stream{
      .on_head =
          [&](long status, const HttpHeaders& headers) {
            head_status = status;
            head_before_data = pieces.empty();
            for (const auto& [name, value] : headers) {
              if (name == "transfer-encoding") transfer_encoding = value;
            }
          },
      .on_data =
          [&](std::string_view chunk) {
            pieces.emplace_back(chunk);
            sent_when_received.push_back(server_.chunks_sent());
          },
  };
  auto call = client_.Send(
      Unix("/stream?n=" + std::to_string(kChunks)),
      [&](Result<HttpResponse> result) { outcome = std::move(result); }, stream);
  ASSERT_TRUE(RunUntil(&loop_, [&] { return outcome.has_value(); }));
  ASSERT_TRUE(Answered(outcome, 200, ""));  // the body went to on_data
  EXPECT_EQ(head_status, 200);
  EXPECT_TRUE(head_before_data);
  EXPECT_EQ(transfer_encoding, "chunked");
  std::string joined, expected;
  for (const auto& piece : pieces) joined += piece;
  for (int i = 0; i < kChunks; ++i) expected += "chunk-" + std::to_string(i) + "\n";
  EXPECT_EQ(joined, expected);
  // The server sends a chunk every 10 ms from the same loop: pieces arrived while it was still
  // sending, so the client neither buffered the stream nor blocked the loop.
  ASSERT_GE(pieces.size(), 2u);
  EXPECT_LT(sent_when_received.front(), kChunks / 2);
}

TEST_F(HttpClientTest, DestroyingTheCallInsideOnDataCancelsIt) {
  std::unique_ptr<HttpCall> call;
  int pieces = 0;
  int pieces_after_cancel = 0;
  bool done = false;
  bool cancelled = false;
  HttpStream stream{.on_data = [&](std::string_view) {
    if (cancelled) ++pieces_after_cancel;
    if (++pieces == 2) {
      call.reset();  // the call's own callback destroys it
      cancelled = true;
    }
  }};
  call = client_.Send(
      Tcp("/stream?n=1000"), [&](Result<HttpResponse>) { done = true; }, stream);
  ASSERT_TRUE(RunUntil(&loop_, [&] { return cancelled; }));
  // The connection of a cancelled transfer is closed, not kept: the server sees it go.
  ASSERT_TRUE(RunUntil(&loop_, [&] { return server_.closed() == 1; }));
  EXPECT_EQ(pieces_after_cancel, 0);
  EXPECT_FALSE(done);
  EXPECT_LT(server_.chunks_sent(), 1000);
  EXPECT_TRUE(Answered(Call(Tcp("/echo")), 200, "GET  -"));  // the client still works
}

TEST_F(HttpClientTest, DestroyingTheCallInsideOnHeadCancelsIt) {
  std::unique_ptr<HttpCall> call;
  bool head = false;
  bool data = false;
  bool done = false;
  HttpStream stream{
      .on_head = [&](long, const HttpHeaders&) { head = true, call.reset(); },
      .on_data = [&](std::string_view) { data = true; },
  };
  call = client_.Send(
      Unix("/stream?n=1000"), [&](Result<HttpResponse>) { done = true; }, stream);
  ASSERT_TRUE(RunUntil(&loop_, [&] { return server_.closed() == 1; }));
  EXPECT_TRUE(head);
  EXPECT_FALSE(data);
  EXPECT_FALSE(done);
}

TEST_F(HttpClientTest, DestroyingAnotherCallFromDoneMeansItsDoneNeverRuns) {
  constexpr int kCalls = 20;
  std::vector<std::unique_ptr<HttpCall>> calls;
  int dones = 0;
  for (int i = 0; i < kCalls; ++i) {
    calls.push_back(client_.Send(Tcp("/echo"), [&](Result<HttpResponse>) {
      ++dones;
      calls.clear();  // every call, this one and the finished ones waiting for done included
    }));
  }
  ASSERT_TRUE(RunUntil(&loop_, [&] { return dones > 0; }));
  // Give the other calls every chance to answer: the server sees more requests, no done runs.
  EXPECT_TRUE(Answered(Call(Tcp("/echo")), 200, "GET  -"));
  EXPECT_EQ(dones, 1);
}

TEST_F(HttpClientTest, DestroyingTheClientCancelsEveryCallWithoutCallbacks) {
  auto client = std::make_unique<HttpClient>(&loop_);
  int callbacks = 0;
  int heads = 0;
  bool destroyed = false;
  std::vector<std::unique_ptr<HttpCall>> calls;
  HttpStream stream{
      .on_head = [&](long, const HttpHeaders&) { ++heads; },
      .on_data = [&](std::string_view) { callbacks += destroyed ? 1 : 0; },
  };
  for (int i = 0; i < 3; ++i) {
    calls.push_back(client->Send(
        Tcp("/stream?n=1000"), [&](auto) { ++callbacks; }, stream));
    calls.push_back(client->Send(
        Unix("/stream?n=1000"), [&](auto) { ++callbacks; }, stream));
  }
  calls.push_back(client->Send(Tcp("/hang"), [&](auto) { ++callbacks; }));
  ASSERT_TRUE(RunUntil(&loop_, [&] { return heads == 6; }));
  client.reset();
  destroyed = true;
  // Every stream's connection closes; nothing is called back meanwhile.
  ASSERT_TRUE(RunUntil(&loop_, [&] { return server_.closed() >= 6; }));
  EXPECT_EQ(callbacks, 0);
  EXPECT_EQ(heads, 6);
  for (const auto& call : calls) EXPECT_FALSE(call->active());
  calls.clear();  // after the client: harmless
}

TEST_F(HttpClientTest, FiftyConcurrentCallsAllComplete) {
  constexpr int kCalls = 50;
  std::vector<std::unique_ptr<HttpCall>> calls;
  std::vector<std::string> bodies(kCalls);
  int done = 0;
  for (int i = 0; i < kCalls; ++i) {
    HttpRequest request = i % 2 == 0 ? Tcp("/echo") : Unix("/echo");
    request.method = "POST";
    request.body = std::to_string(i);
    calls.push_back(client_.Send(request, [&, i](Result<HttpResponse> result) {
      ++done;
      bodies[i] = result.ok() ? result->body : result.status().message();
    }));
  }
  ASSERT_TRUE(RunUntil(&loop_, [&] { return done == kCalls; }));
  for (int i = 0; i < kCalls; ++i) EXPECT_EQ(bodies[i], "POST " + std::to_string(i) + " -");
  EXPECT_GT(server_.accepted(), 2);  // concurrent, not one after another
}

TEST_F(HttpClientTest, ATimeoutNamesTheCallAndTheLimit) {
  HttpRequest request = Tcp("/hang");
  request.timeout_ms = 200;
  EXPECT_EQ(FailureOf(Call(request)), "GET " + Url("/hang") + ": timed out after 200 ms");

  request = Unix("/hang");
  request.timeout_ms = 200;
  EXPECT_EQ(FailureOf(Call(request)),
            "GET http://localhost/hang via unix://" + socket_path() + ": timed out after 200 ms");
}

TEST_F(HttpClientTest, ARefusedConnectionSaysSo) {
  // A port bound but not listening refuses connections.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{.sin_family = AF_INET, .sin_port = 0, .sin_addr = {htonl(INADDR_LOOPBACK)}};
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  std::string url = "http://127.0.0.1:" + std::to_string(ntohs(address.sin_port)) + "/v2/";
  auto outcome = Call(HttpRequest{.url = url});
  close(fd);
  EXPECT_EQ(FailureOf(outcome), "cannot connect to " + url + ": Connection refused");
  EXPECT_EQ(outcome->status().code(), Status::Code::kUnavailable);
}

TEST_F(HttpClientTest, AMissingUnixSocketSaysSo) {
  std::string path = dir_ + "/docker.sock";
  auto outcome = Call(HttpRequest{.url = "http://localhost/v1.41/info", .unix_socket = path});
  EXPECT_EQ(FailureOf(outcome), "cannot connect to unix://" + path + ": No such file or directory");
}

TEST_F(HttpClientTest, ABodyLargerThanMaxBodyIsAnError) {
  HttpRequest request = Tcp("/big");  // 10000 bytes, announced by Content-Length
  request.max_body = 1000;
  EXPECT_EQ(FailureOf(Call(request)),
            "GET " + Url("/big") + ": the response body is larger than max_body (1000 bytes)");

  request = Tcp("/stream?n=100");  // chunked: no length known in advance
  request.max_body = 50;
  EXPECT_EQ(FailureOf(Call(request)), "GET " + Url("/stream?n=100") +
                                          ": the response body is larger than max_body (50 bytes)");
  EXPECT_LT(server_.chunks_sent(), 100);

  request = Tcp("/big");
  request.max_body = 10000;
  EXPECT_TRUE(Answered(Call(request), 200, std::string(10000, 'x')));
}

// Sends `count` requests one after another, each from the previous one's done.
class Sequence {
 public:
  Sequence(HttpClient* client, HttpRequest request, int count)
      : client_(client), request_(std::move(request)), left_(count) {
    Next();
  }
  bool finished() const { return left_ == 0; }
  int failures() const { return failures_; }

 private:
  void Next() {
    call_ = client_->Send(request_, [this](Result<HttpResponse> result) {
      if (!result.ok() || result->status != 200) ++failures_;
      call_.reset();  // its own done destroys the call
      if (--left_ > 0) Next();
    });
  }

  HttpClient* client_;
  HttpRequest request_;
  int left_;
  int failures_ = 0;
  std::unique_ptr<HttpCall> call_;
};

TEST_F(HttpClientTest, SequentialCallsOverTcpReuseOneConnection) {
  Sequence sequence(&client_, Tcp("/echo"), 5);
  ASSERT_TRUE(RunUntil(&loop_, [&] { return sequence.finished(); }));
  EXPECT_EQ(sequence.failures(), 0);
  EXPECT_EQ(server_.accepted(), 1);
}

TEST_F(HttpClientTest, SequentialCallsOverAUnixSocketReuseOneConnection) {
  Sequence sequence(&client_, Unix("/echo"), 5);
  ASSERT_TRUE(RunUntil(&loop_, [&] { return sequence.finished(); }));
  EXPECT_EQ(sequence.failures(), 0);
  EXPECT_EQ(server_.accepted(), 1);
}

}  // namespace
}  // namespace berth
