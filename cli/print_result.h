// Printing a job's result the way every subcommand does: the `--json`
// object or the readable summary on stdout, and for a job that did not
// succeed one line on stderr saying so (plus, when tasks were dead-lettered,
// one line pointing to `gridless failures` and `gridless retry`).
//
// Call from one thread at a time (it writes to stdout and stderr).
#ifndef GRIDLESS_CLI_PRINT_RESULT_H_
#define GRIDLESS_CLI_PRINT_RESULT_H_

#include <string>

#include "gridless/v1/job.pb.h"

namespace gridless {

// Returns the exit code for the job's state (ExitCodeForState: 0 succeeded,
// 3 partial, 1 otherwise).  `coordinator`: the address the job lives on,
// used in the dead-letter hint's commands; "" prints no hint (`gridless run`,
// whose embedded coordinator is gone once it returns, prints its own).
int PrintJobResult(const v1::JobResult& result, bool json,
                   const std::string& coordinator = "");

}  // namespace gridless

#endif  // GRIDLESS_CLI_PRINT_RESULT_H_
