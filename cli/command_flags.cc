#include "cli/command_flags.h"

#include <cstdio>
#include <cstdlib>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "cli/cli.h"

namespace gridless {

std::optional<int> ParseCommandFlags(FlagSet& flags,
                                     const std::vector<std::string>& args,
                                     absl::string_view command,
                                     absl::string_view synopsis,
                                     size_t min_positional,
                                     size_t max_positional) {
  absl::Status status = flags.Parse(args);
  if (flags.help()) {
    std::fputs(flags.Usage(std::string(synopsis)).c_str(), stdout);
    return kExitOk;
  }
  if (!status.ok()) return ReportError(status);
  size_t n = flags.positional().size();
  if (n < min_positional) {
    return ReportError(
        absl::StrCat("gridless ", command, ": missing ", synopsis,
                     " (usage: gridless ", command, " ", synopsis,
                     "; see gridless ", command, " --help)"),
        kExitUsage);
  }
  if (n > max_positional) {
    return ReportError(
        absl::StrCat("gridless ", command, ": unexpected argument \"",
                     flags.positional()[max_positional], "\" (usage: gridless ",
                     command, " ", synopsis, "; see gridless ", command,
                     " --help)"),
        kExitUsage);
  }
  return std::nullopt;
}

std::string DefaultCoordinatorAddress() {
  const char* env = std::getenv("GRIDLESS_COORDINATOR");
  if (env != nullptr && *env != '\0') return env;
  return "127.0.0.1:7070";
}

void AddCoordinatorFlag(FlagSet& flags, std::string* address) {
  *address = DefaultCoordinatorAddress();
  flags.String("coordinator", address,
               "HOST:PORT of the gridless-coordinator (env "
               "GRIDLESS_COORDINATOR)");
}

}  // namespace gridless
