// berthd's own log: leveled daemon messages and the forwarded output lines of apps. Goes to the
// journal (structured fields, code location) or to stderr, with "<N>" syslog priority prefixes
// when stderr is not a terminal.
#pragma once

#include <string>
#include <string_view>

namespace berth {

enum class LogLevel { kDebug = 0, kInfo, kWarn, kError };
enum class LogTarget { kStderr, kJournal };

bool ParseLogLevel(std::string_view text, LogLevel* level);
void SetLogLevel(LogLevel level);
bool LogEnabled(LogLevel level);

// "stderr", "journal", or "auto": the journal when stderr is connected to it (systemd's
// $JOURNAL_STREAM names stderr), else stderr.
bool ParseLogTarget(std::string_view text, LogTarget* target);
void SetLogTarget(LogTarget target);

// Where a log call is, filled in at the call site like std::source_location (which clang 14,
// Debian 12's, lacks); the function is its plain name, as systemd's CODE_FUNC has it.
class SourceLocation {
 public:
  static constexpr SourceLocation current(const char* file = __builtin_FILE(),
                                          int line = __builtin_LINE(),
                                          const char* function = __builtin_FUNCTION()) {
    return SourceLocation(file, line, function);
  }
  constexpr const char* file_name() const { return file_; }
  constexpr int line() const { return line_; }
  constexpr const char* function_name() const { return function_; }

 private:
  constexpr SourceLocation(const char* file, int line, const char* function)
      : file_(file), line_(line), function_(function) {}
  const char* file_;
  int line_;
  const char* function_;
};

void Log(LogLevel level, std::string_view message,
         SourceLocation where = SourceLocation::current());
inline void LogDebug(std::string_view m, SourceLocation where = SourceLocation::current()) {
  Log(LogLevel::kDebug, m, where);
}
inline void LogInfo(std::string_view m, SourceLocation where = SourceLocation::current()) {
  Log(LogLevel::kInfo, m, where);
}
inline void LogWarn(std::string_view m, SourceLocation where = SourceLocation::current()) {
  Log(LogLevel::kWarn, m, where);
}
inline void LogError(std::string_view m, SourceLocation where = SourceLocation::current()) {
  Log(LogLevel::kError, m, where);
}

// Whether apps' output lines go to berthd's log at all (--log-forward); on by default.
void SetLogForward(bool forward);

// Collects one app's output lines and writes them in pieces of up to 64 KiB, so a burst of
// output costs few writes. stderr lines are logged at error priority, stdout lines at info,
// each only when the log level lets that priority through and forwarding is on. In the journal
// each line is an entry with BERTH_APP and BERTH_STREAM.
class AppLineWriter {
 public:
  explicit AppLineWriter(std::string_view app);
  void Add(bool is_stderr, std::string_view line);
  void Flush();
  ~AppLineWriter() { Flush(); }

 private:
  std::string app_;
  std::string prefixes_[2];  // "<6>web[stdout]: ", "<3>web[stderr]: "
  std::string pending_;
};

}  // namespace berth
