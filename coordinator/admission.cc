// Spec checks and the open-jobs limit (see admission.h).
#include "coordinator/admission.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "coordinator/retry_policy.h"

namespace gridless {

absl::StatusOr<const JobKind*> CheckSpec(const v1::JobSpec& spec,
                                         const JobRegistry* registry) {
  if (registry == nullptr) {
    return absl::FailedPreconditionError("scheduler has no job registry");
  }
  auto kind = registry->Find(spec.kind());
  if (!kind.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("job spec field \"kind\": ", kind.status().message()));
  }
  if (spec.max_attempts() > kMaxAttemptsLimit) {
    return absl::InvalidArgumentError(
        absl::StrCat("job spec field \"max_attempts\": expected at most ",
                     kMaxAttemptsLimit, ", got ", spec.max_attempts()));
  }
  if (!(spec.task_timeout_s() >= 0) || std::isinf(spec.task_timeout_s())) {
    return absl::InvalidArgumentError(
        absl::StrCat("job spec field \"task_timeout_s\": expected a finite "
                     "number of seconds >= 0, got ",
                     spec.task_timeout_s()));
  }
  if (!std::isfinite(spec.speculation_multiple())) {
    return absl::InvalidArgumentError(
        "job spec field \"speculation_multiple\": expected a finite number "
        "(0 = default, negative = off)");
  }
  return kind;
}

absl::Status OpenJobs::Reserve() {
  if (open_ >= max_) {
    return absl::ResourceExhaustedError(absl::StrCat(
        open_,
        " jobs are unfinished, the coordinator's limit "
        "(--max-open-jobs): wait for one to end, cancel one, or raise the "
        "limit"));
  }
  ++open_;
  return absl::OkStatus();
}

}  // namespace gridless
