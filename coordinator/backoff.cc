// Exponential backoff with full jitter (see backoff.h).
#include "coordinator/backoff.h"

#include <algorithm>

namespace gridless {

Backoff::Backoff(absl::Duration base, absl::Duration max, uint64_t seed)
    : base_(std::max(base, absl::ZeroDuration())),
      max_(std::max(max, base_)),
      rng_(seed) {}

absl::Duration Backoff::Ceiling(uint32_t attempt) const {
  if (attempt < 1) attempt = 1;
  absl::Duration d = base_;
  // Double until the cap; stops early so that large attempts cannot overflow.
  for (uint32_t i = 1; i < attempt && d < max_; ++i) d *= 2;
  return std::min(d, max_);
}

absl::Duration Backoff::Delay(uint32_t attempt) {
  const int64_t ceiling = absl::ToInt64Nanoseconds(Ceiling(attempt));
  if (ceiling <= 0) return absl::ZeroDuration();
  std::uniform_int_distribution<int64_t> dist(0, ceiling);
  return absl::Nanoseconds(dist(rng_));
}

}  // namespace gridless
