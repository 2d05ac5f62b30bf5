// Tests of the app state table: names, legal and illegal moves, which states are active.
#include "supervise/app_state.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>

namespace berth {
namespace {

using S = AppState;

constexpr AppState kAll[] = {S::kStopped,  S::kStarting, S::kRunning, S::kPaused,
                             S::kBackoff,  S::kStopping, S::kExited,  S::kFailed};

TEST(AppStateTest, NamesOfAllEightStates) {
  EXPECT_STREQ(to_string(S::kStopped), "stopped");
  EXPECT_STREQ(to_string(S::kStarting), "starting");
  EXPECT_STREQ(to_string(S::kRunning), "running");
  EXPECT_STREQ(to_string(S::kPaused), "paused");
  EXPECT_STREQ(to_string(S::kBackoff), "backoff");
  EXPECT_STREQ(to_string(S::kStopping), "stopping");
  EXPECT_STREQ(to_string(S::kExited), "exited");
  EXPECT_STREQ(to_string(S::kFailed), "failed");
  std::set<std::string> names;
  for (AppState state : kAll) names.insert(to_string(state));
  EXPECT_EQ(names.size(), 8u);
}

TEST(AppStateTest, LegalTransitions) {
  const std::pair<AppState, AppState> legal[] = {
      {S::kStopped, S::kStarting}, {S::kExited, S::kStarting},  {S::kFailed, S::kStarting},
      {S::kStarting, S::kRunning}, {S::kStarting, S::kBackoff}, {S::kStarting, S::kStopping},
      {S::kStarting, S::kFailed},  {S::kStarting, S::kExited},  {S::kRunning, S::kExited},
      {S::kRunning, S::kStopping}, {S::kBackoff, S::kStarting}, {S::kBackoff, S::kStopped},
      {S::kStopping, S::kStopped}, {S::kExited, S::kBackoff},   {S::kRunning, S::kPaused},
      {S::kPaused, S::kRunning},   {S::kPaused, S::kStopping},  {S::kPaused, S::kExited},
  };
  for (const auto& [from, to] : legal)
    EXPECT_TRUE(IsLegalTransition(from, to)) << to_string(from) << " -> " << to_string(to);
}

TEST(AppStateTest, IllegalTransitions) {
  const std::pair<AppState, AppState> illegal[] = {
      {S::kStopped, S::kRunning},  {S::kStopped, S::kStopping},  {S::kStopped, S::kExited},
      {S::kRunning, S::kStarting}, {S::kRunning, S::kBackoff},   {S::kRunning, S::kRunning},
      {S::kStopping, S::kRunning}, {S::kStopping, S::kStarting}, {S::kStopping, S::kExited},
      {S::kBackoff, S::kRunning},  {S::kExited, S::kRunning},    {S::kFailed, S::kRunning},
      {S::kFailed, S::kStopped},   {S::kExited, S::kFailed},     {S::kStarting, S::kPaused},
      {S::kStopped, S::kPaused},   {S::kPaused, S::kStarting},   {S::kPaused, S::kStopped},
  };
  for (const auto& [from, to] : illegal)
    EXPECT_FALSE(IsLegalTransition(from, to)) << to_string(from) << " -> " << to_string(to);
}

TEST(AppStateTest, NoStateMovesToItself) {
  for (AppState state : kAll) EXPECT_FALSE(IsLegalTransition(state, state)) << to_string(state);
}

TEST(AppStateTest, EveryStateHasAWayOut) {
  for (AppState from : kAll) {
    bool any = false;
    for (AppState to : kAll) any = any || IsLegalTransition(from, to);
    EXPECT_TRUE(any) << to_string(from) << " is a dead end";
  }
}

TEST(AppStateTest, ActiveStates) {
  EXPECT_TRUE(IsActive(S::kStarting));
  EXPECT_TRUE(IsActive(S::kRunning));
  EXPECT_TRUE(IsActive(S::kPaused));
  EXPECT_TRUE(IsActive(S::kStopping));
  EXPECT_FALSE(IsActive(S::kStopped));
  EXPECT_FALSE(IsActive(S::kBackoff));
  EXPECT_FALSE(IsActive(S::kExited));
  EXPECT_FALSE(IsActive(S::kFailed));
}

}  // namespace
}  // namespace berth
