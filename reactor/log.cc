// Daemon logging to the journal or stderr.
#include "reactor/log.h"

#include <sys/stat.h>
#include <sys/uio.h>
// Entries carry the location of the Log() call, not of the sd_journal_sendv() inside it.
#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

namespace berth {
namespace {

LogLevel g_level = LogLevel::kInfo;
LogTarget g_target = LogTarget::kStderr;
int g_prefix = -1;  // -1: not decided yet
bool g_forward = true;
constexpr size_t kMaxPending = 64 * 1024;

bool WantPrefix() {
  if (g_prefix < 0) g_prefix = isatty(STDERR_FILENO) ? 0 : 1;
  return g_prefix == 1;
}

char PriorityDigit(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return '7';
    case LogLevel::kInfo:
      return '6';
    case LogLevel::kWarn:
      return '4';
    case LogLevel::kError:
      return '3';
  }
  return '6';
}

void WriteAll(std::string_view text) {
  while (!text.empty()) {
    ssize_t n = write(STDERR_FILENO, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nowhere to log to: drop rather than stall the loop
    text.remove_prefix(n);
  }
}

void WriteStderr(char priority, std::string_view message) {
  std::string line;
  line.reserve(message.size() + 4);
  if (WantPrefix()) line.append({'<', priority, '>'});
  line += message;
  line += '\n';
  WriteAll(line);
}

// Sends one journal entry made of "FIELD=value" strings; false when the journal refused it.
bool SendToJournal(std::initializer_list<std::string_view> fields) {
  iovec iov[8];
  int n = 0;
  for (std::string_view field : fields) {
    iov[n].iov_base = const_cast<char*>(field.data());
    iov[n].iov_len = field.size();
    if (++n == 8) break;
  }
  return sd_journal_sendv(iov, n) >= 0;
}

// True when stderr is the stream systemd connected to the journal ($JOURNAL_STREAM).
bool StderrIsJournal() {
  const char* stream = getenv("JOURNAL_STREAM");
  unsigned long long dev = 0, ino = 0;
  if (!stream || sscanf(stream, "%llu:%llu", &dev, &ino) != 2) return false;
  struct stat st {};
  return fstat(STDERR_FILENO, &st) == 0 && st.st_dev == dev && st.st_ino == ino;
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

bool ParseLogTarget(std::string_view text, LogTarget* target) {
  if (text == "stderr")
    *target = LogTarget::kStderr;
  else if (text == "journal")
    *target = LogTarget::kJournal;
  else if (text == "auto")
    *target = StderrIsJournal() ? LogTarget::kJournal : LogTarget::kStderr;
  else
    return false;
  return true;
}

void SetLogTarget(LogTarget target) { g_target = target; }

void SetLogForward(bool forward) { g_forward = forward; }

void Log(LogLevel level, std::string_view message, SourceLocation where) {
  if (!LogEnabled(level)) return;
  char priority = PriorityDigit(level);
  if (g_target == LogTarget::kJournal) {
    std::string text = "MESSAGE=" + std::string(message);
    std::string file = std::string("CODE_FILE=") + where.file_name();
    std::string line = "CODE_LINE=" + std::to_string(where.line());
    std::string func = std::string("CODE_FUNC=") + where.function_name();
    std::string prio = std::string("PRIORITY=") + priority;
    if (SendToJournal({text, prio, "SYSLOG_IDENTIFIER=berthd", file, line, func})) return;
  }
  WriteStderr(priority, message);
}

AppLineWriter::AppLineWriter(std::string_view app) : app_(app) {
  bool prefix = WantPrefix();
  prefixes_[0] = std::string(prefix ? "<6>" : "") + std::string(app) + "[stdout]: ";
  prefixes_[1] = std::string(prefix ? "<3>" : "") + std::string(app) + "[stderr]: ";
}

void AppLineWriter::Add(bool is_stderr, std::string_view line) {
  if (!g_forward || !LogEnabled(is_stderr ? LogLevel::kError : LogLevel::kInfo)) return;
  if (g_target == LogTarget::kJournal) {
    std::string text = "MESSAGE=" + std::string(line);
    std::string app = "BERTH_APP=" + app_, ident = "SYSLOG_IDENTIFIER=" + app_;
    if (SendToJournal({text, is_stderr ? "PRIORITY=3" : "PRIORITY=6",
                       is_stderr ? "BERTH_STREAM=stderr" : "BERTH_STREAM=stdout", app, ident}))
      return;
  }
  pending_ += prefixes_[is_stderr ? 1 : 0];
  pending_ += line;
  pending_ += '\n';
  // A big burst goes out in pieces: the buffer of each app stays small (its capacity is kept).
  if (pending_.size() >= kMaxPending) Flush();
}

void AppLineWriter::Flush() {
  if (pending_.empty()) return;
  WriteAll(pending_);
  pending_.clear();
}

}  // namespace berth
