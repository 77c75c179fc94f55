// Retry backoff: exponential growth with jitter, for the scheduler's task
// retries and the worker's reconnect loop.
//
// The ceiling of attempt a (1-based, the attempt that just failed) is
// base * 2^(a-1), capped at `max`.  The delay is drawn from below the ceiling
// c, with one of two jitters:
//   - kFull: uniformly from [0, c], so that tasks lost together do not come
//     back together (the scheduler's retries; the default).
//   - kEqual: uniformly from [c/2, c]: never zero, never above the cap, and
//     workers restarted together spread out (the worker's reconnects).
// Delay(attempt) draws for a given attempt; Next() counts the attempts itself
// (1, 2, ...) until Reset(), e.g. after a connection succeeded.
//
// Deterministic for a given seed (the owner seeds it, so a test gets the same
// delays every run).  Not thread-safe: the owner serializes calls.
#ifndef GRIDLESS_COMMON_BACKOFF_H_
#define GRIDLESS_COMMON_BACKOFF_H_

#include <cstdint>
#include <random>

#include "absl/time/time.h"

namespace gridless {

class Backoff {
 public:
  enum class Jitter { kFull, kEqual };

  // A negative base counts as zero, a max below base as base.
  Backoff(absl::Duration base, absl::Duration max, uint64_t seed,
          Jitter jitter = Jitter::kFull);

  // The upper bound of the delay after attempt `attempt` failed (>= 1; 0 is
  // treated as 1).  Deterministic.
  absl::Duration Ceiling(uint32_t attempt) const;

  // A delay drawn from below Ceiling(attempt), as the jitter says.
  absl::Duration Delay(uint32_t attempt);

  // Delay() for the attempt after the previous Next(); the first is attempt
  // 1, and so is the first after Reset().
  absl::Duration Next();
  void Reset() { attempts_ = 0; }

 private:
  absl::Duration base_;
  absl::Duration max_;
  Jitter jitter_;
  uint32_t attempts_ = 0;  // Next() calls since construction or Reset()
  std::mt19937_64 rng_;
};

}  // namespace gridless

#endif  // GRIDLESS_COMMON_BACKOFF_H_
