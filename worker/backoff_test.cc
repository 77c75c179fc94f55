#include "worker/backoff.h"

#include "gtest/gtest.h"

namespace gridless {
namespace {

TEST(BackoffTest, DoublesWithJitterUpToTheCap) {
  Backoff backoff(absl::Milliseconds(100), absl::Seconds(5), /*seed=*/42);
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

TEST(BackoffTest, ResetStartsOver) {
  Backoff backoff(absl::Milliseconds(100), absl::Seconds(5), /*seed=*/7);
  for (int i = 0; i < 10; ++i) backoff.Next();
  backoff.Reset();
  EXPECT_LE(backoff.Next(), absl::Milliseconds(100));
}

TEST(BackoffTest, JitterSpreadsWorkersApart) {
  Backoff a(absl::Seconds(1), absl::Seconds(5), /*seed=*/1);
  Backoff b(absl::Seconds(1), absl::Seconds(5), /*seed=*/2);
  EXPECT_NE(a.Next(), b.Next());
}

}  // namespace
}  // namespace gridless
