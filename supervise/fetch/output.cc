// Output of berth-fetch: line writing with secret scrubbing, and the progress throttle.
#include "supervise/fetch/output.h"

#include <cstdio>
#include <nlohmann/json.hpp>

namespace berth {

void Output::AddSecret(std::string_view secret) {
  if (!secret.empty()) secrets_.emplace_back(secret);
}

void Output::Progress(std::string_view line) { WriteLine(progress_, line); }

void Output::Result(const FetchResult& result) {
  nlohmann::json body = {{"revision", result.revision}, {"ref", result.ref}};
  WriteLine(progress_, "RESULT " + body.dump());
}

void Output::Error(std::string_view message) {
  std::fflush(progress_);
  WriteLine(errors_, "error: " + std::string(message));
}

std::string Output::Scrub(std::string_view line) const {
  std::string out(line);
  for (const auto& secret : secrets_) {
    for (size_t at = out.find(secret); at != std::string::npos; at = out.find(secret, at + 3)) {
      out.replace(at, secret.size(), "***");
    }
  }
  // One line per call: a message spanning lines would split in the deployment log.
  for (char& c : out) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return out;
}

void Output::WriteLine(std::FILE* stream, std::string_view line) {
  std::string text = Scrub(line);
  text.push_back('\n');
  std::fwrite(text.data(), 1, text.size(), stream);
  std::fflush(stream);
}

bool ProgressThrottle::ShouldReport(uint64_t done, uint64_t total, Clock::time_point now) {
  const bool too_soon = now - last_report_ < std::chrono::seconds(1);
  if (total > 0) {
    int tenth = static_cast<int>(done * 10 / total);
    if (tenth <= last_tenth_ || tenth >= 10) return false;  // the caller reports completion
    if (reported_ && too_soon) return false;
    last_tenth_ = tenth;
  } else if (too_soon) {
    return false;
  }
  reported_ = true;
  last_report_ = now;
  return true;
}

std::string FormatBytes(uint64_t bytes) {
  static const char* const kUnits[] = {"KiB", "MiB", "GiB", "TiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  double value = static_cast<double>(bytes) / 1024;
  int unit = 0;
  while (value >= 1024 && unit < 3) {
    value /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f %s", value, kUnits[unit]);
  return text;
}

}  // namespace berth
