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

}  // namespace gridless

#endif  // GRIDLESS_JOBS_LOAN_LOAN_COMMANDS_H_
