// Exponential backoff with jitter for reconnecting to the coordinator.
//
// Next() returns a delay drawn uniformly from [d/2, d], where d starts at
// `initial` and doubles on every call up to `max` ("equal jitter": never zero,
// never above the cap, and workers restarted together spread out).  Reset()
// starts again from `initial`, e.g. after a connection succeeded.
//
// Deterministic for a given seed.  Not thread-safe; one per connection loop.
#ifndef GRIDLESS_WORKER_BACKOFF_H_
#define GRIDLESS_WORKER_BACKOFF_H_

#include <cstdint>
#include <random>

#include "absl/time/time.h"

namespace gridless {

class Backoff {
 public:
  // REQUIRES: absl::ZeroDuration() < initial <= max.
  Backoff(absl::Duration initial, absl::Duration max, uint64_t seed);

  absl::Duration Next();
  void Reset() { current_ = initial_; }

 private:
  absl::Duration initial_;
  absl::Duration max_;
  absl::Duration current_;
  std::mt19937_64 rng_;
};

}  // namespace gridless

#endif  // GRIDLESS_WORKER_BACKOFF_H_
