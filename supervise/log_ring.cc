// The log ring and line splitting.
#include "supervise/log_ring.h"

#include <algorithm>

namespace berth {

const char* to_string(LogStream stream) {
  return stream == LogStream::kStdout ? "stdout" : "stderr";
}

LogRing::LogRing(size_t capacity) : capacity_(capacity) {}

const LogEntry& LogRing::Append(int64_t ts_ms, LogStream stream, std::string_view line) {
  size_t index;
  if (size_ < capacity_) {
    // Still filling: the oldest is at 0, so append.
    index = size_++;
    entries_.emplace_back();
  } else {
    index = head_;
    head_ = (head_ + 1) % entries_.size();
  }
  LogEntry& entry = entries_[index];
  entry.seq = next_seq_++;
  entry.ts_ms = ts_ms;
  entry.stream = stream;
  entry.line.assign(line.data(), line.size());
  return entry;
}

void LogRing::ForEachSince(uint64_t after_seq, size_t limit,
                           const std::function<void(const LogEntry&)>& visit) const {
  // Entries hold consecutive seqs, so the first wanted one is found by arithmetic.
  if (size_ == 0) return;
  uint64_t first_seq = next_seq_ - size_;
  if (after_seq >= last_seq()) return;
  uint64_t from = std::max(first_seq, after_seq + 1);
  if (from >= next_seq_) return;
  uint64_t count = next_seq_ - from;
  if (count > limit) from = next_seq_ - limit;
  for (uint64_t seq = from; seq < next_seq_; ++seq)
    visit(entries_[(head_ + (seq - first_seq)) % entries_.size()]);
}

void LineSplitter::Feed(std::string_view chunk, const std::function<void(std::string_view)>& emit) {
  // A line of exactly max_line_ bytes was emitted whole: its newline is not a new line.
  if (chunk.empty()) return;
  if (split_at_max_ && chunk[0] == '\n') chunk.remove_prefix(1);
  split_at_max_ = false;
  while (!chunk.empty()) {
    size_t newline = chunk.find('\n');
    size_t take = newline == std::string_view::npos ? chunk.size() : newline;
    size_t room = max_line_ - partial_.size();
    if (take >= room) {
      // Too long for one line: emit a full piece and go on with the rest.
      if (partial_.empty()) {
        emit(chunk.substr(0, room));
      } else {
        partial_.append(chunk.data(), room);
        EmitPartial(emit);
      }
      chunk.remove_prefix(room);
      bool newline_consumed = take == room && newline != std::string_view::npos;
      if (newline_consumed) chunk.remove_prefix(1);
      split_at_max_ = !newline_consumed && chunk.empty();
      continue;
    }
    if (newline == std::string_view::npos) {
      partial_.append(chunk.data(), chunk.size());
      return;
    }
    if (partial_.empty()) {
      emit(chunk.substr(0, newline));
    } else {
      partial_.append(chunk.data(), newline);
      EmitPartial(emit);
    }
    chunk.remove_prefix(newline + 1);
  }
}

void LineSplitter::Finish(const std::function<void(std::string_view)>& emit) {
  if (!partial_.empty()) EmitPartial(emit);
  split_at_max_ = false;
}

void LineSplitter::EmitPartial(const std::function<void(std::string_view)>& emit) {
  // Moved aside so that it stays valid while partial_ fills again (until the next call).
  joined_.swap(partial_);
  partial_.clear();
  emit(joined_);
}

uint64_t LogRing::AppendMany(int64_t ts_ms, LogStream stream,
                             const std::vector<std::string_view>& lines) {
  uint64_t first = next_seq_;
  // Lines that would fall out of the ring within this same batch are counted, not copied.
  size_t skip = lines.size() > capacity_ ? lines.size() - capacity_ : 0;
  next_seq_ += skip;
  for (size_t i = skip; i < lines.size(); ++i) Append(ts_ms, stream, lines[i]);
  return first;
}

}  // namespace berth
