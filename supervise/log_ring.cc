// The log ring and line splitting.
#include "supervise/log_ring.h"

#include <algorithm>

namespace berth {

const char* to_string(LogStream stream) {
  return stream == LogStream::kStdout ? "stdout" : "stderr";
}

LogRing::LogRing(LogRingLimits limits) : limits_(limits) {}

void LogRing::MakeRoom(size_t incoming) {
  while (!entries_.empty() &&
         (entries_.size() >= limits_.lines || bytes_ + incoming > limits_.bytes)) {
    bytes_ -= entries_.front().line.size();
    entries_.pop_front();
  }
}

const LogEntry& LogRing::Append(int64_t ts_ms, LogStream stream, std::string_view line,
                                std::string_view service) {
  MakeRoom(line.size());
  // A fresh string per line: reusing a slot would keep its largest line's capacity.
  LogEntry& entry = entries_.emplace_back();
  entry.seq = next_seq_++;
  entry.ts_ms = ts_ms;
  entry.stream = stream;
  entry.line.assign(line.data(), line.size());
  entry.service.assign(service.data(), service.size());
  bytes_ += line.size();
  return entry;
}

void LogRing::SetLimits(LogRingLimits limits) {
  limits_ = limits;
  while (entries_.size() > limits_.lines || (entries_.size() > 1 && bytes_ > limits_.bytes)) {
    bytes_ -= entries_.front().line.size();
    entries_.pop_front();
  }
}

void LogRing::ForEachSince(uint64_t after_seq, size_t limit,
                           const std::function<void(const LogEntry&)>& visit) const {
  // Entries hold consecutive seqs, so the first wanted one is found by arithmetic.
  if (entries_.empty()) return;
  uint64_t first_seq = entries_.front().seq;
  if (after_seq >= last_seq()) return;
  uint64_t from = std::max(first_seq, after_seq + 1);
  if (from >= next_seq_) return;
  uint64_t count = next_seq_ - from;
  if (count > limit) from = next_seq_ - limit;
  for (uint64_t seq = from; seq < next_seq_; ++seq) visit(entries_[seq - first_seq]);
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
                             const std::vector<std::string_view>& lines,
                             std::string_view service) {
  uint64_t first = next_seq_;
  // Lines that would fall out of the ring within this same batch are counted, not copied.
  size_t keep = 0, bytes = 0;
  while (keep < lines.size() && keep < limits_.lines) {
    size_t size = lines[lines.size() - 1 - keep].size();
    if (keep > 0 && bytes + size > limits_.bytes) break;
    bytes += size;
    ++keep;
  }
  size_t skip = lines.size() - keep;
  if (skip > 0) {
    // What the skipped lines would have pushed out goes too, so seqs stay consecutive.
    entries_.clear();
    bytes_ = 0;
  }
  next_seq_ += skip;
  for (size_t i = skip; i < lines.size(); ++i) Append(ts_ms, stream, lines[i], service);
  return first;
}

}  // namespace berth
