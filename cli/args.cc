// Command-line parsing: a small getopt_long without global state.
#include "cli/args.h"

#include <algorithm>

namespace berth::cli {
namespace {

const FlagSpec* find_long(const std::vector<FlagSpec>& flags, std::string_view name) {
  auto it = std::find_if(flags.begin(), flags.end(),
                         [&](const FlagSpec& flag) { return flag.name == name; });
  return it == flags.end() ? nullptr : &*it;
}

const FlagSpec* find_short(const std::vector<FlagSpec>& flags, char name) {
  auto it = std::find_if(flags.begin(), flags.end(),
                         [&](const FlagSpec& flag) { return flag.short_name == name; });
  return it == flags.end() ? nullptr : &*it;
}

// Walks the arguments one at a time; a flag that takes a value may consume the next one.
class Parser {
 public:
  Parser(const std::vector<std::string>& args, const std::vector<FlagSpec>& flags, ParseMode mode)
      : args_(args), flags_(flags), mode_(mode) {}

  Result<ParsedArgs> run() {
    while (next_ < args_.size()) {
      const std::string& arg = args_[next_++];
      Status status = Status::Ok();
      if (arg == "--") {
        take_rest();
      } else if (arg.size() > 2 && arg.starts_with("--")) {
        status = parse_long(arg.substr(2));
      } else if (arg.size() > 1 && arg.front() == '-') {
        status = parse_short(arg);
      } else {
        parsed_.positionals.push_back(arg);
        if (mode_ == ParseMode::kStopAtFirstPositional) take_rest();
      }
      if (!status.ok()) return status;
    }
    return std::move(parsed_);
  }

 private:
  void take_rest() {
    while (next_ < args_.size()) parsed_.positionals.push_back(args_[next_++]);
  }

  Status parse_long(std::string_view body) {
    size_t equals = body.find('=');
    std::string_view name = body.substr(0, equals);
    const FlagSpec* flag = find_long(flags_, name);
    if (flag == nullptr) return Status::Invalid("unknown flag --" + std::string(name));
    if (equals != std::string_view::npos) {
      if (!flag->takes_value) return Status::Invalid("--" + std::string(name) + " takes no value");
      parsed_.set(name, std::string(body.substr(equals + 1)));
      return Status::Ok();
    }
    return store(*flag, "--" + std::string(name));
  }

  Status parse_short(const std::string& arg) {
    const FlagSpec* flag = find_short(flags_, arg[1]);
    if (flag == nullptr) return Status::Invalid("unknown flag " + arg.substr(0, 2));
    if (arg.size() == 2) return store(*flag, arg);
    if (!flag->takes_value) return Status::Invalid("unknown flag " + arg);
    parsed_.set(flag->name, arg.substr(2));  // -n20
    return Status::Ok();
  }

  // Records a flag given without an attached value; one that needs a value takes the next arg.
  Status store(const FlagSpec& flag, const std::string& spelled) {
    if (!flag.takes_value) {
      parsed_.set(flag.name, "");
      return Status::Ok();
    }
    if (next_ >= args_.size()) return Status::Invalid(spelled + " needs a value");
    parsed_.set(flag.name, args_[next_++]);
    return Status::Ok();
  }

  const std::vector<std::string>& args_;
  const std::vector<FlagSpec>& flags_;
  ParseMode mode_;
  size_t next_ = 0;
  ParsedArgs parsed_;
};

}  // namespace

std::optional<std::string> ParsedArgs::value(std::string_view name) const {
  auto it = flags_.find(name);
  if (it == flags_.end()) return std::nullopt;
  return it->second.back();
}

std::vector<std::string> ParsedArgs::values(std::string_view name) const {
  auto it = flags_.find(name);
  return it == flags_.end() ? std::vector<std::string>() : it->second;
}

void ParsedArgs::merge_flags(const ParsedArgs& other) {
  for (const auto& [name, value] : other.flags_) flags_[name] = value;
}

Result<ParsedArgs> parse_args(const std::vector<std::string>& args,
                              const std::vector<FlagSpec>& flags, ParseMode mode) {
  return Parser(args, flags, mode).run();
}

}  // namespace berth::cli
