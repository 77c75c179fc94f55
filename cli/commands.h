// The subcommands of `gridless`, one function each (see cli.h for the
// calling convention and exit codes).  The table that names them is in
// commands.cc.
#ifndef GRIDLESS_CLI_COMMANDS_H_
#define GRIDLESS_CLI_COMMANDS_H_

#include <string>
#include <vector>

namespace gridless {

// run_command.cc: a job on an embedded coordinator and local workers.
int RunCommand(const std::vector<std::string>& args);

// remote_commands.cc: talk to a running gridless-coordinator.
int SubmitCommand(const std::vector<std::string>& args);
int WatchCommand(const std::vector<std::string>& args);
int ResultCommand(const std::vector<std::string>& args);
int CancelCommand(const std::vector<std::string>& args);
int ListCommand(const std::vector<std::string>& args);
int FailuresCommand(const std::vector<std::string>& args);
int RetryCommand(const std::vector<std::string>& args);

// report_command.cc: a job's dashboard page as one self-contained file.
int ReportCommand(const std::vector<std::string>& args);

// kinds_command.cc: the registered job kinds and their parameters.
int KindsCommand(const std::vector<std::string>& args);

}  // namespace gridless

#endif  // GRIDLESS_CLI_COMMANDS_H_
