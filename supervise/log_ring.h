// LogRing: the last lines an app wrote (1,000 lines and 1 MiB by default), each with a sequence
// number that grows for the life of the daemon; and LineSplitter, which cuts a byte stream into
// lines.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace berth {

enum class LogStream : uint8_t { kStdout, kStderr };
const char* to_string(LogStream stream);

struct LogEntry {
  uint64_t seq = 0;
  int64_t ts_ms = 0;
  LogStream stream = LogStream::kStdout;
  std::string line;
  std::string service;  // the Compose service that wrote it; "" for other kinds of app
};

// How much a ring holds: the oldest lines fall out once either is exceeded. The newest line is
// always kept, whatever its size.
struct LogRingLimits {
  size_t lines = 1000;
  size_t bytes = 1024 * 1024;  // of line text
  bool operator==(const LogRingLimits&) const = default;
};

class LogRing {
 public:
  explicit LogRing(LogRingLimits limits = {});
  explicit LogRing(size_t lines) : LogRing(LogRingLimits{.lines = lines}) {}

  // Appends a line; the oldest fall out once the ring is full. Returns the stored entry.
  const LogEntry& Append(int64_t ts_ms, LogStream stream, std::string_view line,
                         std::string_view service = {});
  // Appends a batch; returns the seq of its first line. Only the lines that fit are stored,
  // but every line gets its seq.
  uint64_t AppendMany(int64_t ts_ms, LogStream stream, const std::vector<std::string_view>& lines,
                      std::string_view service = {});
  // New limits; the oldest lines fall out until the ring fits them.
  void SetLimits(LogRingLimits limits);
  // Calls `visit` for the entries with seq > after_seq, oldest first, at most the last `limit`.
  void ForEachSince(uint64_t after_seq, size_t limit,
                    const std::function<void(const LogEntry&)>& visit) const;
  size_t size() const { return entries_.size(); }
  // The bytes of line text held.
  size_t bytes() const { return bytes_; }
  uint64_t last_seq() const { return next_seq_ - 1; }

 private:
  // Drops the oldest lines until `incoming` more bytes and one more line fit (or none is left).
  void MakeRoom(size_t incoming);

  LogRingLimits limits_;
  std::deque<LogEntry> entries_;  // consecutive seqs, oldest first
  size_t bytes_ = 0;
  uint64_t next_seq_ = 1;
};

// Splits chunks into lines. Lines longer than `max_line` are cut into pieces of that size; a
// last line without a newline is delivered at Finish(). An emitted line stays valid until the
// next call to Feed() or Finish().
class LineSplitter {
 public:
  explicit LineSplitter(size_t max_line = 16 * 1024) : max_line_(max_line) {}
  void Feed(std::string_view chunk, const std::function<void(std::string_view)>& emit);
  void Finish(const std::function<void(std::string_view)>& emit);

 private:
  void EmitPartial(const std::function<void(std::string_view)>& emit);

  size_t max_line_;
  std::string partial_;  // the start of a line whose end has not come yet
  std::string joined_;   // the last line completed from partial_, emitted from here
  bool split_at_max_ = false;
};

}  // namespace berth
