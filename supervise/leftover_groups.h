// Ending the apps' processes that a berthd killed with SIGKILL left running, before the next
// berthd starts them again (they would hold the apps' ports).
#pragma once

#include <string>

namespace berth {

// Reads the ledger at `ledger_path` (see ProcessGroupLedger) and ends each recorded group that
// is still there and can be shown to be the one recorded: same boot, its leader (if still
// there) started when recorded, and every member started no earlier and runs as the recorded
// user. Each gets the app's stop signal, and SIGKILL after its stop_timeout. Logs each group
// ended, then removes the ledger.
//
// Blocks until they are gone, at most the longest stop_timeout and a few seconds: it runs
// before the loop does, so nothing waits on it but the start of berthd itself, and no app can
// start (and find its port taken) before its old processes are gone. Call it only while
// holding the state dir's lock, so that it never ends another berthd's apps.
void EndLeftoverGroups(const std::string& ledger_path);

}  // namespace berth
