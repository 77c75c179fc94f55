// Admission of kinds that run commands (see exec_admission.h).
#include "coordinator/exec_admission.h"

#include "absl/strings/str_cat.h"

namespace gridless {

bool KindRunsCommands(absl::string_view kind) { return kind == "exec"; }

absl::Status CheckKindAdmitted(absl::string_view kind, bool allow_exec) {
  if (allow_exec || !KindRunsCommands(kind)) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "job kind \"", kind,
      "\" runs commands on the workers, and this coordinator does not allow "
      "it: start gridless-coordinator with ",
      kAllowExecFlag,
      " to accept such jobs (anyone who can submit may then run programs on "
      "every worker; see docs/SECURITY.md), or use `gridless run`"));
}

size_t FailUnadmittedJobs(std::vector<Journal::JobRecord>& jobs,
                          bool allow_exec, absl::Time now, Journal* journal) {
  size_t failed = 0;
  for (Journal::JobRecord& job : jobs) {
    if (job.state != v1::JOB_STATE_RUNNING &&
        job.state != v1::JOB_STATE_UNSPECIFIED) {
      continue;
    }
    absl::Status admitted = CheckKindAdmitted(job.spec.kind(), allow_exec);
    if (admitted.ok()) continue;
    job.state = v1::JOB_STATE_FAILED;
    job.error = absl::StrCat("not resumed after a coordinator restart: ",
                             admitted.message());
    job.wall_seconds = absl::ToDoubleSeconds(now - job.submitted);
    job.done.clear();
    if (journal != nullptr) {
      journal->RecordJobEnd(job.job_id, job.state, job.error, job.result,
                            job.wall_seconds);
    }
    ++failed;
  }
  return failed;
}

}  // namespace gridless
