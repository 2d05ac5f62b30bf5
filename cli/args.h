// Command-line parsing for berthctl: flags (`--json`, `-n 20`, `--url=...`) and positionals.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace berth::cli {

// A flag a command accepts. `name` is the long form without dashes ("json" for --json).
struct FlagSpec {
  std::string_view name;
  char short_name = 0;  // 'n' for -n; 0 when there is no short form
  bool takes_value = false;
};

// What parse_args found: the flags that were given (by long name) and the positionals in order.
class ParsedArgs {
 public:
  bool has(std::string_view name) const { return flags_.find(name) != flags_.end(); }
  // The value of a flag that takes one, when it was given (the last one wins).
  std::optional<std::string> value(std::string_view name) const;
  // Every value a repeatable flag was given, in order (`--grant a --grant b`).
  std::vector<std::string> values(std::string_view name) const;
  void set(std::string_view name, std::string value) {
    flags_[std::string(name)].push_back(std::move(value));
  }
  // Copies every flag of `other` into this one, replacing those present in both.
  void merge_flags(const ParsedArgs& other);

  std::vector<std::string> positionals;

 private:
  // Each flag given, with its values in order; a switch has one "" per time it was given.
  std::map<std::string, std::vector<std::string>, std::less<>> flags_;
};

enum class ParseMode {
  kAll,                    // flags may come anywhere among the positionals
  kStopAtFirstPositional,  // the first positional and all after it are left as positionals
};

// Parses `args` against `flags`. Accepted forms: `--name`, `--name value`, `--name=value`, `-n`,
// `-n value`, `-nvalue`; `--` ends the flags; a lone `-` is a positional (stdin, by convention).
// An unknown flag, a missing value or a value given to a switch gives Status::Invalid whose
// message names the flag.
Result<ParsedArgs> parse_args(const std::vector<std::string>& args,
                              const std::vector<FlagSpec>& flags, ParseMode mode = ParseMode::kAll);

}  // namespace berth::cli
