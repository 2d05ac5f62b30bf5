// run_berthctl: berthctl from its arguments to its exit code — global flags, help, choosing the
// command, checking its arguments, finding berthd. main() only supplies the real world.
#pragma once

#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "cli/app_format.h"
#include "cli/command.h"
#include "cli/endpoint.h"

namespace berth::cli {

// Makes the client for the endpoint the flags and environment chose.
using ClientFactory = std::function<std::unique_ptr<Client>(const Endpoint& endpoint)>;

struct Io {
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
  bool in_is_terminal = false;  // stdin is a terminal (isatty)
};

// Runs berthctl with `args` (argv without the program name).
ExitCode run_berthctl(const std::vector<std::string>& args, const Io& io, const EnvLookup& env,
                      const ClientFactory& make_client, TimePoint now);

}  // namespace berth::cli
