// Tests of Backoff: growth, cap, jitter bounds (full: the scheduler's
// retries; equal: the worker's reconnects), Reset and reproducibility.
#include "common/backoff.h"

#include <algorithm>
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

TEST(EqualJitterBackoffTest, DoublesWithJitterUpToTheCap) {
  Backoff backoff(absl::Milliseconds(100), absl::Seconds(5), /*seed=*/42,
                  Backoff::Jitter::kEqual);
  absl::Duration cap = absl::Milliseconds(100);
  for (int i = 0; i < 12; ++i) {
    const absl::Duration d = backoff.Next();
    EXPECT_GE(d, cap / 2) << "attempt " << i;
    EXPECT_LE(d, cap) << "attempt " << i;
    cap = std::min(cap * 2, absl::Seconds(5));
  }
  // After 12 attempts the cap is reached: never more than 5 s.
  EXPECT_GE(backoff.Next(), absl::Milliseconds(2500));
}

TEST(EqualJitterBackoffTest, ResetStartsOver) {
  Backoff backoff(absl::Milliseconds(100), absl::Seconds(5), /*seed=*/7,
                  Backoff::Jitter::kEqual);
  for (int i = 0; i < 10; ++i) backoff.Next();
  backoff.Reset();
  EXPECT_LE(backoff.Next(), absl::Milliseconds(100));
}

TEST(EqualJitterBackoffTest, JitterSpreadsWorkersApart) {
  Backoff a(absl::Seconds(1), absl::Seconds(5), /*seed=*/1,
            Backoff::Jitter::kEqual);
  Backoff b(absl::Seconds(1), absl::Seconds(5), /*seed=*/2,
            Backoff::Jitter::kEqual);
  EXPECT_NE(a.Next(), b.Next());
}

TEST(BackoffTest, NextCountsTheAttemptsUntilReset) {
  for (Backoff::Jitter jitter :
       {Backoff::Jitter::kFull, Backoff::Jitter::kEqual}) {
    Backoff counted(absl::Milliseconds(10), absl::Seconds(1), 3, jitter);
    Backoff by_attempt(absl::Milliseconds(10), absl::Seconds(1), 3, jitter);
    for (uint32_t attempt = 1; attempt <= 10; ++attempt) {
      EXPECT_EQ(counted.Next(), by_attempt.Delay(attempt)) << attempt;
    }
    counted.Reset();
    EXPECT_EQ(counted.Next(), by_attempt.Delay(1));
  }
}

}  // namespace
}  // namespace gridless
