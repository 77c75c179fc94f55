// CLI subcommands implemented by the loan-mc module; cli/ dispatches to them.
// Each takes the arguments after the subcommand name, prints to stdout/stderr
// and returns the process exit code (0 ok, 2 bad usage, 1 failure).
#ifndef GRIDLESS_JOBS_LOAN_LOAN_COMMANDS_H_
#define GRIDLESS_JOBS_LOAN_LOAN_COMMANDS_H_

#include <string>
#include <vector>

namespace gridless {

// gridless gen-loans --count N --format F --out FILE --seed S
int GenLoansCommand(const std::vector<std::string>& args);
// gridless loan-cashflows --balance B --rate R --term N ...
int LoanCashflowsCommand(const std::vector<std::string>& args);
// `gridless verify-manifest`: 0 when the tape matches the result's manifest,
// 1 when it differs or cannot be read, 2 for a bad file or flag.
int VerifyManifestCommand(const std::vector<std::string>& args);
// gridless convert-tape TAPE --out FILE.gtape [--format F] [--skip-bad-rows]
int ConvertTapeCommand(const std::vector<std::string>& args);

}  // namespace gridless

#endif  // GRIDLESS_JOBS_LOAN_LOAN_COMMANDS_H_
