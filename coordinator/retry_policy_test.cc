// Tests of the retry policy alone: which codes retry, the typed decision,
// the growing capped backoff, and its determinism for a seed.  Pure: no
// clock, no scheduler.
#include "coordinator/retry_policy.h"

#include <variant>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gridless {
namespace {

using ::testing::HasSubstr;

TEST(RetryPolicyTest, TheOneListOfRetryableCodes) {
  for (absl::StatusCode c :
       {absl::StatusCode::kUnavailable, absl::StatusCode::kDeadlineExceeded,
        absl::StatusCode::kResourceExhausted, absl::StatusCode::kAborted,
        absl::StatusCode::kInternal, absl::StatusCode::kUnknown}) {
    EXPECT_TRUE(IsRetryable(c)) << absl::StatusCodeToString(c);
  }
  for (absl::StatusCode c :
       {absl::StatusCode::kInvalidArgument,
        absl::StatusCode::kFailedPrecondition, absl::StatusCode::kNotFound,
        absl::StatusCode::kDataLoss, absl::StatusCode::kOutOfRange,
        absl::StatusCode::kPermissionDenied, absl::StatusCode::kUnimplemented,
        absl::StatusCode::kAlreadyExists, absl::StatusCode::kUnauthenticated,
        absl::StatusCode::kCancelled, absl::StatusCode::kOk}) {
    EXPECT_FALSE(IsRetryable(c)) << absl::StatusCodeToString(c);
  }
}

TEST(RetryPolicyTest, TransientErrorRetriesAfterAGrowingCappedBackoff) {
  RetryPolicy p(absl::Milliseconds(100), absl::Milliseconds(400), 1);
  const absl::Status e = absl::UnavailableError("gone");
  for (uint32_t attempt = 1; attempt < 10; ++attempt) {
    auto d = p.Decide("task 3 (stage 0)", attempt, 10, e);
    auto* retry = std::get_if<RetryPolicy::RetryAfter>(&d);
    ASSERT_NE(retry, nullptr) << attempt;
    const absl::Duration ceiling =
        std::min(absl::Milliseconds(100) * (1 << std::min(attempt - 1, 8u)),
                 absl::Milliseconds(400));
    EXPECT_GE(retry->delay, absl::ZeroDuration());
    EXPECT_LE(retry->delay, ceiling) << attempt;
  }
}

TEST(RetryPolicyTest, LastAttemptDeadLettersSayingARetryMayHelp) {
  RetryPolicy p(absl::Milliseconds(100), absl::Seconds(1), 1);
  auto d = p.Decide("task 3 (stage 0)", 3, 3, absl::UnavailableError("gone"));
  auto* dead = std::get_if<RetryPolicy::DeadLetter>(&d);
  ASSERT_NE(dead, nullptr);
  EXPECT_THAT(dead->reason, HasSubstr("task 3 (stage 0) failed after 3 "
                                      "attempts: UNAVAILABLE: gone"));
  EXPECT_THAT(dead->reason, HasSubstr("raise max_attempts"));
  d = p.Decide("task 0 (stage 1)", 1, 1, absl::AbortedError("x"));
  ASSERT_TRUE(std::holds_alternative<RetryPolicy::DeadLetter>(d));
  EXPECT_THAT(std::get<RetryPolicy::DeadLetter>(d).reason,
              HasSubstr("after 1 attempt: "));
}

TEST(RetryPolicyTest, PermanentErrorDeadLettersOnTheFirstAttempt) {
  RetryPolicy p(absl::Milliseconds(100), absl::Seconds(1), 1);
  auto d = p.Decide("task 3 (stage 0)", 1, 100,
                    absl::InvalidArgumentError("bad strike"));
  auto* dead = std::get_if<RetryPolicy::DeadLetter>(&d);
  ASSERT_NE(dead, nullptr);
  EXPECT_THAT(dead->reason, HasSubstr("permanent error on attempt 1"));
  EXPECT_THAT(dead->reason, HasSubstr("retrying cannot help"));
}

TEST(RetryPolicyTest, SameSeedSameDelaysAndOnlyRetriesDrawJitter) {
  RetryPolicy a(absl::Milliseconds(100), absl::Seconds(5), 7);
  RetryPolicy b(absl::Milliseconds(100), absl::Seconds(5), 7);
  const absl::Status e = absl::InternalError("x");
  // A dead letter in between draws nothing: b's next delay equals a's.
  (void)b.Decide("t", 1, 100, absl::NotFoundError("y"));
  (void)b.Decide("t", 5, 5, e);
  for (uint32_t attempt = 1; attempt < 6; ++attempt) {
    auto da = a.Decide("t", attempt, 100, e);
    auto db = b.Decide("t", attempt, 100, e);
    EXPECT_EQ(std::get<RetryPolicy::RetryAfter>(da).delay,
              std::get<RetryPolicy::RetryAfter>(db).delay);
  }
}

TEST(RetryPolicyTest, DefaultsLiveHere) {
  v1::JobSpec spec;
  EXPECT_EQ(RetryPolicy::MaxAttemptsFor(spec, kDefaultMaxAttempts), 3u);
  EXPECT_EQ(RetryPolicy::MaxAttemptsFor(spec, 0), 1u);
  spec.set_max_attempts(7);
  EXPECT_EQ(RetryPolicy::MaxAttemptsFor(spec, kDefaultMaxAttempts), 7u);
  EXPECT_EQ(kDefaultBackoffBase, absl::Milliseconds(50));
  EXPECT_EQ(kDefaultBackoffMax, absl::Seconds(5));
}

}  // namespace
}  // namespace gridless
