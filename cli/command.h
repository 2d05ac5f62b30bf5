// Command: what every berthctl command is (a descriptor with its flags and a run function) and
// the Context it runs in. Each command lives in its own cmd_<name>.cc.
#pragma once

#include <chrono>
#include <iosfwd>
#include <string_view>
#include <vector>

#include "cli/args.h"
#include "cli/client.h"
#include "cli/endpoint.h"

namespace berth::cli {

// berthctl's exit statuses.
enum class ExitCode {
  kOk = 0,
  kFailure = 1,      // the API refused or answered an error; `health` found an app down
  kUnreachable = 2,  // no answer from berthd: connection refused, broken, timed out
  kUsage = 64,       // the command line is wrong (EX_USAGE)
};

// What a command talks to and writes on. Tests build one around a fake Client and string
// streams.
struct Context {
  Client& client;
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
  std::chrono::system_clock::time_point now;
  EnvLookup env = {};           // the environment (HOME, XDG_CONFIG_HOME, USER)
  bool in_is_terminal = false;  // `in` is the terminal: prompt, and hide what is typed
};

struct Command {
  std::string_view name;
  std::string_view arguments = {};  // the usage after the name, e.g. "NAME [--purge]"
  std::string_view summary = {};    // one line for `berthctl help`
  std::vector<FlagSpec> flags = {};
  size_t min_positionals = 0;
  size_t max_positionals = 0;
  // `args.positionals` holds what followed the command's name. Runs only when their count is
  // within [min_positionals, max_positionals].
  ExitCode (*run)(Context& ctx, const ParsedArgs& args) = nullptr;
};

// Every command, in the order `help` lists them.
const std::vector<const Command*>& all_commands();

// The command called `name`, or null.
const Command* find_command(std::string_view name);

}  // namespace berth::cli
