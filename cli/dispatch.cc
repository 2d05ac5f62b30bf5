// run_berthctl: argument handling and help text around the command table.
#include "cli/dispatch.h"

#include <algorithm>
#include <ostream>
#include <utility>

namespace berth::cli {
namespace {

const std::vector<FlagSpec>& global_flags() {
  static const std::vector<FlagSpec> kFlags = {
      {.name = "url", .takes_value = true},
      {.name = "token", .takes_value = true},
      {.name = "help", .short_name = 'h'},
      {.name = "version"},
  };
  return kFlags;
}

constexpr std::string_view kGlobalUsage = "berthctl [--url URL] [--token TOKEN]";

// "  NAME ARGUMENTS", the left column of the help.
std::string synopsis(std::string_view name, std::string_view arguments) {
  std::string text = "  " + std::string(name);
  if (!arguments.empty()) text += " " + std::string(arguments);
  return text;
}

void print_help(std::ostream& out) {
  std::vector<std::pair<std::string, std::string_view>> lines;
  for (const Command* command : all_commands()) {
    lines.emplace_back(synopsis(command->name, command->arguments), command->summary);
  }
  lines.emplace_back(synopsis("help", "[COMMAND]"), "print this help, or a command's");
  size_t width = 0;
  for (const auto& [left, summary] : lines) width = std::max(width, left.size());
  out << "usage: " << kGlobalUsage << " COMMAND [ARGS]\n\ncommands:\n";
  for (const auto& [left, summary] : lines) {
    out << left << std::string(width - left.size() + 2, ' ') << summary << '\n';
  }
  out << "\nURL: --url, $BERTH_URL, else the unix socket <state>/run/api.sock of a local berthd\n"
      << "(state: $BERTH_STATE_DIR, ./.berth, /var/lib/berth), else " << kDefaultUrl << ".\n"
      << "TOKEN: --token, $BERTH_TOKEN, else the token `berthctl login` saved for the URL,\n"
      << "else <state>/admin-token when readable.\n"
      << "Exit status: 0 ok, 1 refused by berthd or unhealthy, 2 berthd unreachable, 64 usage.\n";
}

void print_command_usage(const Command& command, std::ostream& out) {
  out << "usage: " << kGlobalUsage << " " << command.name;
  if (!command.arguments.empty()) out << " " << command.arguments;
  out << '\n';
}

ExitCode usage_error(const Io& io, const std::string& message, const Command* command) {
  io.err << "berthctl: " << message << '\n';
  if (command != nullptr) {
    print_command_usage(*command, io.err);
  } else {
    io.err << "usage: " << kGlobalUsage << " COMMAND [ARGS]  (berthctl help lists them)\n";
  }
  return ExitCode::kUsage;
}

ExitCode run_help(const std::vector<std::string>& topics, const Io& io) {
  if (topics.empty()) {
    print_help(io.out);
    return ExitCode::kOk;
  }
  const Command* command = find_command(topics[0]);
  if (command == nullptr) return usage_error(io, "unknown command \"" + topics[0] + "\"", nullptr);
  print_command_usage(*command, io.out);
  io.out << command->summary << '\n';
  return ExitCode::kOk;
}

// Parses what follows the command's name; global flags may appear there too.
Result<ParsedArgs> parse_command_args(const Command& command,
                                      const std::vector<std::string>& rest) {
  std::vector<FlagSpec> flags = command.flags;
  flags.insert(flags.end(), global_flags().begin(), global_flags().end());
  return parse_args(rest, flags);
}

ExitCode run_command(const Command& command, const ParsedArgs& args, const Io& io,
                     const EnvLookup& env, const ClientFactory& make_client, TimePoint now) {
  Result<Endpoint> endpoint = resolve_endpoint(args.value("url"), args.value("token"), env);
  if (!endpoint.ok()) return usage_error(io, endpoint.status().message(), nullptr);
  std::unique_ptr<Client> client = make_client(*endpoint);
  Context ctx{*client, io.in, io.out, io.err, now, env, io.in_is_terminal};
  return command.run(ctx, args);
}

}  // namespace

ExitCode run_berthctl(const std::vector<std::string>& args, const Io& io, const EnvLookup& env,
                      const ClientFactory& make_client, TimePoint now) {
  Result<ParsedArgs> global = parse_args(args, global_flags(), ParseMode::kStopAtFirstPositional);
  if (!global.ok()) return usage_error(io, global.status().message(), nullptr);
  if (global->has("help")) return run_help({}, io);
  if (global->has("version")) {
    io.out << "berthctl " << BERTH_VERSION << '\n';
    return ExitCode::kOk;
  }
  if (global->positionals.empty()) return usage_error(io, "no command given", nullptr);
  const std::string& name = global->positionals[0];
  std::vector<std::string> rest(global->positionals.begin() + 1, global->positionals.end());
  if (name == "help") return run_help(rest, io);
  const Command* command = find_command(name);
  if (command == nullptr) return usage_error(io, "unknown command \"" + name + "\"", nullptr);

  Result<ParsedArgs> parsed = parse_command_args(*command, rest);
  if (!parsed.ok()) return usage_error(io, parsed.status().message(), command);
  if (parsed->has("help")) return run_help({name}, io);
  size_t count = parsed->positionals.size();
  if (count < command->min_positionals || count > command->max_positionals) {
    std::string what = count < command->min_positionals ? "too few" : "too many";
    return usage_error(io, what + " arguments for " + name, command);
  }
  ParsedArgs merged = std::move(global).value();
  merged.merge_flags(*parsed);
  merged.positionals = std::move(parsed->positionals);
  return run_command(*command, merged, io, env, make_client, now);
}

}  // namespace berth::cli
