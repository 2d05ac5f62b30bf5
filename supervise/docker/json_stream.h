// JsonLineStream: the newline-delimited JSON the Engine streams from `/events` and
// `/images/create`, cut back into values whatever the cut of the reads.
#pragma once

#include <cstddef>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/status.h"

namespace berth::docker {

// Feeds any cut of the body and calls back once per non-blank line: with its parsed value, or
// with an Invalid status saying why that line is not JSON. A bad line never stops the lines
// after it. A line longer than `max_line` bytes is not parsed: it gives one Invalid status and
// is skipped up to its newline. The callback must not destroy the stream.
class JsonLineStream {
 public:
  using ValueCallback = std::function<void(Result<nlohmann::json> value)>;

  explicit JsonLineStream(ValueCallback on_value, size_t max_line = 1024 * 1024);
  JsonLineStream(const JsonLineStream&) = delete;
  JsonLineStream& operator=(const JsonLineStream&) = delete;

  void Feed(std::string_view chunk);
  // At the end of the body: a last line without its newline is parsed too.
  void Finish();

 private:
  void Line(std::string_view line);
  // Adds `piece` to the line being gathered, or starts skipping it if it grows too long.
  void Gather(std::string_view piece);
  void ReportTooLong();

  ValueCallback on_value_;
  size_t max_line_;
  std::string partial_;    // the start of a line whose newline has not come yet
  bool skipping_ = false;  // inside a line that was too long, until its newline
};

}  // namespace berth::docker
