// Tests of ReadyQueue: FIFO order, round-robin fairness, delayed release and
// removing a job.
#include "coordinator/ready_queue.h"

#include <vector>

#include "common/clock.h"
#include "gtest/gtest.h"

namespace gridless {
namespace {

std::vector<TaskKey> Take(ReadyQueue& q, size_t max) {
  std::vector<TaskKey> out;
  const size_t taken = q.TakeBatch(max, &out);
  EXPECT_EQ(taken, out.size());
  return out;
}

TEST(ReadyQueueTest, OneJobIsFifoAndTakenInChunks) {
  ReadyQueue q;
  q.PushRange(1, 0, 0, 5);
  q.Push(TaskKey{1, 0, 9});
  EXPECT_EQ(q.ready(), 6u);
  auto batch = Take(q, 4);
  ASSERT_EQ(batch.size(), 4u);
  for (uint64_t i = 0; i < 4; ++i) EXPECT_EQ(batch[i], (TaskKey{1, 0, i}));
  batch = Take(q, 100);
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(batch[0], (TaskKey{1, 0, 4}));
  EXPECT_EQ(batch[1], (TaskKey{1, 0, 9}));
  EXPECT_EQ(q.ready(), 0u);
  EXPECT_TRUE(Take(q, 10).empty());
}

TEST(ReadyQueueTest, TwoJobsAlternateAcrossBatches) {
  ReadyQueue q;
  q.PushRange(1, 0, 0, 100);
  q.PushRange(2, 0, 0, 3);
  auto batch = Take(q, 5);
  ASSERT_EQ(batch.size(), 5u);
  EXPECT_EQ(batch[0], (TaskKey{1, 0, 0}));
  EXPECT_EQ(batch[1], (TaskKey{2, 0, 0}));
  EXPECT_EQ(batch[2], (TaskKey{1, 0, 1}));
  EXPECT_EQ(batch[3], (TaskKey{2, 0, 1}));
  EXPECT_EQ(batch[4], (TaskKey{1, 0, 2}));
  // The turn carries over: job 2 is next.
  batch = Take(q, 2);
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(batch[0], (TaskKey{2, 0, 2}));
  EXPECT_EQ(batch[1], (TaskKey{1, 0, 3}));
  // Job 2 is empty: job 1 alone gets the rest.
  batch = Take(q, 1000);
  EXPECT_EQ(batch.size(), 96u);
  EXPECT_EQ(q.ready(1), 0u);
}

// A worker that refused job 1 is served the other jobs; job 1 keeps its
// tasks and its turn for the next worker.
TEST(ReadyQueueTest, SkippedJobsKeepTheirTasksAndTheirTurn) {
  ReadyQueue q;
  q.PushRange(1, 0, 0, 3);
  q.PushRange(2, 0, 0, 2);
  q.PushRange(3, 0, 0, 2);
  const absl::flat_hash_set<JobHandle> skip = {1};
  std::vector<TaskKey> out;
  EXPECT_EQ(q.TakeBatch(3, &out, skip), 3u);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0], (TaskKey{2, 0, 0}));
  EXPECT_EQ(out[1], (TaskKey{3, 0, 0}));
  EXPECT_EQ(out[2], (TaskKey{2, 0, 1}));
  out.clear();
  // Only skipped jobs and job 3 left: job 3 alone (but for job 1) gets all.
  EXPECT_EQ(q.TakeBatch(10, &out, skip), 1u);
  EXPECT_EQ(out[0], (TaskKey{3, 0, 1}));
  out.clear();
  EXPECT_EQ(q.TakeBatch(10, &out, skip), 0u) << "nothing but job 1";
  EXPECT_EQ(q.ready(), 3u);
  auto batch = Take(q, 10);  // another worker
  ASSERT_EQ(batch.size(), 3u);
  EXPECT_EQ(batch[0], (TaskKey{1, 0, 0}));
}

TEST(ReadyQueueTest, FairShareBetweenTwoLargeJobs) {
  ReadyQueue q;
  q.PushRange(7, 0, 0, 10000);
  q.PushRange(8, 0, 0, 10000);
  size_t counts[2] = {0, 0};
  for (int round = 0; round < 10; ++round) {
    for (const TaskKey& k : Take(q, 333)) ++counts[k.job - 7];
  }
  EXPECT_EQ(counts[0], 1665u);
  EXPECT_EQ(counts[1], 1665u);
}

TEST(ReadyQueueTest, DelayedTasksWaitForTheirTime) {
  FakeClock clock;
  ReadyQueue q;
  q.PushDelayed(TaskKey{1, 0, 3}, clock.Now() + absl::Milliseconds(200));
  q.PushDelayed(TaskKey{1, 0, 2}, clock.Now() + absl::Milliseconds(100));
  EXPECT_EQ(q.ready(), 0u);
  EXPECT_EQ(q.delayed(), 2u);
  EXPECT_EQ(q.next_release(), clock.Now() + absl::Milliseconds(100));
  EXPECT_EQ(q.ReleaseDue(clock.Now()), 0u);
  EXPECT_TRUE(Take(q, 10).empty());
  clock.Advance(absl::Milliseconds(100));
  EXPECT_EQ(q.ReleaseDue(clock.Now()), 1u);
  auto batch = Take(q, 10);
  ASSERT_EQ(batch.size(), 1u);
  EXPECT_EQ(batch[0], (TaskKey{1, 0, 2}));
  clock.Advance(absl::Seconds(1));
  EXPECT_EQ(q.ReleaseDue(clock.Now()), 1u);
  EXPECT_EQ(q.delayed(), 0u);
  EXPECT_EQ(q.next_release(), absl::InfiniteFuture());
  batch = Take(q, 10);
  ASSERT_EQ(batch.size(), 1u);
  EXPECT_EQ(batch[0], (TaskKey{1, 0, 3}));
}

TEST(ReadyQueueTest, RemoveJobDropsReadyAndDelayedTasksOfThatJobOnly) {
  FakeClock clock;
  ReadyQueue q;
  q.PushRange(1, 0, 0, 10);
  q.PushRange(2, 0, 0, 4);
  q.PushDelayed(TaskKey{1, 0, 11}, clock.Now() + absl::Seconds(1));
  q.PushDelayed(TaskKey{2, 0, 12}, clock.Now() + absl::Seconds(1));
  EXPECT_EQ(q.RemoveJob(1), 11u);
  EXPECT_EQ(q.ready(), 4u);
  EXPECT_EQ(q.delayed(), 1u);
  clock.Advance(absl::Seconds(2));
  q.ReleaseDue(clock.Now());
  auto batch = Take(q, 100);
  ASSERT_EQ(batch.size(), 5u);
  for (const TaskKey& k : batch) EXPECT_EQ(k.job, 2u);
  EXPECT_EQ(q.RemoveJob(99), 0u);
}

TEST(ReadyQueueTest, StagesKeepTheirOrder) {
  ReadyQueue q;
  q.PushRange(1, 0, 5, 6);
  q.PushRange(1, 1, 0, 2);
  auto batch = Take(q, 10);
  ASSERT_EQ(batch.size(), 3u);
  EXPECT_EQ(batch[0], (TaskKey{1, 0, 5}));
  EXPECT_EQ(batch[1], (TaskKey{1, 1, 0}));
  EXPECT_EQ(batch[2], (TaskKey{1, 1, 1}));
}

}  // namespace
}  // namespace gridless
