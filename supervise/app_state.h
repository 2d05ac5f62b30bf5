// The eight states of an app and which moves between them are legal.
#pragma once

namespace berth {

enum class AppState {
  kStopped,
  kStarting,
  kRunning,
  kPaused,  // running, but frozen (SIGSTOP to the group, docker pause)
  kBackoff,
  kStopping,
  kExited,
  kFailed
};

const char* to_string(AppState state);
bool IsLegalTransition(AppState from, AppState to);
// Whether an app in this state has (or is about to have) a process.
bool IsActive(AppState state);

}  // namespace berth
