// Retry backoff: exponential growth with full jitter.
//
// The ceiling of attempt a (1-based, the attempt that just failed) is
// base * 2^(a-1), capped at `max`; the delay is drawn uniformly from
// [0, ceiling] ("full jitter", so that tasks lost together do not come back
// together).  The random source is seeded by the owner, so a test gets the
// same delays every run.
//
// Not thread-safe: the owner (the Scheduler) serializes calls.
#ifndef GRIDLESS_COORDINATOR_BACKOFF_H_
#define GRIDLESS_COORDINATOR_BACKOFF_H_

#include <cstdint>
#include <random>

#include "absl/time/time.h"

namespace gridless {

class Backoff {
 public:
  // REQUIRES: base >= 0, max >= base.
  Backoff(absl::Duration base, absl::Duration max, uint64_t seed);

  // The upper bound of the delay after attempt `attempt` failed (>= 1; 0 is
  // treated as 1).  Deterministic.
  absl::Duration Ceiling(uint32_t attempt) const;

  // A delay drawn uniformly from [0, Ceiling(attempt)].
  absl::Duration Delay(uint32_t attempt);

 private:
  absl::Duration base_;
  absl::Duration max_;
  std::mt19937_64 rng_;
};

}  // namespace gridless

#endif  // GRIDLESS_COORDINATOR_BACKOFF_H_
