// The table of berthctl's commands; each is defined in its own cmd_<name>.cc.
#include "cli/command.h"

namespace berth::cli {

extern const Command kLsCommand;
extern const Command kShowCommand;
extern const Command kApplyCommand;
extern const Command kRmCommand;
extern const Command kStartCommand;
extern const Command kStopCommand;
extern const Command kRestartCommand;
extern const Command kPauseCommand;
extern const Command kUnpauseCommand;
extern const Command kRedeployCommand;
extern const Command kRollbackCommand;
extern const Command kDeploymentsCommand;
extern const Command kLogsCommand;
extern const Command kStatsCommand;
extern const Command kEventsCommand;
extern const Command kHealthCommand;
extern const Command kLoginCommand;
extern const Command kLogoutCommand;
extern const Command kUsersCommand;
extern const Command kGrantCommand;
extern const Command kRevokeCommand;
extern const Command kTokensCommand;
extern const Command kAuditCommand;
extern const Command kVersionCommand;

const std::vector<const Command*>& all_commands() {
  static const std::vector<const Command*> kCommands = {
      &kLsCommand,       &kShowCommand,        &kApplyCommand,  &kRmCommand,      &kStartCommand,
      &kStopCommand,     &kRestartCommand,     &kPauseCommand,  &kUnpauseCommand, &kRedeployCommand,
      &kRollbackCommand, &kDeploymentsCommand, &kLogsCommand,   &kStatsCommand,   &kEventsCommand,
      &kHealthCommand,   &kLoginCommand,       &kLogoutCommand, &kUsersCommand,   &kGrantCommand,
      &kRevokeCommand,   &kTokensCommand,      &kAuditCommand,  &kVersionCommand,
  };
  return kCommands;
}

const Command* find_command(std::string_view name) {
  for (const Command* command : all_commands()) {
    if (command->name == name) return command;
  }
  return nullptr;
}

}  // namespace berth::cli
