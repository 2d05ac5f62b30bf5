// berthd's open-files limit: raised at start as systemd's LimitNOFILE would, since every API
// connection, app pipe and proxied socket holds a file descriptor.
#pragma once

#include <cstddef>

namespace berth {

// Raises the soft RLIMIT_NOFILE to the hard limit (a warning is logged when that fails) and
// returns the soft limit now in force.
size_t RaiseOpenFilesLimit();

}  // namespace berth
