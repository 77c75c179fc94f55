// The admission policy: which jobs the scheduler accepts.
//
// CheckSpec: the spec's kind must be registered; max_attempts at most
// kMaxAttemptsLimit; task_timeout_s a finite number >= 0;
// speculation_multiple finite.  Each refusal is INVALID_ARGUMENT naming the
// field.  (The kind's own parameters are checked by its Plan; exec jobs
// also pass ExecAdmission at the gRPC edge, coordinator/exec_admission.h.)
//
// OpenJobs: at most `max_open_jobs` unfinished jobs at once
// (RESOURCE_EXHAUSTED beyond, saying what to do).  A job holds its place
// from Reserve (before planning) until it ends; Retry and Restore reopen.
//
// Not thread-safe: the owner (the Scheduler) serializes calls to OpenJobs;
// CheckSpec is a pure function.
#ifndef GRIDLESS_COORDINATOR_ADMISSION_H_
#define GRIDLESS_COORDINATOR_ADMISSION_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gridless/v1/job.pb.h"
#include "jobs/job.h"

namespace gridless {

// The spec's kind, or why the spec is refused.  FAILED_PRECONDITION when
// `registry` is nullptr.
absl::StatusOr<const JobKind*> CheckSpec(const v1::JobSpec& spec,
                                         const JobRegistry* registry);

class OpenJobs {
 public:
  explicit OpenJobs(uint64_t max_open_jobs) : max_(max_open_jobs) {}

  // Takes a place for a new job; RESOURCE_EXHAUSTED at the limit.
  absl::Status Reserve();
  // A job (retried, or restored running) is open again, whatever the limit.
  void Reopen() { ++open_; }
  // A job ended (or its reservation was not used).
  void Release() {
    if (open_ > 0) --open_;
  }
  uint64_t open() const { return open_; }

 private:
  const uint64_t max_;
  uint64_t open_ = 0;
};

}  // namespace gridless

#endif  // GRIDLESS_COORDINATOR_ADMISSION_H_
