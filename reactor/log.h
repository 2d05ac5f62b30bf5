// berthd's own log: leveled daemon messages and the forwarded output lines of apps.
// Written to stderr, with "<N>" syslog priority prefixes when stderr is not a terminal.
#pragma once

#include <string>
#include <string_view>

namespace berth {

enum class LogLevel { kDebug = 0, kInfo, kWarn, kError };

bool ParseLogLevel(std::string_view text, LogLevel* level);
void SetLogLevel(LogLevel level);
bool LogEnabled(LogLevel level);

void Log(LogLevel level, std::string_view message);
inline void LogDebug(std::string_view m) { Log(LogLevel::kDebug, m); }
inline void LogInfo(std::string_view m) { Log(LogLevel::kInfo, m); }
inline void LogWarn(std::string_view m) { Log(LogLevel::kWarn, m); }
inline void LogError(std::string_view m) { Log(LogLevel::kError, m); }

// Collects one app's output lines and writes them in one go, so a burst of output costs one
// write. stderr lines are logged at error priority, stdout lines at info.
class AppLineWriter {
 public:
  explicit AppLineWriter(std::string_view app);
  void Add(bool is_stderr, std::string_view line);
  void Flush();
  ~AppLineWriter() { Flush(); }

 private:
  std::string prefixes_[2];  // "<6>web[stdout]: ", "<3>web[stderr]: "
  std::string pending_;
};

}  // namespace berth
