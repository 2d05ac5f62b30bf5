// JsonLineStream: complete lines are parsed straight from the chunk; only a line cut by a read
// is copied.
#include "supervise/docker/json_stream.h"

#include <utility>

namespace berth::docker {
namespace {

bool IsBlank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

}  // namespace

JsonLineStream::JsonLineStream(ValueCallback on_value, size_t max_line)
    : on_value_(std::move(on_value)), max_line_(max_line) {}

void JsonLineStream::Feed(std::string_view chunk) {
  while (!chunk.empty()) {
    size_t newline = chunk.find('\n');
    if (newline == std::string_view::npos) {
      Gather(chunk);
      return;
    }
    std::string_view end = chunk.substr(0, newline);
    chunk.remove_prefix(newline + 1);
    if (skipping_) {
      skipping_ = false;
    } else if (partial_.empty()) {
      if (end.size() > max_line_) {
        ReportTooLong();
      } else {
        Line(end);
      }
    } else {
      Gather(end);
      if (!skipping_) Line(partial_);
      partial_.clear();
      skipping_ = false;
    }
  }
}

void JsonLineStream::Gather(std::string_view piece) {
  if (skipping_) return;
  if (partial_.size() + piece.size() > max_line_) {
    partial_.clear();
    skipping_ = true;
    ReportTooLong();
    return;
  }
  partial_.append(piece);
}

void JsonLineStream::ReportTooLong() {
  on_value_(Status::Invalid("Docker sent a JSON line longer than " + std::to_string(max_line_) +
                            " bytes; it was skipped"));
}

void JsonLineStream::Finish() {
  if (!skipping_ && !partial_.empty()) Line(partial_);
  partial_.clear();
  skipping_ = false;
}

void JsonLineStream::Line(std::string_view line) {
  if (IsBlank(line)) return;
  nlohmann::json value;
  try {
    value = nlohmann::json::parse(line);
  } catch (const nlohmann::json::exception& e) {
    on_value_(Status::Invalid(std::string("Docker sent a line that is not JSON: ") + e.what()));
    return;
  }
  on_value_(std::move(value));
}

}  // namespace berth::docker
