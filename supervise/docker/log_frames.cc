// LogFrameDemuxer: Docker's stream framing (moby's stdcopy format) parsed without copying
// payloads: each payload is handed to its stream's LineSplitter as a view of the chunk.
#include "supervise/docker/log_frames.h"

#include <algorithm>
#include <cctype>
#include <string>
#include <utility>

namespace berth::docker {
namespace {

constexpr uint8_t kStdin = 0;
constexpr uint8_t kStdout = 1;
constexpr uint8_t kStderr = 2;
constexpr uint8_t kDaemonError = 3;
// A daemon error frame is a message for a person; more than this of it is dropped.
constexpr size_t kMaxErrorMessage = 4096;

}  // namespace

LogFrameDemuxer::LogFrameDemuxer(LogFraming framing, LineCallback on_line, size_t max_line)
    : framing_(framing),
      on_line_(std::move(on_line)),
      stdout_(max_line),
      stderr_(max_line),
      emit_stdout_([this](std::string_view line) { on_line_(LogStream::kStdout, line); }),
      emit_stderr_([this](std::string_view line) { on_line_(LogStream::kStderr, line); }) {}

void LogFrameDemuxer::Feed(std::string_view chunk) {
  if (!status_.ok()) return;
  if (framing_ == LogFraming::kRaw) {
    stdout_.Feed(chunk, emit_stdout_);
    return;
  }
  while (!chunk.empty()) {
    if (payload_left_ == 0) {
      if (!TakeHeader(chunk)) return;
      continue;
    }
    TakePayload(chunk);
    if (!status_.ok()) return;
  }
}

bool LogFrameDemuxer::TakeHeader(std::string_view& chunk) {
  size_t take = std::min(kHeaderSize - header_filled_, chunk.size());
  std::copy_n(chunk.data(), take, header_ + header_filled_);
  header_filled_ += take;
  chunk.remove_prefix(take);
  if (header_filled_ < kHeaderSize) return true;
  header_filled_ = 0;
  return StartFrame();
}

bool LogFrameDemuxer::StartFrame() {
  uint8_t stream = header_[0];
  if (stream > kDaemonError) {
    Fail(Status::Invalid("the Docker log stream has a frame for unknown stream " +
                         std::to_string(stream) + ": it is not in Docker's framing (was the " +
                         "container created with a TTY?)"));
    return false;
  }
  if (header_[1] != 0 || header_[2] != 0 || header_[3] != 0) {
    Fail(
        Status::Invalid("the Docker log stream has a frame header with nonzero padding: it is "
                        "not in Docker's framing (was the container created with a TTY?)"));
    return false;
  }
  frame_stream_ = stream == kStdin ? kStdout : stream;
  payload_left_ = static_cast<uint32_t>(header_[4]) << 24 |
                  static_cast<uint32_t>(header_[5]) << 16 | static_cast<uint32_t>(header_[6]) << 8 |
                  static_cast<uint32_t>(header_[7]);
  if (frame_stream_ == kDaemonError && payload_left_ == 0) {
    Fail(Status::Unavailable("Docker reported an error in the log stream"));
    return false;
  }
  return true;
}

void LogFrameDemuxer::TakePayload(std::string_view& chunk) {
  size_t take = std::min<size_t>(payload_left_, chunk.size());
  std::string_view payload = chunk.substr(0, take);
  chunk.remove_prefix(take);
  payload_left_ -= static_cast<uint32_t>(take);
  if (frame_stream_ == kStdout) {
    stdout_.Feed(payload, emit_stdout_);
  } else if (frame_stream_ == kStderr) {
    stderr_.Feed(payload, emit_stderr_);
  } else {
    size_t room = kMaxErrorMessage - std::min(kMaxErrorMessage, error_payload_.size());
    error_payload_.append(payload.substr(0, room));
    if (payload_left_ == 0) {
      while (!error_payload_.empty() &&
             std::isspace(static_cast<unsigned char>(error_payload_.back()))) {
        error_payload_.pop_back();
      }
      Fail(Status::Unavailable("Docker reported an error in the log stream: " + error_payload_));
    }
  }
}

void LogFrameDemuxer::Finish() {
  stdout_.Finish(emit_stdout_);
  stderr_.Finish(emit_stderr_);
  if (!status_.ok()) return;
  if (header_filled_ > 0 || payload_left_ > 0) {
    Fail(Status::IOError("the Docker log stream ended inside a frame: its end is missing"));
  }
}

void LogFrameDemuxer::Fail(Status status) {
  status_ = std::move(status);
  header_filled_ = 0;
  payload_left_ = 0;
  error_payload_.clear();
}

}  // namespace berth::docker
