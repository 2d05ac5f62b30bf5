// SseParser: line splitting and field handling per the WHATWG event-stream rules.
#include "cli/sse_parser.h"

namespace berth::cli {

std::vector<SseEvent> SseParser::feed(std::string_view bytes) {
  std::vector<SseEvent> events;
  for (char c : bytes) {
    if (after_cr_) {
      after_cr_ = false;
      if (c == '\n') continue;  // the LF of a CRLF
    }
    if (c == '\r') {
      after_cr_ = true;
      end_line(&events);
    } else if (c == '\n') {
      end_line(&events);
    } else {
      line_.push_back(c);
    }
  }
  return events;
}

void SseParser::end_line(std::vector<SseEvent>* out) {
  std::string_view line = line_;
  if (line.empty()) {
    dispatch(out);
  } else if (line.front() != ':') {  // a leading colon marks a comment
    size_t colon = line.find(':');
    std::string_view field = line.substr(0, colon);
    std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    process_field(field, value);
  }
  line_.clear();
}

void SseParser::process_field(std::string_view field, std::string_view value) {
  if (field == "event") {
    type_ = value;
  } else if (field == "data") {
    data_.append(value);
    data_.push_back('\n');
  } else if (field == "id" && value.find('\0') == std::string_view::npos) {
    last_id_ = value;
  }
}

void SseParser::dispatch(std::vector<SseEvent>* out) {
  if (!data_.empty()) {
    data_.pop_back();  // the LF after the last data line
    out->push_back(SseEvent{type_.empty() ? "message" : type_, std::move(data_), last_id_});
  }
  type_.clear();
  data_.clear();
}

}  // namespace berth::cli
