// The retry policy: what happens to a task attempt that failed.  The one
// home of the retryable codes (IsRetryable), the retry defaults, and the
// backoff between attempts.
//
// Retryable codes (transient: the same work may succeed on another try):
//   UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, INTERNAL,
//   UNKNOWN.
// Every other code (INVALID_ARGUMENT, FAILED_PRECONDITION, NOT_FOUND,
// DATA_LOSS, OUT_OF_RANGE, PERMISSION_DENIED, UNIMPLEMENTED...) is permanent:
// the task is dead-lettered at once.  (CANCELLED from a worker never gets
// here as such: the scheduler turns it into ABORTED, the worker gave the
// attempt up.)  docs/RELIABILITY.md, docs/DESIGN.md, jobs/job.h and the
// TaskError proto point here.
//
// Decide(): a failed attempt `attempt` (1-based) is retried after a backoff
// of base * 2^(attempt-1), capped at max, full jitter (common/backoff.h),
// while the error is retryable and attempt < max_attempts; otherwise it is
// dead-lettered with a reason naming the task, the error and whether a retry
// could help.  The jitter is drawn only for a retry, from a generator seeded
// once, so a given seed gives the same delays every run.
//
// Not thread-safe: the owner (the Scheduler) serializes calls.
#ifndef GRIDLESS_COORDINATOR_RETRY_POLICY_H_
#define GRIDLESS_COORDINATOR_RETRY_POLICY_H_

#include <cstdint>
#include <string>
#include <variant>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/backoff.h"
#include "gridless/v1/job.pb.h"

namespace gridless {

// The retry defaults; every options struct (SchedulerOptions,
// CoordinatorOptions, the coordinator's --max-attempts flag) refers to these.
inline constexpr uint32_t kDefaultMaxAttempts = 3;
inline constexpr absl::Duration kDefaultBackoffBase = absl::Milliseconds(50);
inline constexpr absl::Duration kDefaultBackoffMax = absl::Seconds(5);
// Hard limit on JobSpec.max_attempts.
inline constexpr uint32_t kMaxAttemptsLimit = 1000;

// True when trying the same work again may succeed (the list in the file
// comment).  Permanent otherwise.
bool IsRetryable(absl::StatusCode code);

class RetryPolicy {
 public:
  // Try again after `delay`.
  struct RetryAfter {
    absl::Duration delay;
  };
  // Give up; `reason` is the dead letter's error.
  struct DeadLetter {
    std::string reason;
  };
  using Decision = std::variant<RetryAfter, DeadLetter>;

  // A negative base counts as zero, a max below base as base.  `seed`
  // seeds the jitter.
  RetryPolicy(absl::Duration backoff_base, absl::Duration backoff_max,
              uint64_t seed);

  // The job's attempts per task: spec.max_attempts, or `default_max_attempts`
  // (at least 1) when 0.
  static uint32_t MaxAttemptsFor(const v1::JobSpec& spec,
                                 uint32_t default_max_attempts);

  // Attempt `attempt` of `task` (a name such as "task 3 (stage 0)") failed
  // with `error`; the job allows `max_attempts`.
  Decision Decide(absl::string_view task, uint32_t attempt,
                  uint32_t max_attempts, const absl::Status& error);

 private:
  Backoff backoff_;
};

}  // namespace gridless

#endif  // GRIDLESS_COORDINATOR_RETRY_POLICY_H_
