// Retry or dead-letter a failed attempt (see retry_policy.h).
#include "coordinator/retry_policy.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace gridless {

bool IsRetryable(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
      return true;
    default:
      return false;
  }
}

RetryPolicy::RetryPolicy(absl::Duration backoff_base,
                         absl::Duration backoff_max, uint64_t seed)
    : backoff_(backoff_base, backoff_max, seed) {}

uint32_t RetryPolicy::MaxAttemptsFor(const v1::JobSpec& spec,
                                     uint32_t default_max_attempts) {
  if (spec.max_attempts() > 0) return spec.max_attempts();
  return std::max<uint32_t>(1, default_max_attempts);
}

RetryPolicy::Decision RetryPolicy::Decide(absl::string_view task,
                                          uint32_t attempt,
                                          uint32_t max_attempts,
                                          const absl::Status& error) {
  if (!IsRetryable(error.code())) {
    return DeadLetter{absl::StrCat(
        task, " failed with a permanent error on attempt ", attempt, ": ",
        error.ToString(),
        " (retrying cannot help: fix the job's parameters or inputs)")};
  }
  if (attempt >= max_attempts) {
    return DeadLetter{absl::StrCat(
        task, " failed after ", attempt,
        attempt == 1 ? " attempt: " : " attempts: ", error.ToString(),
        " (the error is transient: a retry may succeed; raise max_attempts "
        "to try more often)")};
  }
  return RetryAfter{backoff_.Delay(attempt)};
}

}  // namespace gridless
