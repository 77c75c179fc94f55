// The Scheduler unit tests' fixture: a FakeClock, the test kinds, and helpers
// that play a worker (take tasks, send results).  Test-only.
#ifndef GRIDLESS_COORDINATOR_TESTING_SCHEDULER_FIXTURE_H_
#define GRIDLESS_COORDINATOR_TESTING_SCHEDULER_FIXTURE_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "coordinator/scheduler.h"
#include "coordinator/testing/test_kinds.h"
#include "gtest/gtest.h"

namespace gridless::testing {

class SchedulerFixture : public ::testing::Test {
 protected:
  SchedulerFixture() {
    RegisterTestKinds(registry_);
    Reset([](SchedulerOptions&) {});
  }

  // A new scheduler with the fixture's options changed by `adjust`.
  template <typename Adjust>
  void Reset(Adjust adjust) {
    SchedulerOptions o;
    o.registry = &registry_;
    o.clock = &clock_;
    o.lease_timeout = absl::Seconds(10);
    o.backoff_base = absl::Milliseconds(100);
    o.backoff_max = absl::Seconds(1);
    o.default_max_attempts = 3;
    adjust(o);
    sched_ = std::make_unique<Scheduler>(o);
  }

  std::string Submit(const v1::JobSpec& spec) {
    auto r = sched_->Submit(spec);
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok()) return "";
    kinds_[r->job_id()] = spec.kind();
    return r->job_id();
  }

  v1::TaskBatch Take(WorkerId w, size_t max) {
    v1::TaskBatch batch;
    const size_t taken = sched_->TakeTasks(w, max, &batch);
    EXPECT_EQ(taken, static_cast<size_t>(batch.tasks_size()));
    return batch;
  }

  v1::TaskResult Ok(const v1::Task& t) {
    v1::TaskResult r;
    r.set_job_id(t.job_id());
    r.set_stage(t.stage());
    r.set_task_index(t.task_index());
    r.set_attempt(t.attempt());
    r.set_partial(TestPartial(kinds_[t.job_id()], t.stage(), t.task_index(),
                              t.payload()));
    r.set_run_seconds(0.25);
    return r;
  }

  static v1::TaskResult Err(const v1::Task& t, absl::StatusCode code,
                            std::string message) {
    v1::TaskResult r;
    r.set_job_id(t.job_id());
    r.set_stage(t.stage());
    r.set_task_index(t.task_index());
    r.set_attempt(t.attempt());
    r.mutable_error()->set_code(static_cast<int>(code));
    r.mutable_error()->set_message(std::move(message));
    return r;
  }

  // DATA_LOSS `message` with the typed list of lost previous-stage tasks
  // (TaskError.lost_previous_tasks), as a worker sends it.
  static v1::TaskResult Lost(const v1::Task& t, std::string message,
                             std::vector<uint64_t> lost) {
    v1::TaskResult r = Err(t, absl::StatusCode::kDataLoss, std::move(message));
    r.mutable_error()->mutable_lost_previous_tasks()->Add(lost.begin(),
                                                          lost.end());
    return r;
  }

  SchedulerEvents Send(WorkerId w, std::vector<v1::TaskResult> results) {
    v1::ResultBatch batch;
    for (auto& r : results) *batch.add_results() = std::move(r);
    return sched_->OnResults(w, &batch);
  }

  SchedulerEvents SucceedAll(WorkerId w, const v1::TaskBatch& batch) {
    std::vector<v1::TaskResult> results;
    for (const v1::Task& t : batch.tasks()) results.push_back(Ok(t));
    return Send(w, std::move(results));
  }

  v1::JobState State(const std::string& id) {
    return sched_->GetProgress(id)->state();
  }

  FakeClock clock_;
  JobRegistry registry_;
  std::unique_ptr<Scheduler> sched_;
  std::map<std::string, std::string> kinds_;
};

}  // namespace gridless::testing

#endif  // GRIDLESS_COORDINATOR_TESTING_SCHEDULER_FIXTURE_H_
