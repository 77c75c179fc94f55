// How the CLI shows a job's dead letters (`gridless failures`) and the hint
// that points to them when a job ends partial or failed.
//
// Pure functions; thread-safe.
#ifndef GRIDLESS_CLI_FAILURES_OUTPUT_H_
#define GRIDLESS_CLI_FAILURES_OUTPUT_H_

#include <string>

#include "absl/strings/string_view.h"
#include "gridless/v1/job.pb.h"

namespace gridless {

// The readable table of `gridless failures`, ending in a newline:
//   job job-3 partial: 1 dead-lettered task
//   STAGE  TASK  ATTEMPTS  RETRYABLE  SECONDS  WORKER  LAST ERROR
//   0         7         3  yes          0.012  h:1:ab  INTERNAL: injected ...
// One row per dead letter, with its last attempt; `verbose` adds one line per
// attempt under each row.  "no dead-lettered tasks" when there are none.
std::string FailuresToText(const v1::FailuresResponse& failures, bool verbose);

// `gridless failures --json`: one object on one line, no trailing newline:
// {"job_id", "state", "dead_letters": [{"stage", "task", "attempts":
//  [{"attempt", "worker", "seconds", "code", "message", "retryable"}]}]}
// `code` is the status code's name ("INTERNAL").
std::string FailuresToJson(const v1::FailuresResponse& failures);

// The name of an absl::StatusCode number ("DEADLINE_EXCEEDED"), or the
// number as text when it is not a known code.
std::string StatusCodeName(int32_t code);

// " --coordinator ADDR" when `address` is not the default one (so that a
// command printed for the user to copy reaches the same coordinator), ""
// otherwise.
std::string CoordinatorFlagFor(absl::string_view address);

// The one-line hint printed (on stderr) for a job that dead-lettered tasks:
//   PARTIAL: "partial result: 2 tasks dead-lettered; see `gridless failures
//             ID`, rerun them with `gridless retry ID`"
//   FAILED:  "1 task dead-lettered; see `gridless failures ID`, rerun ..."
// `coordinator_flag` (e.g. CoordinatorFlagFor(address)) is appended to both
// commands.  "" when the job has no dead letter (or is in another state).
std::string DeadLetterHint(const v1::Progress& progress,
                           absl::string_view coordinator_flag);

}  // namespace gridless

#endif  // GRIDLESS_CLI_FAILURES_OUTPUT_H_
