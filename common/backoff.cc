// Exponential backoff with full or equal jitter (see backoff.h).
#include "common/backoff.h"

#include <algorithm>
#include <limits>

namespace gridless {

Backoff::Backoff(absl::Duration base, absl::Duration max, uint64_t seed,
                 Jitter jitter)
    : base_(std::max(base, absl::ZeroDuration())),
      max_(std::max(max, base_)),
      jitter_(jitter),
      rng_(seed) {}

absl::Duration Backoff::Ceiling(uint32_t attempt) const {
  if (attempt < 1) attempt = 1;
  absl::Duration d = base_;
  // Double until the cap; stops early so that large attempts cannot overflow
  // (or spin, when the base is zero).
  for (uint32_t i = 1; i < attempt && d < max_ && d > absl::ZeroDuration();
       ++i) {
    d *= 2;
  }
  return std::min(d, max_);
}

absl::Duration Backoff::Delay(uint32_t attempt) {
  const absl::Duration ceiling = Ceiling(attempt);
  if (jitter_ == Jitter::kEqual) {
    std::uniform_real_distribution<double> half_to_one(0.5, 1.0);
    return ceiling * half_to_one(rng_);
  }
  const int64_t nanos = absl::ToInt64Nanoseconds(ceiling);
  if (nanos <= 0) return absl::ZeroDuration();
  std::uniform_int_distribution<int64_t> dist(0, nanos);
  return absl::Nanoseconds(dist(rng_));
}

absl::Duration Backoff::Next() {
  // Past the cap the attempt number no longer matters; saturate, not wrap.
  if (attempts_ < std::numeric_limits<uint32_t>::max()) ++attempts_;
  return Delay(attempts_);
}

}  // namespace gridless
