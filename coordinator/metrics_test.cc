// Tests of the Prometheus text of the coordinator's metrics and of
// DesiredWorkers.
#include "coordinator/metrics.h"

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gridless {
namespace {

using ::testing::HasSubstr;

TEST(MetricsTest, RendersEveryNamedMetricWithTypeAndValue) {
  CoordinatorMetrics m;
  m.queue_depth = 120;
  m.delayed_tasks = 3;
  m.running_tasks = 8;
  m.workers = 2;
  m.worker_slots = 4;
  m.desired_workers = 33;
  m.jobs_running = 1;
  m.jobs_succeeded = 5;
  m.jobs_failed = 2;
  m.jobs_cancelled = 1;
  m.tasks_succeeded = 1000;
  m.tasks_retried = 7;
  m.tasks_failed = 1;
  v1::ListJobsResponse jobs;
  auto add_job = [&](const char* kind, v1::JobState state) {
    v1::Progress* p = jobs.add_jobs();
    p->set_job_id(absl::StrCat("j", jobs.jobs_size()));
    p->set_kind(kind);
    p->set_state(state);
  };
  add_job("pi", v1::JOB_STATE_RUNNING);
  for (int i = 0; i < 4; ++i) add_job("pi", v1::JOB_STATE_SUCCEEDED);
  add_job("loan-mc", v1::JOB_STATE_SUCCEEDED);
  add_job("pi", v1::JOB_STATE_FAILED);
  add_job("pi", v1::JOB_STATE_FAILED);
  add_job("pi", v1::JOB_STATE_CANCELLED);
  add_job("loan-mc", v1::JOB_STATE_PARTIAL);
  CoordinatorTelemetry telemetry;
  const std::string text = RenderMetrics(m, jobs, telemetry);
  EXPECT_THAT(text, HasSubstr("# TYPE gridless_queue_depth gauge\n"
                              "gridless_queue_depth 120\n"));
  EXPECT_THAT(text, HasSubstr("\ngridless_delayed_tasks 3\n"));
  EXPECT_THAT(text, HasSubstr("\ngridless_running_tasks 8\n"));
  EXPECT_THAT(text, HasSubstr("\ngridless_workers 2\n"));
  EXPECT_THAT(text, HasSubstr("\ngridless_worker_slots 4\n"));
  EXPECT_THAT(text, HasSubstr("\ngridless_desired_workers 33\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE gridless_jobs gauge\n"));
  EXPECT_THAT(text, HasSubstr("\ngridless_jobs{state=\"running\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("\ngridless_jobs{state=\"succeeded\"} 5\n"));
  EXPECT_THAT(text, HasSubstr("\ngridless_jobs{state=\"failed\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("\ngridless_jobs{state=\"cancelled\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("\ngridless_jobs{state=\"partial\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("\ngridless_jobs_by_kind{kind=\"loan-mc\","
                              "state=\"partial\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("\ngridless_jobs_by_kind{kind=\"pi\","
                              "state=\"succeeded\"} 4\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE gridless_tasks_total counter\n"));
  EXPECT_THAT(
      text, HasSubstr("\ngridless_tasks_total{outcome=\"succeeded\"} 1000\n"));
  EXPECT_THAT(text,
              HasSubstr("\ngridless_tasks_total{outcome=\"retried\"} 7\n"));
  EXPECT_THAT(text,
              HasSubstr("\ngridless_tasks_total{outcome=\"failed\"} 1\n"));
  // Every line is a comment or "name[{labels}] value".
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = text.find('\n', start);
    ASSERT_NE(end, std::string::npos) << "text must end with a newline";
    const std::string line = text.substr(start, end - start);
    if (line[0] != '#') {
      EXPECT_EQ(line.rfind("gridless_", 0), 0u) << line;
      const size_t space = line.rfind(' ');
      ASSERT_NE(space, std::string::npos) << line;
      EXPECT_EQ(line.find_first_not_of("0123456789.e+-Inf", space + 1),
                std::string::npos)
          << line;
    }
    start = end + 1;
  }
}

TEST(MetricsTest, HistogramsCountWhatTheHooksSaw) {
  CoordinatorTelemetry telemetry;
  telemetry.JobSubmitted("job1", "loan-mc");
  v1::TaskBatch batch;
  batch.add_jobs()->set_job_id("job1");
  for (int i = 0; i < 3; ++i) batch.add_tasks()->set_job_id("job1");
  telemetry.BatchDispatched(batch);
  telemetry.BatchDispatched(batch);  // the wait is observed once per job
  v1::ResultBatch results;
  results.add_results()->set_run_seconds(0.5);
  results.add_results()->set_run_seconds(-1);  // ignored
  v1::TaskResult* failed = results.add_results();
  failed->set_run_seconds(2);
  failed->mutable_error()->set_code(14);
  telemetry.ResultsReceived(results);
  telemetry.MergeTook(absl::Milliseconds(3));
  telemetry.JournalCommitTook(absl::Milliseconds(4));
  const std::string text =
      RenderMetrics(CoordinatorMetrics(), v1::ListJobsResponse(), telemetry);
  EXPECT_THAT(text, HasSubstr("# TYPE gridless_task_run_seconds histogram\n"));
  EXPECT_THAT(
      text, HasSubstr("\ngridless_jobs_submitted_total{kind=\"loan-mc\"} 1\n"));
  EXPECT_THAT(
      text,
      HasSubstr(
          "\ngridless_job_queue_wait_seconds_count{kind=\"loan-mc\"} 1\n"));
  EXPECT_THAT(
      text,
      HasSubstr(
          "\ngridless_task_run_seconds_count{outcome=\"succeeded\"} 1\n"));
  EXPECT_THAT(
      text,
      HasSubstr(
          "\ngridless_task_run_seconds_sum{outcome=\"succeeded\"} 0.5\n"));
  EXPECT_THAT(
      text,
      HasSubstr("\ngridless_task_run_seconds_count{outcome=\"failed\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("\ngridless_dispatch_batch_tasks_count 2\n"));
  EXPECT_THAT(text, HasSubstr("\ngridless_dispatch_batch_tasks_sum 6\n"));
  EXPECT_THAT(text, HasSubstr("\ngridless_merge_seconds_count 1\n"));
  EXPECT_THAT(text, HasSubstr("\ngridless_journal_commit_seconds_count 1\n"));
  EXPECT_THAT(text, HasSubstr("\ngridless_jobs{state=\"partial\"} 0\n"));
}

TEST(MetricsTest, KindLabelsAreBounded) {
  CoordinatorTelemetry telemetry;
  for (size_t i = 0; i < kMaxKindLabels + 10; ++i) {
    telemetry.JobSubmitted(absl::StrCat("job", i), absl::StrCat("kind", i));
  }
  const std::string text =
      RenderMetrics(CoordinatorMetrics(), v1::ListJobsResponse(), telemetry);
  EXPECT_THAT(
      text, HasSubstr("\ngridless_jobs_submitted_total{kind=\"other\"} 10\n"));
}

TEST(MetricsTest, QueueWaitBookkeepingIsBounded) {
  CoordinatorTelemetry telemetry;
  // Beyond kMaxWaitingJobs submits without a dispatch, no more are kept.
  for (size_t i = 0; i <= kMaxWaitingJobs; ++i) {
    telemetry.JobSubmitted(absl::StrCat("job", i), "pi");
  }
  v1::TaskBatch last;
  last.add_jobs()->set_job_id(absl::StrCat("job", kMaxWaitingJobs));
  telemetry.BatchDispatched(last);
  // A scrape forgets the jobs that are no longer running.
  v1::ListJobsResponse jobs;
  v1::Progress* running = jobs.add_jobs();
  running->set_job_id("job1");
  running->set_state(v1::JOB_STATE_RUNNING);
  telemetry.ForgetWaitsExcept(jobs, absl::Now() + absl::Seconds(1));
  v1::TaskBatch batch;
  batch.add_jobs()->set_job_id("job0");
  batch.add_jobs()->set_job_id("job1");
  telemetry.BatchDispatched(batch);
  const std::string text =
      RenderMetrics(CoordinatorMetrics(), v1::ListJobsResponse(), telemetry);
  // Only job1's wait: job0 was forgotten, the last one never kept.
  EXPECT_THAT(text, HasSubstr("\ngridless_job_queue_wait_seconds_count{"
                              "kind=\"pi\"} 1\n"));
}

TEST(MetricsTest, DesiredWorkers) {
  EXPECT_EQ(DesiredWorkers(0, 4, 0), 0u);    // idle
  EXPECT_EQ(DesiredWorkers(100, 4, 0), 0u);  // no running job
  EXPECT_EQ(DesiredWorkers(0, 4, 1), 1u);    // running job, nothing queued
  EXPECT_EQ(DesiredWorkers(100, 4, 2), 25u);
  EXPECT_EQ(DesiredWorkers(101, 4, 1), 26u);  // rounded up
  EXPECT_EQ(DesiredWorkers(7, 0, 1), 7u);     // unknown slots count as 1
  EXPECT_EQ(DesiredWorkers(9, 2.5, 1), 4u);
}

}  // namespace
}  // namespace gridless
