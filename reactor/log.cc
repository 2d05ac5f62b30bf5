// Daemon logging to stderr.
#include "reactor/log.h"

#include <unistd.h>

#include <cerrno>

namespace berth {
namespace {

LogLevel g_level = LogLevel::kInfo;
int g_prefix = -1;  // -1: not decided yet

bool WantPrefix() {
  if (g_prefix < 0) g_prefix = isatty(STDERR_FILENO) ? 0 : 1;
  return g_prefix == 1;
}

const char* Priority(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "<7>";
    case LogLevel::kInfo:
      return "<6>";
    case LogLevel::kWarn:
      return "<4>";
    case LogLevel::kError:
      return "<3>";
  }
  return "<6>";
}

void WriteAll(std::string_view text) {
  while (!text.empty()) {
    ssize_t n = write(STDERR_FILENO, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nowhere to log to: drop rather than stall the loop
    text.remove_prefix(n);
  }
}

}  // namespace

bool ParseLogLevel(std::string_view text, LogLevel* level) {
  if (text == "debug")
    *level = LogLevel::kDebug;
  else if (text == "info")
    *level = LogLevel::kInfo;
  else if (text == "warn" || text == "warning")
    *level = LogLevel::kWarn;
  else if (text == "error")
    *level = LogLevel::kError;
  else
    return false;
  return true;
}

void SetLogLevel(LogLevel level) { g_level = level; }

bool LogEnabled(LogLevel level) { return level >= g_level; }

void Log(LogLevel level, std::string_view message) {
  if (!LogEnabled(level)) return;
  std::string line;
  line.reserve(message.size() + 8);
  if (WantPrefix()) line += Priority(level);
  line += message;
  line += '\n';
  WriteAll(line);
}

AppLineWriter::AppLineWriter(std::string_view app) {
  bool prefix = WantPrefix();
  prefixes_[0] = std::string(prefix ? "<6>" : "") + std::string(app) + "[stdout]: ";
  prefixes_[1] = std::string(prefix ? "<3>" : "") + std::string(app) + "[stderr]: ";
}

void AppLineWriter::Add(bool is_stderr, std::string_view line) {
  pending_ += prefixes_[is_stderr ? 1 : 0];
  pending_ += line;
  pending_ += '\n';
}

void AppLineWriter::Flush() {
  if (pending_.empty()) return;
  WriteAll(pending_);
  pending_.clear();
}

}  // namespace berth
