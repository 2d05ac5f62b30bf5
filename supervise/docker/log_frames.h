// LogFrameDemuxer: cuts the body of Docker's attach and logs endpoints into the lines of each
// stream, whether the container writes through Docker's 8-byte frame headers or, with a TTY, raw.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>

#include "base/status.h"
#include "supervise/log_ring.h"

namespace berth::docker {

// How the Engine sends a container's output: a container created with `Tty: false` gets
// frames (header: stream byte 0 stdin / 1 stdout / 2 stderr / 3 an error of the daemon, three
// zero bytes, payload size as uint32 big-endian; then the payload); with `Tty: true` the body
// is the terminal's bytes, all of it stdout.
enum class LogFraming : uint8_t { kMultiplexed, kRaw };

// Feeds any cut of the body and calls back with complete lines (newline removed; lines longer
// than `max_line` come as pieces of that size, as LineSplitter does), one splitter per stream.
// Stdin frames count as stdout, as the docker CLI shows them.
//
// A frame with an unknown stream byte or nonzero padding, or a daemon error frame (stream 3),
// puts the demuxer in an error state: status() says why and every later Feed() is ignored.
// A line handed to the callback is valid only during the call. The callback must not destroy
// the demuxer.
class LogFrameDemuxer {
 public:
  using LineCallback = std::function<void(LogStream stream, std::string_view line)>;

  LogFrameDemuxer(LogFraming framing, LineCallback on_line, size_t max_line = 16 * 1024);
  LogFrameDemuxer(const LogFrameDemuxer&) = delete;
  LogFrameDemuxer& operator=(const LogFrameDemuxer&) = delete;

  // Consumes `chunk` (any size, any cut of the body).
  void Feed(std::string_view chunk);
  // At the end of the body: emits the last line of each stream that had no newline. Sets an
  // error status if the body ended inside a frame (what came of that frame is still emitted).
  void Finish();

  // Ok, or why the body was refused (see above). Once not ok, it stays so.
  const Status& status() const { return status_; }

 private:
  static constexpr size_t kHeaderSize = 8;

  // Consumes header bytes from the front of `chunk`; returns false if the demuxer failed.
  bool TakeHeader(std::string_view& chunk);
  bool StartFrame();
  void TakePayload(std::string_view& chunk);
  void Fail(Status status);

  LogFraming framing_;
  LineCallback on_line_;
  LineSplitter stdout_;
  LineSplitter stderr_;
  // Built once: LineSplitter takes its callback as a std::function, and a frame per line is
  // the common case, so building one per Feed would cost an allocation per line.
  std::function<void(std::string_view)> emit_stdout_;
  std::function<void(std::string_view)> emit_stderr_;

  unsigned char header_[kHeaderSize] = {};
  size_t header_filled_ = 0;
  uint32_t payload_left_ = 0;  // of the current frame; 0: a header comes next
  uint8_t frame_stream_ = 0;   // 1 stdout, 2 stderr, 3 daemon error
  std::string error_payload_;  // the message of a daemon error frame, as it arrives
  Status status_;
};

}  // namespace berth::docker
