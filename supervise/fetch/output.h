// Output of berth-fetch: progress lines on stdout, the final RESULT line, and the one error
// line on stderr. Every line is scrubbed of the job's secrets before it is written.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace berth {

// What a successful job reports: the commit sha (git) or the sha256 of the download
// (tarball), and the ref it came from (empty for tarballs).
struct FetchResult {
  std::string revision;
  std::string ref;
};

class Output {
 public:
  Output(std::FILE* progress, std::FILE* errors) : progress_(progress), errors_(errors) {}

  // Registers a string that must never reach the output; it is replaced by "***".
  void AddSecret(std::string_view secret);
  void Progress(std::string_view line);
  // `RESULT {"ref": ..., "revision": ...}` on stdout, the last line a successful job writes.
  void Result(const FetchResult& result);
  // `error: <message>` on stderr, the last line a failed job writes.
  void Error(std::string_view message);

 private:
  std::string Scrub(std::string_view line) const;
  void WriteLine(std::FILE* stream, std::string_view line);

  std::FILE* progress_;
  std::FILE* errors_;
  std::vector<std::string> secrets_;
};

// Decides when a transfer is worth a progress line: at each new tenth of a known total, or
// every second when the total is unknown; never more than once a second.
class ProgressThrottle {
 public:
  using Clock = std::chrono::steady_clock;

  explicit ProgressThrottle(Clock::time_point start = Clock::now()) : last_report_(start) {}

  bool ShouldReport(uint64_t done, uint64_t total, Clock::time_point now = Clock::now());

 private:
  int last_tenth_ = 0;
  bool reported_ = false;
  Clock::time_point last_report_;
};

// "532 B", "12.3 KiB", "1.5 MiB", "2.0 GiB".
std::string FormatBytes(uint64_t bytes);

}  // namespace berth
