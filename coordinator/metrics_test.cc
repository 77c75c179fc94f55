// Tests of the Prometheus text of the coordinator's metrics and of
// DesiredWorkers.
#include "coordinator/metrics.h"

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
  const std::string text = RenderMetrics(m);
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
      EXPECT_EQ(line.find_first_not_of("0123456789", space + 1),
                std::string::npos)
          << line;
    }
    start = end + 1;
  }
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
