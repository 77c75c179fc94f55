// Tests of LeaseTable: grant/complete, late results, renewal, expiry,
// release of a worker, hard deadlines and removing a job.
#include "coordinator/lease_table.h"

#include "common/clock.h"
#include "gtest/gtest.h"

namespace gridless {
namespace {

constexpr absl::Duration kTimeout = absl::Seconds(10);

TEST(LeaseTableTest, CompleteNeedsTheSameWorkerAndAttempt) {
  FakeClock clock;
  LeaseTable t(kTimeout);
  const TaskKey k{1, 0, 5};
  t.Grant(k, /*worker=*/7, /*attempt=*/2, clock.Now());
  ASSERT_NE(t.Find(k), nullptr);
  EXPECT_EQ(t.Find(k)->worker, 7u);
  EXPECT_EQ(t.leases_of(7), 1u);
  EXPECT_FALSE(t.Complete(k, 8, 2).has_value());  // another worker
  EXPECT_FALSE(t.Complete(k, 7, 1).has_value());  // an older attempt
  auto lease = t.Complete(k, 7, 2);
  ASSERT_TRUE(lease.has_value());
  EXPECT_EQ(lease->task, k);
  EXPECT_EQ(lease->attempt, 2u);
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.leases_of(7), 0u);
  EXPECT_FALSE(t.Complete(k, 7, 2).has_value());  // a duplicate
}

TEST(LeaseTableTest, SilentWorkerLosesAllItsLeasesAtTheDeadline) {
  FakeClock clock;
  LeaseTable t(kTimeout);
  t.Grant({1, 0, 0}, 1, 1, clock.Now());
  t.Grant({1, 0, 1}, 1, 1, clock.Now());
  t.Grant({1, 0, 2}, 2, 1, clock.Now());
  clock.Advance(absl::Seconds(6));
  t.Renew(2, clock.Now());  // worker 2 heartbeats, worker 1 does not
  clock.Advance(absl::Seconds(4) - absl::Nanoseconds(1));
  EXPECT_TRUE(t.Expire(clock.Now()).empty());
  clock.Advance(absl::Nanoseconds(1));
  auto expired = t.Expire(clock.Now());
  ASSERT_EQ(expired.size(), 2u);
  EXPECT_EQ(expired[0].lease.task, (TaskKey{1, 0, 0}));
  EXPECT_EQ(expired[1].lease.task, (TaskKey{1, 0, 1}));
  EXPECT_EQ(expired[0].reason, LeaseTable::ExpiryReason::kWorkerSilent);
  EXPECT_EQ(t.size(), 1u);
  EXPECT_EQ(t.leases_of(1), 0u);
  // A late result of an expired lease is refused.
  EXPECT_FALSE(t.Complete({1, 0, 0}, 1, 1).has_value());
  clock.Advance(absl::Seconds(6));
  expired = t.Expire(clock.Now());
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].lease.worker, 2u);
}

TEST(LeaseTableTest, AGrantKeepsNewLeasesAliveForAFullTimeout) {
  FakeClock clock;
  LeaseTable t(kTimeout);
  t.Grant({1, 0, 0}, 1, 1, clock.Now());
  clock.Advance(absl::Seconds(9));
  t.Grant({1, 0, 1}, 1, 1, clock.Now());
  clock.Advance(absl::Seconds(2));
  EXPECT_TRUE(t.Expire(clock.Now()).empty());
  clock.Advance(absl::Seconds(8));
  EXPECT_EQ(t.Expire(clock.Now()).size(), 2u);
}

TEST(LeaseTableTest, ReleaseReturnsEveryLeaseOfTheWorkerAtOnce) {
  FakeClock clock;
  LeaseTable t(kTimeout);
  for (uint64_t i = 0; i < 100; ++i) t.Grant({3, 1, i}, i % 2, 1, clock.Now());
  auto released = t.Release(1);
  ASSERT_EQ(released.size(), 50u);
  for (size_t i = 0; i < released.size(); ++i) {
    EXPECT_EQ(released[i].task, (TaskKey{3, 1, 2 * i + 1}));  // sorted
    EXPECT_EQ(released[i].worker, 1u);
  }
  EXPECT_EQ(t.size(), 50u);
  EXPECT_TRUE(t.Release(1).empty());
  EXPECT_EQ(t.leases_of(0), 50u);
}

TEST(LeaseTableTest, HardDeadlineIsNotExtendedByHeartbeats) {
  FakeClock clock;
  LeaseTable t(kTimeout);
  t.Grant({1, 0, 0}, 1, 1, clock.Now(), clock.Now() + absl::Seconds(3));
  t.Grant({1, 0, 1}, 1, 1, clock.Now());
  clock.Advance(absl::Seconds(2));
  t.Renew(1, clock.Now());
  EXPECT_TRUE(t.Expire(clock.Now()).empty());
  clock.Advance(absl::Seconds(1));
  t.Renew(1, clock.Now());
  auto expired = t.Expire(clock.Now());
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].lease.task, (TaskKey{1, 0, 0}));
  EXPECT_EQ(expired[0].reason, LeaseTable::ExpiryReason::kTaskTimeout);
  EXPECT_EQ(t.leases_of(1), 1u);
}

TEST(LeaseTableTest, RemoveJobTakesOnlyThatJobsLeases) {
  FakeClock clock;
  LeaseTable t(kTimeout);
  t.Grant({1, 0, 0}, 1, 1, clock.Now(), clock.Now() + absl::Seconds(1));
  t.Grant({2, 0, 0}, 1, 1, clock.Now());
  t.Grant({1, 0, 1}, 2, 1, clock.Now());
  auto removed = t.RemoveJob(1);
  ASSERT_EQ(removed.size(), 2u);
  EXPECT_EQ(t.size(), 1u);
  EXPECT_EQ(t.leases_of(1), 1u);
  EXPECT_EQ(t.leases_of(2), 0u);
  clock.Advance(absl::Seconds(2));
  EXPECT_TRUE(t.Expire(clock.Now()).empty());  // hard deadline went with it
}

TEST(LeaseTableTest, ManyGrantsAndCompletionsKeepTheWorkerIndexExact) {
  FakeClock clock;
  LeaseTable t(kTimeout);
  // Thousands of leases come and go on one worker; a few stay.
  for (uint64_t i = 0; i < 5000; ++i) {
    t.Grant({1, 0, i}, 1, 1, clock.Now());
    if (i % 1000 != 0) {
      ASSERT_TRUE(t.Complete({1, 0, i}, 1, 1).has_value());
    }
  }
  // The same task leased again to the same worker after a retry.
  t.Grant({1, 0, 1}, 1, 2, clock.Now());
  ASSERT_TRUE(t.Complete({1, 0, 1}, 1, 2).has_value());
  t.Grant({1, 0, 1}, 1, 3, clock.Now());
  EXPECT_EQ(t.leases_of(1), 6u);
  EXPECT_EQ(t.size(), 6u);
  auto released = t.Release(1);
  ASSERT_EQ(released.size(), 6u);
  EXPECT_EQ(released[0].task, (TaskKey{1, 0, 0}));
  EXPECT_EQ(released[1].task, (TaskKey{1, 0, 1}));
  EXPECT_EQ(released[1].attempt, 3u);
  EXPECT_EQ(released[5].task, (TaskKey{1, 0, 4000}));
  EXPECT_EQ(t.size(), 0u);
}

}  // namespace
}  // namespace gridless
