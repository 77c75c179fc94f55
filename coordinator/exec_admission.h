// Which job kinds a coordinator admits: kinds that run commands named in the
// job spec (`exec`) only when the coordinator was started with --allow-exec
// (CoordinatorOptions::allow_exec).  Whoever can submit such a job runs
// programs on every worker, so a standing coordinator refuses them unless
// its operator opts in; `gridless run` opts in for its embedded coordinator.
// See docs/SECURITY.md, "Jobs that run commands".
//
// The check sits at the edge: JobService.Submit and Retry refuse the job,
// and a journal restore fails an unfinished job of such a kind with the same
// message instead of running it.
//
// Thread-safety: stateless functions; RefuseUnallowedJobs writes to the
// journal it is given (thread-safe).
#ifndef GRIDLESS_COORDINATOR_EXEC_ADMISSION_H_
#define GRIDLESS_COORDINATOR_EXEC_ADMISSION_H_

#include <cstddef>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "coordinator/journal.h"

namespace gridless {

// The flag a coordinator needs to admit kinds that run commands.
inline constexpr char kAllowExecFlag[] = "--allow-exec";

// True for kinds that run commands given in the job spec ("exec").
bool KindRunsCommands(absl::string_view kind);

// OK when a job of `kind` may run on a coordinator with `allow_exec`;
// FAILED_PRECONDITION naming the kind and --allow-exec otherwise.
absl::Status CheckKindAdmitted(absl::string_view kind, bool allow_exec);

// Before Scheduler::Restore: every unfinished job in `jobs` whose kind is
// not admitted becomes FAILED with CheckKindAdmitted's message (prefixed
// with why it did not resume), and that end is recorded in `journal` (may
// be nullptr), so it is not resumed by a later restart either.  Returns how
// many jobs were failed.
size_t FailUnadmittedJobs(std::vector<Journal::JobRecord>& jobs,
                          bool allow_exec, absl::Time now, Journal* journal);

}  // namespace gridless

#endif  // GRIDLESS_COORDINATOR_EXEC_ADMISSION_H_
