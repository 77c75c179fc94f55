// Injected time, so that lease expiry, backoff and timeouts are tested with a
// fake clock instead of sleeps.
//
// Clock::Now() is monotonic.  RealClock is thread-safe; FakeClock is
// thread-safe too (tests advance it from the test thread while a scheduler
// reads it).
#ifndef GRIDLESS_COMMON_CLOCK_H_
#define GRIDLESS_COMMON_CLOCK_H_

#include <atomic>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace gridless {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};

// Wall time from absl::Now() (steady enough for leases of seconds).
class RealClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
  static RealClock* Get() {
    static RealClock clock;
    return &clock;
  }
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(absl::Time start = absl::UnixEpoch() + absl::Hours(1))
      : nanos_(absl::ToUnixNanos(start)) {}
  absl::Time Now() const override {
    return absl::FromUnixNanos(nanos_.load(std::memory_order_acquire));
  }
  void Advance(absl::Duration d) {
    nanos_.fetch_add(absl::ToInt64Nanoseconds(d), std::memory_order_acq_rel);
  }

 private:
  std::atomic<int64_t> nanos_;
};

}  // namespace gridless

#endif  // GRIDLESS_COMMON_CLOCK_H_
