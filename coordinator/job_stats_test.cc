#include "coordinator/job_stats.h"

#include <cmath>

#include "gtest/gtest.h"

namespace gridless {
namespace {

v1::ResultBatch Results(const std::string& job, int n, double seconds,
                        uint32_t stage = 0, bool ok = true) {
  v1::ResultBatch batch;
  for (int i = 0; i < n; ++i) {
    v1::TaskResult* r = batch.add_results();
    r->set_job_id(job);
    r->set_task_index(i);
    r->set_stage(stage);
    r->set_run_seconds(seconds);
    if (ok) {
      r->set_partial("x");
    } else {
      r->mutable_error()->set_message("boom");
    }
  }
  return batch;
}

TEST(JobStatsTest, BucketsArePowersOfTwo) {
  EXPECT_EQ(JobStats::BucketFor(0), 0);
  EXPECT_EQ(JobStats::BucketFor(-1), 0);
  EXPECT_EQ(JobStats::BucketFor(std::nan("")), 0);
  for (int i = 1; i < JobStats::kDurationBuckets; ++i) {
    EXPECT_EQ(JobStats::BucketFor(JobStats::BucketLow(i)), i) << i;
    if (i + 1 < JobStats::kDurationBuckets) {
      EXPECT_EQ(JobStats::BucketFor(JobStats::BucketLow(i + 1) * 0.999), i);
    }
  }
  EXPECT_EQ(JobStats::BucketFor(1e300), JobStats::kDurationBuckets - 1);
  EXPECT_EQ(JobStats::BucketFor(INFINITY), JobStats::kDurationBuckets - 1);
}

TEST(JobStatsTest, CountsResultsOfKnownJobsOnly) {
  JobStats stats;
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  v1::JobSpec spec;
  spec.set_kind("noop");
  stats.OnSubmit("job-1", spec, 10, t0);
  stats.OnWorkerHello(7, "w", "peer", 4, t0);
  stats.OnResults(7, Results("job-1", 6, 0.5), t0 + absl::Seconds(0.1));
  stats.OnResults(7, Results("job-1", 2, 0.5, 0, false), t0);
  stats.OnResults(7, Results("job-1", 3, 0.5, /*stage=*/1), t0);
  stats.OnResults(7, Results("job-404", 5, 0.5), t0);  // hostile: ignored
  auto job = stats.FindJob("job-1");
  ASSERT_TRUE(job.has_value());
  EXPECT_EQ(job->spec.kind(), "noop");
  EXPECT_EQ(job->first_stage_tasks, 10u);
  EXPECT_EQ(job->durations[JobStats::BucketFor(0.5)], 9u);
  EXPECT_EQ(job->succeeded_by_stage[0], 6u);
  EXPECT_EQ(job->succeeded_by_stage[1], 3u);
  EXPECT_EQ(job->errors, 2u);
  EXPECT_FALSE(stats.FindJob("job-404").has_value());
  auto workers = stats.Workers();
  ASSERT_EQ(workers.size(), 1u);
  EXPECT_EQ(workers[0].succeeded, 14u);  // its own results, any job
  EXPECT_EQ(workers[0].failed, 2u);
  stats.OnWorkerGone(7);
  EXPECT_TRUE(stats.Workers().empty());
}

TEST(JobStatsTest, TimeBucketsStayBoundedAndKeepTheTotal) {
  JobStats stats;
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  stats.OnSubmit("job-1", {}, 1, t0);
  uint64_t sent = 0;
  for (int s = 0; s < 100000; s += 97) {
    stats.OnResults(1, Results("job-1", 3, 0.01), t0 + absl::Seconds(s));
    sent += 3;
  }
  auto job = stats.FindJob("job-1");
  ASSERT_TRUE(job.has_value());
  EXPECT_LE(job->succeeded_over_time.size(),
            static_cast<size_t>(JobStats::kTimeBuckets));
  EXPECT_GE(job->bucket_seconds * JobStats::kTimeBuckets, 100000 - 97);
  uint64_t total = 0;
  for (uint64_t n : job->succeeded_over_time) total += n;
  EXPECT_EQ(total, sent);
}

TEST(JobStatsTest, ForgetsTheOldestJobsBeyondTheLimit) {
  JobStats stats;
  for (size_t i = 1; i <= JobStats::kMaxJobs + 5; ++i) {
    stats.OnSubmit("job-" + std::to_string(i), {}, 1, absl::Now());
  }
  EXPECT_FALSE(stats.FindJob("job-5").has_value());
  EXPECT_TRUE(stats.FindJob("job-6").has_value());
  EXPECT_TRUE(stats.FindJob("job-" + std::to_string(JobStats::kMaxJobs + 5))
                  .has_value());
}

}  // namespace
}  // namespace gridless
