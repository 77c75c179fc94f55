// Printing a job's result the way every subcommand does: the `--json`
// object or the readable summary on stdout, and for a job that did not
// succeed one line on stderr saying so.
//
// Call from one thread at a time (it writes to stdout and stderr).
#ifndef GRIDLESS_CLI_PRINT_RESULT_H_
#define GRIDLESS_CLI_PRINT_RESULT_H_

#include "gridless/v1/job.pb.h"

namespace gridless {

// Returns the exit code for the job's state (0 succeeded, 1 otherwise).
int PrintJobResult(const v1::JobResult& result, bool json);

}  // namespace gridless

#endif  // GRIDLESS_CLI_PRINT_RESULT_H_
