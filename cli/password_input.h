// Reading a password for `login` and `users add|passwd --password-stdin`.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "cli/command.h"

namespace berth::cli {

// One line of ctx.in without its line end. When ctx.in is the terminal, `prompt` is written
// on ctx.err first and what is typed is not echoed. nullopt when the input ends before a line
// or the line is empty (an error was printed).
std::optional<std::string> read_password(Context& ctx, std::string_view prompt);

}  // namespace berth::cli
