// Helpers shared by the subcommands: flag parsing with the CLI's exit-code
// conventions, and the coordinator address flag.
//
// Not thread-safe; call from main only.
#ifndef GRIDLESS_CLI_COMMAND_FLAGS_H_
#define GRIDLESS_CLI_COMMAND_FLAGS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/address.h"
#include "common/flags.h"

namespace gridless {

// Parses `args` into `flags` and checks the positional count is within
// [min_positional, max_positional].  Returns std::nullopt when the command
// should go on; otherwise the exit code to return at once, after printing
// the usage (--help: stdout, kExitOk) or a one-line error (kExitUsage).
std::optional<int> ParseCommandFlags(FlagSet& flags,
                                     const std::vector<std::string>& args,
                                     absl::string_view command,
                                     absl::string_view synopsis,
                                     size_t min_positional,
                                     size_t max_positional);

// $GRIDLESS_COORDINATOR, else "127.0.0.1:7070".
std::string DefaultCoordinatorAddress();

// Adds `--coordinator ADDR` to `flags`, defaulting to
// DefaultCoordinatorAddress().
void AddCoordinatorFlag(FlagSet& flags, std::string* address);

// Addresses are checked with ValidateAddress (common/address.h), the same
// rules as the worker's --coordinator.

}  // namespace gridless

#endif  // GRIDLESS_CLI_COMMAND_FLAGS_H_
