// SseParser: an incremental parser of the text/event-stream format (Server-Sent Events), used by
// `berthctl logs -f` and `berthctl events` to read berthd's streams as they arrive.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace berth::cli {

// One dispatched event. `type` is "message" when the stream named none; `id` is the last id the
// stream announced (it persists across events, as the format says).
struct SseEvent {
  std::string type;
  std::string data;
  std::string id;
};

// Feed it the bytes of a stream in chunks of any size, split anywhere; each call returns the
// events that chunk completed. Lines may end in LF, CRLF or CR. Comment lines (":" keepalives),
// unknown fields and `retry` are skipped; an event without any `data` line is not dispatched.
class SseParser {
 public:
  std::vector<SseEvent> feed(std::string_view bytes);

  // The id of the last event seen, for resuming with a Last-Event-ID header.
  const std::string& last_event_id() const { return last_id_; }

 private:
  void end_line(std::vector<SseEvent>* out);
  void process_field(std::string_view field, std::string_view value);
  void dispatch(std::vector<SseEvent>* out);

  std::string line_;       // the line being read, without its terminator
  bool after_cr_ = false;  // the last byte was CR: a following LF belongs to the same break
  std::string type_;       // `event:` of the event being built
  std::string data_;       // `data:` lines of the event being built, each followed by LF
  std::string last_id_;
};

}  // namespace berth::cli
