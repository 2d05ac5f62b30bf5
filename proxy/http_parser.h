// HttpParser: an incremental HTTP/1.x parser for the built-in proxy, on llhttp (the parser
// Node.js uses; Debian ships its C sources). It stops after each message head and after each
// message end, so the proxy can act between them and pass the bytes of a body on exactly as
// they came (Content-Length or chunked framing untouched).
#pragma once

#include <llhttp.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace berth {

// The head of a request or a response.
struct MessageHead {
  std::string method;  // requests
  std::string target;  // requests: the request target as sent
  int status = 0;      // responses
  std::string reason;  // responses
  int major = 1, minor = 1;
  std::vector<std::pair<std::string, std::string>> headers;  // in order, names as sent
  bool keep_alive = true;  // the connection may carry another message after this one
  bool upgrade = false;    // a request asking to switch protocols, or a 101 answer
  bool chunked = false;
  bool has_length = false;  // Content-Length was given

  // The first header named `name` (any case), or nullptr.
  const std::string* Find(std::string_view name) const;
};

class HttpParser {
 public:
  enum class Kind { kRequest, kResponse };
  enum class Event {
    kNeedMore,    // every byte was used; feed more
    kHead,        // a head is complete: head() holds it
    kMessageEnd,  // the message (its body included) is complete
    kError,       // malformed input (error() says how), a head over the size limit, or bytes
                  // after an upgrade (another protocol's)
  };

  explicit HttpParser(Kind kind, size_t max_head_bytes = 64 * 1024);
  HttpParser(const HttpParser&) = delete;
  HttpParser& operator=(const HttpParser&) = delete;

  // Parses `data` up to the next event; `*consumed` is how many bytes it used (the bytes of a
  // head, or of a body's framing up to the message end).
  Event Parse(const char* data, size_t len, size_t* consumed);
  // The peer closed: ends a body that runs until EOF (kMessageEnd), else kError unless no
  // message had begun (kNeedMore).
  Event Finish();
  // Forgets the message under way: for the answer to HEAD, whose Content-Length announces no
  // body.
  void Reset();

  const MessageHead& head() const { return head_; }
  // True between a head and its message end, when the body runs until the peer closes.
  bool BodyUntilEof() const { return llhttp_message_needs_eof(&parser_) != 0; }
  bool in_message() const { return in_message_; }
  bool head_too_large() const { return head_too_large_; }
  std::string error() const { return error_; }

 private:
  static int OnMessageBegin(llhttp_t* p);
  static int OnUrl(llhttp_t* p, const char* at, size_t len);
  static int OnStatus(llhttp_t* p, const char* at, size_t len);
  static int OnHeaderField(llhttp_t* p, const char* at, size_t len);
  static int OnHeaderValue(llhttp_t* p, const char* at, size_t len);
  static int OnHeadersComplete(llhttp_t* p);
  static int OnMessageComplete(llhttp_t* p);
  int CountHead(size_t len);

  llhttp_settings_t settings_;
  llhttp_t parser_;
  size_t max_head_bytes_;
  size_t head_bytes_ = 0;
  MessageHead head_;
  bool in_value_ = false;
  bool in_message_ = false;
  bool head_too_large_ = false;
  Event pending_ = Event::kNeedMore;
  std::string error_;
};

// Case-insensitive ASCII comparison of header names and tokens.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
// True when the comma-separated header value `list` has the token `token` (any case).
bool HasToken(std::string_view list, std::string_view token);

}  // namespace berth
