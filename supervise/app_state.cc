// App states and the table of legal transitions.
#include "supervise/app_state.h"

namespace berth {

const char* to_string(AppState state) {
  switch (state) {
    case AppState::kStopped:
      return "stopped";
    case AppState::kStarting:
      return "starting";
    case AppState::kRunning:
      return "running";
    case AppState::kPaused:
      return "paused";
    case AppState::kBackoff:
      return "backoff";
    case AppState::kStopping:
      return "stopping";
    case AppState::kExited:
      return "exited";
    case AppState::kFailed:
      return "failed";
  }
  return "unknown";
}

bool IsLegalTransition(AppState from, AppState to) {
  using S = AppState;
  switch (from) {
    case S::kStopped:
    case S::kFailed:
      return to == S::kStarting;
    case S::kExited:
      // Backoff: the start limit holds the restart back.
      return to == S::kStarting || to == S::kBackoff;
    case S::kStarting:
      return to == S::kRunning || to == S::kBackoff || to == S::kStopping || to == S::kStopped ||
             to == S::kExited || to == S::kFailed;
    case S::kRunning:
      return to == S::kExited || to == S::kStopping || to == S::kPaused;
    case S::kPaused:
      return to == S::kRunning || to == S::kExited || to == S::kStopping;
    case S::kBackoff:
      return to == S::kStarting || to == S::kStopped;
    case S::kStopping:
      return to == S::kStopped;
  }
  return false;
}

bool IsActive(AppState state) {
  return state == AppState::kStarting || state == AppState::kRunning ||
         state == AppState::kPaused || state == AppState::kStopping;
}

}  // namespace berth
