// One job as a worker sees it: its JobSpec, its kind, and the TaskRunner that
// the kind's Prepare builds, lazily and once per job per stream.
//
// Thread-safety: Runner() may be called from every slot at once; the first
// caller runs Prepare and the others wait for it.  A Prepare error (or an
// unknown kind) is remembered and returned to every caller, so every task of
// the job fails with it.  An error of the kind's Prepare carries a payload of
// type kPrepareFailedTypeUrl (IsPrepareFailure), so that the executor can
// tell the coordinator that this worker, not the task, is at fault
// (TaskError.prepare_failed).  Owned through shared_ptr by the executor's job
// table and by every queued or running task of the job.
#ifndef GRIDLESS_WORKER_JOB_ENTRY_H_
#define GRIDLESS_WORKER_JOB_ENTRY_H_

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gridless/v1/job.pb.h"
#include "jobs/job.h"

namespace gridless {

inline constexpr absl::string_view kPrepareFailedTypeUrl =
    "gridless/prepare_failed";

// Whether `status` is a remembered error of the kind's Prepare.
inline bool IsPrepareFailure(const absl::Status& status) {
  return status.GetPayload(kPrepareFailedTypeUrl).has_value();
}

class JobEntry {
 public:
  // `registry` must outlive the entry.
  JobEntry(std::string job_id, v1::JobSpec spec, const JobRegistry* registry);

  const std::string& job_id() const { return job_id_; }
  const v1::JobSpec& spec() const { return spec_; }

  // The job's runner, prepared on the first call.  Never null when OK.
  absl::StatusOr<TaskRunner*> Runner();

 private:
  void Prepare();

  const std::string job_id_;
  const v1::JobSpec spec_;
  const JobRegistry* const registry_;
  std::once_flag once_;
  // Written once inside call_once, read-only afterwards.
  absl::Status status_;
  std::unique_ptr<TaskRunner> runner_;
};

}  // namespace gridless

#endif  // GRIDLESS_WORKER_JOB_ENTRY_H_
