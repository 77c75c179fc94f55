// Tests of Backoff: growth, cap, jitter bounds and reproducibility.
#include "coordinator/backoff.h"

#include <set>

#include "gtest/gtest.h"

namespace gridless {
namespace {

TEST(BackoffTest, CeilingDoublesPerAttemptUntilTheCap) {
  Backoff b(absl::Milliseconds(50), absl::Seconds(1), 1);
  EXPECT_EQ(b.Ceiling(0), absl::Milliseconds(50));
  EXPECT_EQ(b.Ceiling(1), absl::Milliseconds(50));
  EXPECT_EQ(b.Ceiling(2), absl::Milliseconds(100));
  EXPECT_EQ(b.Ceiling(3), absl::Milliseconds(200));
  EXPECT_EQ(b.Ceiling(5), absl::Milliseconds(800));
  EXPECT_EQ(b.Ceiling(6), absl::Seconds(1));
  EXPECT_EQ(b.Ceiling(1000000), absl::Seconds(1));
}

TEST(BackoffTest, DelayIsWithinZeroAndTheCeilingAndJittered) {
  Backoff b(absl::Milliseconds(10), absl::Seconds(5), 42);
  for (uint32_t attempt = 1; attempt <= 12; ++attempt) {
    std::set<int64_t> seen;
    for (int i = 0; i < 50; ++i) {
      absl::Duration d = b.Delay(attempt);
      EXPECT_GE(d, absl::ZeroDuration());
      EXPECT_LE(d, b.Ceiling(attempt));
      seen.insert(absl::ToInt64Nanoseconds(d));
    }
    EXPECT_GT(seen.size(), 40u) << "attempt " << attempt << " not jittered";
  }
}

TEST(BackoffTest, SameSeedSameDelays) {
  Backoff a(absl::Milliseconds(10), absl::Seconds(5), 7);
  Backoff b(absl::Milliseconds(10), absl::Seconds(5), 7);
  Backoff c(absl::Milliseconds(10), absl::Seconds(5), 8);
  bool differs = false;
  for (uint32_t i = 1; i < 20; ++i) {
    absl::Duration da = a.Delay(i);
    EXPECT_EQ(da, b.Delay(i));
    differs |= da != c.Delay(i);
  }
  EXPECT_TRUE(differs);
}

TEST(BackoffTest, ZeroBaseMeansNoDelay) {
  Backoff b(absl::ZeroDuration(), absl::ZeroDuration(), 1);
  EXPECT_EQ(b.Delay(3), absl::ZeroDuration());
}

}  // namespace
}  // namespace gridless
