// Replacing a file whole: readers see the old contents or the new, never a part.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "base/status.h"

namespace berth {

// What the new contents must survive once WriteFileAtomically returns.
enum class Durability {
  kProcessCrash,  // berthd's death (kill -9): the page cache keeps it; no sync, cheap
  kPowerLoss,     // a crash of the machine too: synced before and after the rename
};

// Writes `contents` to a temporary file beside `path` with `mode`, then renames it over
// `path`. On failure `path` is left as it was.
[[nodiscard]] Status WriteFileAtomically(const std::string& path, std::string_view contents,
                                         mode_t mode, Durability durability);

}  // namespace berth
