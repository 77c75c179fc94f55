// The `gridless` command-line interface as a library: a table of subcommands
// and the main() that dispatches to them.
//
// Adding a subcommand: write `int FooCommand(const std::vector<std::string>&
// args)` (args are what follows the subcommand name; return an ExitCode) and
// add one line for it to the table in cli/commands.cc.  A command handles
// `--help` itself (print its usage on stdout, return kExitOk); `gridless help
// foo` calls it with {"--help"}.
//
// Exit codes (documented in docs/CLI.md; scripts rely on them):
//   0  success
//   1  the job failed or was cancelled, or a runtime failure (coordinator
//      unreachable, worker processes dying, a file that cannot be written)
//   2  usage error: bad flag, bad job file, unknown kind or parameter
//   3  the job ended with a partial result (state PARTIAL: some tasks were
//      dead-lettered within the job's failure budget)
// Every error is one line on stderr naming the thing and what to do.
//
// Not thread-safe: call from main only.
#ifndef GRIDLESS_CLI_CLI_H_
#define GRIDLESS_CLI_CLI_H_

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace gridless {

enum ExitCode : int {
  kExitOk = 0,
  kExitFailed = 1,
  kExitUsage = 2,
  kExitPartial = 3,
};

using CommandFn = int (*)(const std::vector<std::string>& args);

struct Command {
  std::string_view name;      // "run"
  std::string_view synopsis;  // "JOB.json [--workers N] [--json]"
  std::string_view help;      // one line for `gridless --help`
  CommandFn run;
};

// Every subcommand, in the order `gridless --help` lists them.
std::span<const Command> Commands();

// nullptr when there is no such command.
const Command* FindCommand(std::string_view name);

// main() of `gridless`.
int CliMain(int argc, char** argv);

// The exit code for an error status: kExitUsage for INVALID_ARGUMENT,
// NOT_FOUND, OUT_OF_RANGE and ALREADY_EXISTS (fix the input), kExitFailed
// otherwise.
int ExitCodeFor(const absl::Status& status);

// Prints "gridless: MESSAGE" as one line on stderr (newlines in the message
// become spaces) and returns ExitCodeFor(status).
int ReportError(const absl::Status& status);
// Prints "gridless: MESSAGE" and returns `code`.
int ReportError(absl::string_view message, int code);

}  // namespace gridless

#endif  // GRIDLESS_CLI_CLI_H_
