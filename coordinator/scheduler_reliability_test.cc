// Tests of the Scheduler's reliability features: dead letters and the
// failure budget, Retry, task timeouts, speculative backups, repairs of lost
// intermediate data, the journal (restore after a restart), limits, and the
// partial result of a cancelled job.  Time is a FakeClock; nothing sleeps.
#include <filesystem>
#include <string>
#include <vector>

#include "coordinator/journal.h"
#include "coordinator/testing/scheduler_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gridless {
namespace {

using testing::Spec;

class SchedulerReliabilityTest : public testing::SchedulerFixture {
 protected:
  std::string Value(const std::string& id) {
    auto r = sched_->GetResult(id);
    if (!r.ok() || !r->result().fields().contains("value")) return "<none>";
    return r->result().fields().at("value").string_value();
  }

  // Runs every ready task of every job to success on worker `w`.
  void Drain(WorkerId w) {
    for (int round = 0; round < 100; ++round) {
      clock_.Advance(absl::Seconds(2));
      sched_->Tick(clock_.Now());
      v1::TaskBatch b = Take(w, 1000);
      if (b.tasks_size() == 0) return;
      SucceedAll(w, b);
    }
  }

  // What a worker whose Prepare failed sends for `t`.
  static v1::TaskResult Refuse(const v1::Task& t) {
    v1::TaskResult r = Err(t, absl::StatusCode::kFailedPrecondition,
                           absl::StrCat("preparing job ", t.job_id(),
                                        " (kind \"concat\"): worker cannot "
                                        "read the loan tape: no such file"));
    r.mutable_error()->set_prepare_failed(true);
    return r;
  }

  static v1::JobSpec Budget(v1::JobSpec spec, uint32_t max_failed) {
    spec.set_max_failed_tasks(max_failed);
    return spec;
  }
};

TEST_F(SchedulerReliabilityTest, DeadLetterWithinBudgetEndsPartialThenRetry) {
  const std::string id = Submit(Budget(Spec("concat", 6, 2), 1));
  sched_->WorkerConnected(1, "host-a:1:x", 8);
  for (uint32_t attempt = 1; attempt <= 2; ++attempt) {
    clock_.Advance(absl::Seconds(2));
    sched_->Tick(clock_.Now());
    v1::TaskBatch b = Take(1, 100);
    std::vector<v1::TaskResult> results;
    for (const v1::Task& t : b.tasks()) {
      results.push_back(t.task_index() == 2
                            ? Err(t, absl::StatusCode::kUnavailable,
                                  absl::StrCat("disk gone ", attempt))
                            : Ok(t));
    }
    Send(1, std::move(results));
  }
  auto p = *sched_->GetProgress(id);
  EXPECT_EQ(p.state(), v1::JOB_STATE_PARTIAL);
  EXPECT_TRUE(p.partial());
  EXPECT_EQ(p.tasks().failed(), 1u);
  EXPECT_NE(p.error().find("can be retried once the cause is fixed"),
            std::string::npos)
      << p.error();
  // Commands are the client's to name (with its --coordinator).
  EXPECT_EQ(p.error().find("gridless "), std::string::npos) << p.error();
  EXPECT_EQ(Value(id), "0,1,3,4,5");  // task 2 left out

  auto failures = *sched_->ListFailures(id);
  ASSERT_EQ(failures.dead_letters_size(), 1);
  const v1::DeadLetter& d = failures.dead_letters(0);
  EXPECT_EQ(d.task_index(), 2u);
  ASSERT_EQ(d.attempts_size(), 2);
  EXPECT_EQ(d.attempts(1).attempt(), 2u);
  EXPECT_EQ(d.attempts(1).worker(), "host-a:1:x");
  EXPECT_EQ(d.attempts(1).message(), "disk gone 2");
  EXPECT_EQ(d.attempts(1).code(),
            static_cast<int>(absl::StatusCode::kUnavailable));
  EXPECT_TRUE(d.attempts(1).retryable());

  SchedulerEvents ev;
  auto retried = sched_->Retry(id, &ev);
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(retried->tasks(), 1u);
  EXPECT_EQ(retried->state(), v1::JOB_STATE_RUNNING);
  EXPECT_TRUE(ev.tasks_ready);
  v1::TaskBatch b = Take(1, 100);
  ASSERT_EQ(b.tasks_size(), 1);
  EXPECT_EQ(b.tasks(0).task_index(), 2u);
  EXPECT_EQ(b.tasks(0).attempt(), 1u);  // fresh attempts
  EXPECT_EQ(b.jobs_size(), 1);          // the definition is sent again
  SucceedAll(1, b);
  EXPECT_EQ(State(id), v1::JOB_STATE_SUCCEEDED);
  EXPECT_FALSE(sched_->GetProgress(id)->partial());
  EXPECT_EQ(Value(id), "0,1,2,3,4,5");
  // Nothing left to retry.
  EXPECT_EQ(sched_->Retry(id, &ev).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(SchedulerReliabilityTest, OverBudgetFailsFastAndRetryResumesTheRest) {
  const std::string id = Submit(Spec("concat", 6));
  sched_->WorkerConnected(1, "w1", 8);
  v1::TaskBatch b = Take(1, 3);
  Send(1, {Ok(b.tasks(0)),
           Err(b.tasks(1), absl::StatusCode::kInvalidArgument, "bad row 7")});
  auto p = *sched_->GetProgress(id);
  EXPECT_EQ(p.state(), v1::JOB_STATE_FAILED);
  EXPECT_NE(p.error().find("permanent error"), std::string::npos);
  EXPECT_EQ(Value(id), "<none>");
  auto failures = *sched_->ListFailures(id);
  ASSERT_EQ(failures.dead_letters_size(), 1);
  EXPECT_FALSE(failures.dead_letters(0).attempts(0).retryable());
  // The fix is in: everything unmerged runs again (tasks 1..5).
  SchedulerEvents ev;
  auto retried = *sched_->Retry(id, &ev);
  EXPECT_EQ(retried.tasks(), 5u);
  Drain(1);
  EXPECT_EQ(State(id), v1::JOB_STATE_SUCCEEDED);
  EXPECT_EQ(Value(id), "0,1,2,3,4,5");
}

TEST_F(SchedulerReliabilityTest, DeadLetterInAnEarlierStageFailsTheJob) {
  const std::string id = Submit(Budget(Spec("twostage", 3, 1), 5));
  sched_->WorkerConnected(1, "w1", 8);
  v1::TaskBatch b = Take(1, 100);
  Send(1, {Ok(b.tasks(0)), Ok(b.tasks(1)),
           Err(b.tasks(2), absl::StatusCode::kInternal, "crash")});
  auto p = *sched_->GetProgress(id);
  EXPECT_EQ(p.state(), v1::JOB_STATE_FAILED);
  EXPECT_NE(p.error().find("needs all of its inputs"), std::string::npos)
      << p.error();
  SchedulerEvents ev;
  ASSERT_TRUE(sched_->Retry(id, &ev).ok());
  Drain(1);
  auto r = *sched_->GetResult(id);
  EXPECT_EQ(r.progress().state(), v1::JOB_STATE_SUCCEEDED);
  EXPECT_EQ(r.result().fields().at("stage1").number_value(), 6);
}

TEST_F(SchedulerReliabilityTest, TaskTimeoutTakesTheLeaseBackOnceRunning) {
  v1::JobSpec spec = Spec("concat", 2);
  spec.set_task_timeout_s(5);
  const std::string id = Submit(spec);
  sched_->WorkerConnected(1, "w1", 1);
  v1::TaskBatch b = Take(1, 2);
  ASSERT_EQ(b.tasks_size(), 2);
  // Task 0 executes (the heartbeat says so); task 1 waits in the worker's
  // queue and is never timed out while it waits.
  v1::Heartbeat hb;
  v1::TaskRef* ref = hb.add_running_tasks();
  ref->set_job_id(id);
  ref->set_task_index(0);
  ref->set_attempt(1);
  sched_->WorkerHeartbeat(1, hb);
  clock_.Advance(absl::Seconds(4));
  sched_->WorkerSeen(1);
  EXPECT_TRUE(sched_->Tick(clock_.Now()).dropped_tasks.empty());
  clock_.Advance(absl::Seconds(2));
  sched_->WorkerSeen(1);
  SchedulerEvents ev = sched_->Tick(clock_.Now());
  ASSERT_EQ(ev.dropped_tasks.size(), 1u);
  EXPECT_EQ(ev.dropped_tasks[0].first, 1u);
  EXPECT_EQ(ev.dropped_tasks[0].second.task_index(), 0u);
  EXPECT_EQ(ev.dropped_tasks[0].second.attempt(), 1u);
  auto p = *sched_->GetProgress(id);
  EXPECT_EQ(p.tasks().timed_out(), 1u);
  EXPECT_EQ(p.tasks().retried(), 1u);
  // A late result of the abandoned attempt is ignored; attempt 2 runs.
  Send(1, {Ok(b.tasks(0)), Ok(b.tasks(1))});
  EXPECT_EQ(sched_->GetProgress(id)->tasks().succeeded(), 1u);
  clock_.Advance(absl::Seconds(2));
  sched_->Tick(clock_.Now());
  v1::TaskBatch again = Take(1, 2);
  ASSERT_EQ(again.tasks_size(), 1);
  EXPECT_EQ(again.tasks(0).attempt(), 2u);
  SucceedAll(1, again);
  EXPECT_EQ(Value(id), "0,1");
}

TEST_F(SchedulerReliabilityTest, StragglerGetsABackupAndTheFirstResultWins) {
  const std::string id = Submit(Spec("concat", 10));
  sched_->WorkerConnected(1, "fast", 16);
  sched_->WorkerConnected(2, "slow", 1);
  v1::TaskBatch slow = Take(2, 1);
  ASSERT_EQ(slow.tasks_size(), 1);
  v1::TaskBatch fast = Take(1, 100);
  ASSERT_EQ(fast.tasks_size(), 9);
  v1::Heartbeat hb;
  v1::TaskRef* ref = hb.add_running_tasks();
  ref->set_job_id(id);
  ref->set_task_index(slow.tasks(0).task_index());
  ref->set_attempt(1);
  sched_->WorkerHeartbeat(2, hb);
  SucceedAll(1, fast);                      // median 0.25 s
  clock_.Advance(absl::Milliseconds(900));  // < 1 s minimum: no backup yet
  sched_->WorkerSeen(2);
  sched_->Tick(clock_.Now());
  EXPECT_EQ(Take(1, 10).tasks_size(), 0);
  clock_.Advance(absl::Milliseconds(500));
  sched_->WorkerSeen(2);
  EXPECT_TRUE(sched_->Tick(clock_.Now()).tasks_ready);
  EXPECT_EQ(Take(2, 10).tasks_size(), 0);  // not on the straggler's worker
  v1::TaskBatch backup = Take(1, 10);
  ASSERT_EQ(backup.tasks_size(), 1);
  EXPECT_EQ(backup.tasks(0).task_index(), slow.tasks(0).task_index());
  EXPECT_EQ(backup.tasks(0).attempt(), 2u);
  EXPECT_EQ(sched_->GetProgress(id)->tasks().speculative(), 1u);
  SchedulerEvents ev = SucceedAll(1, backup);
  ASSERT_EQ(ev.dropped_tasks.size(), 1u);  // the slow copy is dropped
  EXPECT_EQ(ev.dropped_tasks[0].first, 2u);
  EXPECT_EQ(ev.dropped_tasks[0].second.attempt(), 1u);
  EXPECT_EQ(State(id), v1::JOB_STATE_SUCCEEDED);
  EXPECT_EQ(Value(id), "0,1,2,3,4,5,6,7,8,9");
  const uint64_t ignored = sched_->ignored_results();
  SucceedAll(2, slow);  // the loser's late result changes nothing
  EXPECT_EQ(sched_->ignored_results(), ignored + 1);
  EXPECT_EQ(sched_->GetProgress(id)->tasks().running(), 0u);
}

TEST_F(SchedulerReliabilityTest, NegativeMultipleTurnsSpeculationOff) {
  v1::JobSpec spec = Spec("concat", 3);
  spec.set_speculation_multiple(-1);
  const std::string id = Submit(spec);
  sched_->WorkerConnected(1, "a", 4);
  sched_->WorkerConnected(2, "b", 1);
  v1::TaskBatch slow = Take(2, 1);
  SucceedAll(1, Take(1, 10));
  v1::Heartbeat hb;
  *hb.add_running_tasks() = [&] {
    v1::TaskRef r;
    r.set_job_id(id);
    r.set_task_index(slow.tasks(0).task_index());
    r.set_attempt(1);
    return r;
  }();
  sched_->WorkerHeartbeat(2, hb);
  clock_.Advance(absl::Seconds(9));
  sched_->WorkerSeen(2);
  sched_->Tick(clock_.Now());
  EXPECT_EQ(Take(1, 10).tasks_size(), 0);
  EXPECT_EQ(sched_->GetProgress(id)->tasks().speculative(), 0u);
}

TEST_F(SchedulerReliabilityTest, LostIntermediateDataRerunsOnlyThoseTasks) {
  const std::string id = Submit(Spec("twostage", 3));
  sched_->WorkerConnected(1, "w1", 8);
  SucceedAll(1, Take(1, 100));
  v1::TaskBatch s1 = Take(1, 100);
  ASSERT_EQ(s1.tasks_size(), 6);
  std::vector<v1::TaskResult> results;
  for (const v1::Task& t : s1.tasks()) {
    results.push_back(t.task_index() == 4
                          ? Lost(t, "run 4 of map task 1 is missing", {1})
                          : Ok(t));
  }
  SchedulerEvents ev = Send(1, std::move(results));
  EXPECT_TRUE(ev.tasks_ready);
  v1::TaskBatch repair = Take(1, 100);
  ASSERT_EQ(repair.tasks_size(), 1);
  EXPECT_EQ(repair.tasks(0).stage(), 0u);
  EXPECT_EQ(repair.tasks(0).task_index(), 1u);
  EXPECT_EQ(repair.tasks(0).payload(), "s0");
  EXPECT_EQ(Take(1, 100).tasks_size(), 0);  // task 4 waits for the repair
  SucceedAll(1, repair);
  v1::TaskBatch again = Take(1, 100);
  ASSERT_EQ(again.tasks_size(), 1);
  EXPECT_EQ(again.tasks(0).stage(), 1u);
  EXPECT_EQ(again.tasks(0).task_index(), 4u);
  EXPECT_EQ(again.tasks(0).attempt(), 1u);  // the lost input was not its fault
  SucceedAll(1, again);
  auto r = *sched_->GetResult(id);
  EXPECT_EQ(r.progress().state(), v1::JOB_STATE_SUCCEEDED);
  EXPECT_EQ(r.progress().tasks().rerun(), 1u);
  EXPECT_EQ(r.progress().tasks().retried(), 0u);
  EXPECT_EQ(r.result().fields().at("stage1").number_value(), 6);
}

// Several reduce tasks find the same map output missing.  A report from an
// attempt leased before the repair finished read the data as it was before
// the repair: the task is requeued, the map task is not run a second time.
// A loss found by an attempt leased after the repair is a new loss.
TEST_F(SchedulerReliabilityTest, LateReportsOfARepairedLossDoNotRepairAgain) {
  const std::string id = Submit(Spec("twostage", 3));
  sched_->WorkerConnected(1, "w1", 8);
  SucceedAll(1, Take(1, 100));
  v1::TaskBatch s1 = Take(1, 100);
  ASSERT_EQ(s1.tasks_size(), 6);
  auto lost = [](const v1::Task& t) {
    return Lost(t, "map task 1's run is missing", {1});
  };
  // Task 4 reports first; task 5 (leased at the same time) is still out.
  std::vector<v1::TaskResult> first;
  for (const v1::Task& t : s1.tasks()) {
    if (t.task_index() == 4) first.push_back(lost(t));
    if (t.task_index() < 4) first.push_back(Ok(t));
  }
  Send(1, std::move(first));
  v1::TaskBatch repair = Take(1, 100);
  ASSERT_EQ(repair.tasks_size(), 1);
  EXPECT_EQ(repair.tasks(0).stage(), 0u);
  SucceedAll(1, repair);
  // Task 5 read before the repair finished: requeued at once, no rerun.
  const v1::Task* five = nullptr;
  for (const v1::Task& t : s1.tasks()) {
    if (t.task_index() == 5) five = &t;
  }
  ASSERT_NE(five, nullptr);
  SchedulerEvents ev = Send(1, {lost(*five)});
  EXPECT_TRUE(ev.tasks_ready);
  v1::TaskBatch again = Take(1, 100);
  ASSERT_EQ(again.tasks_size(), 2);  // 4 after its repair, 5 requeued
  for (const v1::Task& t : again.tasks()) {
    EXPECT_EQ(t.stage(), 1u);
    EXPECT_EQ(t.attempt(), 1u) << "a lost input is not the task's fault";
  }
  EXPECT_EQ(sched_->GetProgress(id)->tasks().rerun(), 1u);

  // Leased after the repair: the output is lost again, so map 1 reruns.
  std::vector<v1::TaskResult> second;
  for (const v1::Task& t : again.tasks()) {
    second.push_back(t.task_index() == 5 ? lost(t) : Ok(t));
  }
  Send(1, std::move(second));
  v1::TaskBatch repair2 = Take(1, 100);
  ASSERT_EQ(repair2.tasks_size(), 1);
  EXPECT_EQ(repair2.tasks(0).stage(), 0u);
  EXPECT_EQ(repair2.tasks(0).task_index(), 1u);
  SucceedAll(1, repair2);
  SucceedAll(1, Take(1, 100));
  auto r = *sched_->GetResult(id);
  EXPECT_EQ(r.progress().state(), v1::JOB_STATE_SUCCEEDED);
  EXPECT_EQ(r.progress().tasks().rerun(), 2u);
  EXPECT_EQ(r.result().fields().at("stage1").number_value(), 6);
}

// A reduce task that finds its input missing however often the map task is
// rerun (a store local to each worker): the reruns stop at the job's limit,
// max_repairs or by default 3 x the map tasks, and the job fails naming the
// store and the likely cause.
TEST_F(SchedulerReliabilityTest, RepairsPastTheLimitFailTheJobNamingTheStore) {
  sched_->WorkerConnected(1, "w1", 8);
  auto run = [&](uint32_t max_repairs) {
    v1::JobSpec spec = Spec("twostage", 2);
    spec.set_max_repairs(max_repairs);
    (*spec.mutable_params()->mutable_fields())["store"].set_string_value(
        "file:///var/tmp/local-shuffle");
    const std::string id = Submit(spec);
    SucceedAll(1, Take(1, 100));  // stage 0: 2 map tasks
    // Stage 1 (4 tasks): task 0 never finds map task 1's output; the rest
    // succeed, and so does every rerun.
    for (int round = 0; round < 100 && State(id) == v1::JOB_STATE_RUNNING;
         ++round) {
      v1::TaskBatch b = Take(1, 100);
      if (b.tasks_size() == 0) break;
      std::vector<v1::TaskResult> results;
      for (const v1::Task& t : b.tasks()) {
        results.push_back(t.stage() == 1 && t.task_index() == 0
                              ? Lost(t, "run 0 of map task 1 is missing", {1})
                              : Ok(t));
        if (t.stage() == 1) {
          EXPECT_EQ(t.attempt(), 1u) << "a lost input is not charged";
        }
      }
      Send(1, std::move(results));
    }
    return *sched_->GetProgress(id);
  };

  v1::Progress p = run(3);
  ASSERT_EQ(p.state(), v1::JOB_STATE_FAILED);
  EXPECT_EQ(p.tasks().rerun(), 3u) << "exactly max_repairs reruns";
  EXPECT_THAT(p.error(), ::testing::HasSubstr("file:///var/tmp/local-shuffle"));
  EXPECT_THAT(p.error(), ::testing::HasSubstr("max_repairs=3"));
  EXPECT_THAT(p.error(), ::testing::HasSubstr("shared by all workers"));
  EXPECT_THAT(p.error(), ::testing::HasSubstr("local to each worker"));
  EXPECT_THAT(p.error(),
              ::testing::HasSubstr("run 0 of map task 1 is missing"));

  p = run(0);  // the default: 3 x 2 map tasks
  ASSERT_EQ(p.state(), v1::JOB_STATE_FAILED);
  EXPECT_EQ(p.tasks().rerun(), 6u);
  EXPECT_THAT(p.error(), ::testing::HasSubstr("3 x 2 tasks = 6"));
  EXPECT_THAT(p.error(), ::testing::HasSubstr("file:///var/tmp/local-shuffle"));
}

// The lost-task list comes from a worker: an index beyond the map stage, or
// a list naming one task many times, reruns nothing it should not.
TEST_F(SchedulerReliabilityTest, LostTaskListFromAWorkerIsBounded) {
  const std::string id = Submit(Budget(Spec("twostage", 2), 1));
  sched_->WorkerConnected(1, "w1", 8);
  SucceedAll(1, Take(1, 100));
  v1::TaskBatch s1 = Take(1, 100);
  ASSERT_EQ(s1.tasks_size(), 4);
  std::vector<v1::TaskResult> results;
  for (const v1::Task& t : s1.tasks()) {
    if (t.task_index() == 1) {
      results.push_back(Lost(t, "dup", {0, 0}));
    }
  }
  for (const v1::Task& t : s1.tasks()) {
    if (t.task_index() == 0) {
      results.push_back(Lost(t, "forged", {18446744073709551615u, 1}));
    } else if (t.task_index() > 1) {
      results.push_back(Ok(t));
    }
  }
  Send(1, std::move(results));
  // Task 1's report reruns map task 0 once; task 0's is refused whole (an
  // ordinary permanent failure: dead-lettered, within the budget).
  v1::TaskBatch repair = Take(1, 100);
  ASSERT_EQ(repair.tasks_size(), 1);
  EXPECT_EQ(repair.tasks(0).stage(), 0u);
  EXPECT_EQ(repair.tasks(0).task_index(), 0u);
  SucceedAll(1, repair);
  SucceedAll(1, Take(1, 100));
  v1::Progress p = *sched_->GetProgress(id);
  EXPECT_EQ(p.state(), v1::JOB_STATE_PARTIAL);
  EXPECT_EQ(p.tasks().rerun(), 1u);
  auto failures = *sched_->ListFailures(id);
  ASSERT_EQ(failures.dead_letters_size(), 1);
  EXPECT_EQ(failures.dead_letters(0).task_index(), 0u);
}

// A typed lost-task list longer than the previous stage (2 map tasks here)
// is refused before it is copied or acted on, even when every entry is in
// range: the task is dead-lettered naming why, and nothing reruns.
TEST_F(SchedulerReliabilityTest,
       LostTaskListLongerThanThePreviousStageIsRefused) {
  const std::string id = Submit(Budget(Spec("twostage", 2), 1));
  sched_->WorkerConnected(1, "w1", 8);
  SucceedAll(1, Take(1, 100));
  v1::TaskBatch s1 = Take(1, 100);
  ASSERT_EQ(s1.tasks_size(), 4);
  std::vector<v1::TaskResult> results;
  for (const v1::Task& t : s1.tasks()) {
    results.push_back(t.task_index() == 2 ? Lost(t, "flood", {0, 0, 0})
                                          : Ok(t));
  }
  Send(1, std::move(results));
  EXPECT_EQ(Take(1, 100).tasks_size(), 0) << "no rerun, no retry";
  v1::Progress p = *sched_->GetProgress(id);
  EXPECT_EQ(p.state(), v1::JOB_STATE_PARTIAL);
  EXPECT_EQ(p.tasks().rerun(), 0u);
  auto failures = *sched_->ListFailures(id);
  ASSERT_EQ(failures.dead_letters_size(), 1);
  EXPECT_EQ(failures.dead_letters(0).task_index(), 2u);
  ASSERT_EQ(failures.dead_letters(0).attempts_size(), 1);
  EXPECT_THAT(failures.dead_letters(0).attempts(0).message(),
              ::testing::HasSubstr("lost_previous_tasks list was refused: it "
                                   "names 3 tasks, but stage 0 had 2"));
}

// A worker that cannot prepare a job (it cannot read the tape): the task
// runs elsewhere, uncharged, and the worker gets no more of the job's tasks.
TEST_F(SchedulerReliabilityTest, WorkerThatCannotPrepareIsExcludedFromTheJob) {
  const std::string id = Submit(Spec("concat", 6));
  sched_->WorkerConnected(1, "good", 1);
  sched_->WorkerConnected(2, "bad", 1);
  v1::TaskBatch bad = Take(2, 3);
  ASSERT_EQ(bad.tasks_size(), 3);
  SchedulerEvents ev = Send(2, {Refuse(bad.tasks(0))});
  EXPECT_TRUE(ev.tasks_ready);
  EXPECT_TRUE(ev.ended_jobs.empty());
  EXPECT_EQ(Take(2, 100).tasks_size(), 0) << "no tasks after a refusal";
  // Its other prefetched tasks fail the same way, and go back too.
  v1::TaskBatch good = Take(1, 100);
  EXPECT_EQ(good.tasks_size(), 4);  // 3, 4, 5 and the refused 0
  Send(2, {Refuse(bad.tasks(1)), Refuse(bad.tasks(2))});
  EXPECT_EQ(Take(2, 100).tasks_size(), 0);
  SucceedAll(1, good);
  v1::TaskBatch rest = Take(1, 100);
  ASSERT_EQ(rest.tasks_size(), 2);
  for (const v1::Task& t : rest.tasks()) {
    EXPECT_EQ(t.attempt(), 1u) << "the refusal is not charged";
  }
  for (const v1::Task& t : good.tasks()) EXPECT_EQ(t.attempt(), 1u);
  SucceedAll(1, rest);
  auto r = *sched_->GetResult(id);
  EXPECT_EQ(r.progress().state(), v1::JOB_STATE_SUCCEEDED);
  EXPECT_EQ(r.progress().tasks().failed(), 0u);
  EXPECT_EQ(Value(id), "0,1,2,3,4,5");
  EXPECT_EQ(sched_->ListFailures(id)->dead_letters_size(), 0);

  // Another job is not affected: the bad worker takes its tasks.
  const std::string other = Submit(Spec("concat", 2));
  EXPECT_EQ(Take(2, 100).tasks_size(), 2);
  (void)other;
}

// A refusal with another code, or FAILED_PRECONDITION from the task itself,
// is the task's failure as before.
TEST_F(SchedulerReliabilityTest, OnlyAPrepareFailedPreconditionIsARefusal) {
  const std::string id = Submit(Budget(Spec("concat", 3), 2));
  sched_->WorkerConnected(1, "w1", 3);
  v1::TaskBatch b = Take(1, 3);
  ASSERT_EQ(b.tasks_size(), 3);
  v1::TaskResult other_code = Refuse(b.tasks(1));
  other_code.mutable_error()->set_code(
      static_cast<int>(absl::StatusCode::kInvalidArgument));
  Send(1, {Err(b.tasks(0), absl::StatusCode::kFailedPrecondition,
               "the task's own precondition"),
           std::move(other_code), Ok(b.tasks(2))});
  EXPECT_EQ(State(id), v1::JOB_STATE_PARTIAL);
  EXPECT_EQ(sched_->ListFailures(id)->dead_letters_size(), 2);
}

// When every connected worker has refused a job, a worker that is starting
// gets lease_timeout (10 s here) to connect; then the job fails, naming the
// workers and why, rather than wait silently.  The same when the last
// worker that had not refused disconnects.
TEST_F(SchedulerReliabilityTest, JobEveryWorkerRefusesFailsNamingThem) {
  const std::string id = Submit(Spec("concat", 4));
  sched_->WorkerConnected(1, "host-a:1", 1);
  sched_->WorkerConnected(2, "host-b:2", 1);
  v1::TaskBatch a = Take(1, 1);
  v1::TaskBatch b = Take(2, 1);
  ASSERT_EQ(a.tasks_size(), 1);
  ASSERT_EQ(b.tasks_size(), 1);
  Send(1, {Refuse(a.tasks(0))});
  SchedulerEvents ev = Send(2, {Refuse(b.tasks(0))});
  EXPECT_TRUE(ev.ended_jobs.empty());
  clock_.Advance(absl::Seconds(9));
  EXPECT_TRUE(sched_->Tick(clock_.Now()).ended_jobs.empty());
  EXPECT_EQ(State(id), v1::JOB_STATE_RUNNING) << "within the grace";
  clock_.Advance(absl::Seconds(1));
  ev = sched_->Tick(clock_.Now());
  ASSERT_EQ(ev.ended_jobs.size(), 1u);
  v1::Progress p = *sched_->GetProgress(id);
  EXPECT_EQ(p.state(), v1::JOB_STATE_FAILED);
  EXPECT_THAT(p.error(),
              ::testing::HasSubstr("no connected worker can run the job"));
  EXPECT_THAT(p.error(), ::testing::HasSubstr("worker host-a:1: preparing"));
  EXPECT_THAT(p.error(), ::testing::HasSubstr("worker host-b:2: preparing"));
  EXPECT_THAT(p.error(), ::testing::HasSubstr("cannot read the loan tape"));
  EXPECT_THAT(p.error(), ::testing::HasSubstr("shared volume"));
  EXPECT_EQ(p.tasks().failed(), 0u);

  // A worker that connects within the grace saves the job.
  const std::string saved = Submit(Spec("concat", 2));
  v1::TaskBatch a1 = Take(1, 1);
  v1::TaskBatch b1 = Take(2, 1);
  Send(1, {Refuse(a1.tasks(0))});
  Send(2, {Refuse(b1.tasks(0))});
  clock_.Advance(absl::Seconds(5));
  sched_->WorkerConnected(3, "host-c:3", 4);
  clock_.Advance(absl::Seconds(10));
  sched_->Tick(clock_.Now());
  EXPECT_EQ(State(saved), v1::JOB_STATE_RUNNING);
  SucceedAll(3, Take(3, 10));
  EXPECT_EQ(State(saved), v1::JOB_STATE_SUCCEEDED);

  // The last worker that could run it leaves.
  const std::string left = Submit(Spec("concat", 4));
  v1::TaskBatch a2 = Take(1, 1);
  v1::TaskBatch b2 = Take(2, 1);
  Send(1, {Refuse(a2.tasks(0))});
  Send(2, {Refuse(b2.tasks(0))});
  EXPECT_EQ(State(left), v1::JOB_STATE_RUNNING);
  sched_->WorkerDisconnected(3);
  clock_.Advance(absl::Seconds(10));
  ev = sched_->Tick(clock_.Now());
  ASSERT_EQ(ev.ended_jobs.size(), 1u);
  EXPECT_EQ(ev.ended_jobs[0].job_id, left);
  EXPECT_EQ(State(left), v1::JOB_STATE_FAILED);
  EXPECT_THAT(sched_->GetProgress(left)->error(),
              ::testing::HasSubstr("all 2 failed to prepare it"));
}

TEST_F(SchedulerReliabilityTest, JournalRestoresJobsAfterARestart) {
  const std::string path =
      (std::filesystem::path(::testing::TempDir()) / "restore.journal")
          .string();
  std::filesystem::remove(path);
  auto journal = Journal::Open(path);
  ASSERT_TRUE(journal.ok()) << journal.status();
  Reset([&](SchedulerOptions& o) { o.journal = journal->get(); });
  const std::string done = Submit(Spec("concat", 2));
  sched_->WorkerConnected(1, "w1", 64);
  SucceedAll(1, Take(1, 2));
  ASSERT_EQ(State(done), v1::JOB_STATE_SUCCEEDED);
  const std::string id = Submit(Spec("fsum", 37));
  v1::TaskBatch part = Take(1, 20);
  SucceedAll(1, part);
  EXPECT_GT((*journal)->pending(), 0u);
  ASSERT_TRUE((*journal)->Flush().ok());
  // Merged but not flushed: lost with the "crash", run again after it.
  SucceedAll(1, Take(1, 5));
  journal->reset();

  // The restarted coordinator.
  auto reopened = Journal::Open(path);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  auto jobs = (*reopened)->Load();
  ASSERT_TRUE(jobs.ok()) << jobs.status();
  Reset([&](SchedulerOptions& o) { o.journal = reopened->get(); });
  ASSERT_TRUE(sched_->Restore(*std::move(jobs)).ok());
  EXPECT_EQ(State(done), v1::JOB_STATE_SUCCEEDED);
  EXPECT_EQ(Value(done), "0,1");
  auto p = *sched_->GetProgress(id);
  EXPECT_EQ(p.state(), v1::JOB_STATE_RUNNING);
  EXPECT_EQ(p.tasks().succeeded(), 20u);
  sched_->WorkerConnected(7, "w7", 64);
  v1::TaskBatch rest = Take(7, 100);
  EXPECT_EQ(rest.tasks_size(), 17);
  EXPECT_EQ(rest.jobs(0).job_id(), id);
  SucceedAll(7, rest);
  auto restored = *sched_->GetResult(id);
  EXPECT_EQ(restored.progress().state(), v1::JOB_STATE_SUCCEEDED);
  // Numbering carries on.
  EXPECT_EQ(Submit(Spec("concat", 1)), "job-3");

  // The same job undisturbed: bit-identical sum.
  Reset([](SchedulerOptions&) {});
  const std::string clean = Submit(Spec("fsum", 37));
  sched_->WorkerConnected(1, "w1", 64);
  SucceedAll(1, Take(1, 100));
  auto reference = *sched_->GetResult(clean);
  EXPECT_EQ(restored.result().fields().at("sum").number_value(),
            reference.result().fields().at("sum").number_value());
}

TEST_F(SchedulerReliabilityTest, LimitsOnOpenJobsAndTasks) {
  Reset([](SchedulerOptions& o) {
    o.max_open_jobs = 1;
    o.max_tasks_per_job = 4;
  });
  auto big = sched_->Submit(Spec("concat", 5));
  EXPECT_EQ(big.status().code(), absl::StatusCode::kResourceExhausted);
  // (The built-in kinds refuse an oversized stage before building its
  // task list: jobs/kinds_test.cc KindsRefuseAnOversizedStageBeforePlanning.)
  EXPECT_NE(big.status().message().find("--max-tasks-per-job"),
            std::string::npos);
  const std::string id = Submit(Spec("concat", 2));
  auto second = sched_->Submit(Spec("concat", 2));
  EXPECT_EQ(second.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(second.status().message().find("--max-open-jobs"),
            std::string::npos);
  sched_->WorkerConnected(1, "w1", 4);
  SucceedAll(1, Take(1, 10));
  EXPECT_EQ(State(id), v1::JOB_STATE_SUCCEEDED);
  EXPECT_TRUE(sched_->Submit(Spec("concat", 2)).ok());
}

// Ended jobs beyond keep_finished_jobs are forgotten, oldest end first; a
// retried job is not forgotten while it runs again; ids are never reused,
// across a restart on the journal too.
TEST_F(SchedulerReliabilityTest, KeepsOnlyTheLastFinishedJobs) {
  const std::string path =
      (std::filesystem::path(::testing::TempDir()) / "forget.journal").string();
  std::filesystem::remove(path);
  auto journal = Journal::Open(path);
  ASSERT_TRUE(journal.ok()) << journal.status();
  Reset([&](SchedulerOptions& o) {
    o.keep_finished_jobs = 2;
    o.journal = journal->get();
  });
  sched_->WorkerConnected(1, "w1", 64);
  // job-1 fails (a dead letter), then job-2 and job-3 succeed.
  v1::JobSpec failing = Spec("concat", 2);
  failing.set_max_attempts(1);
  const std::string first = Submit(failing);
  v1::TaskBatch b = Take(1, 10);
  Send(1, {Ok(b.tasks(0)), Err(b.tasks(1), absl::StatusCode::kInternal, "x")});
  ASSERT_NE(State(first), v1::JOB_STATE_RUNNING);
  const std::string second = Submit(Spec("concat", 2));
  SucceedAll(1, Take(1, 10));
  // Retrying job-1 takes it off the ended list: job-3's end forgets job-2,
  // the oldest job that is still ended.
  SchedulerEvents ev;
  ASSERT_TRUE(sched_->Retry(first, &ev).ok());
  const std::string third = Submit(Spec("concat", 2));
  SucceedAll(1, Take(1, 10));  // job-1's task and job-3's
  EXPECT_EQ(State(first), v1::JOB_STATE_SUCCEEDED);
  EXPECT_EQ(State(third), v1::JOB_STATE_SUCCEEDED);
  auto gone = sched_->GetResult(second);
  ASSERT_EQ(gone.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(gone.status().message()),
              ::testing::HasSubstr("forgotten"));
  EXPECT_THAT(std::string(gone.status().message()),
              ::testing::HasSubstr("--keep-finished-jobs"));
  EXPECT_THAT(std::string(sched_->GetResult("job-99").status().message()),
              ::testing::HasSubstr("unknown job"));
  EXPECT_EQ(sched_->ListJobs().jobs_size(), 2);
  EXPECT_EQ(sched_->Metrics().jobs_forgotten, 1u);
  // One more end forgets the oldest end (job-1 ended after job-3's submit,
  // but before job-3 ended: job-1's end is older).
  const std::string fourth = Submit(Spec("concat", 1));
  SucceedAll(1, Take(1, 10));
  EXPECT_EQ(sched_->GetResult(first).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_TRUE(sched_->GetResult(third).ok());
  EXPECT_TRUE(sched_->GetResult(fourth).ok());
  ASSERT_TRUE((*journal)->Flush().ok());
  journal->reset();

  // A restart: the journal holds only the kept jobs, numbering carries on
  // above every id handed out (job-4), not only the ones kept.
  auto reopened = Journal::Open(path);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  auto jobs = (*reopened)->Load();
  ASSERT_TRUE(jobs.ok()) << jobs.status();
  ASSERT_EQ(jobs->size(), 2u);
  Reset([&](SchedulerOptions& o) {
    o.keep_finished_jobs = 2;
    o.journal = reopened->get();
  });
  ASSERT_TRUE(
      sched_->Restore(*std::move(jobs), *(*reopened)->LastForgottenJobNumber())
          .ok());
  EXPECT_EQ(State(fourth), v1::JOB_STATE_SUCCEEDED);
  EXPECT_THAT(std::string(sched_->GetResult(second).status().message()),
              ::testing::HasSubstr("forgotten"));
  EXPECT_EQ(Submit(Spec("concat", 1)), "job-5");
}

TEST_F(SchedulerReliabilityTest, CancelKeepsWhatWasMerged) {
  const std::string id = Submit(Spec("concat", 4));
  sched_->WorkerConnected(1, "w1", 4);
  v1::TaskBatch b = Take(1, 4);
  Send(1, {Ok(b.tasks(0)), Ok(b.tasks(2))});
  SchedulerEvents ev;
  ASSERT_TRUE(sched_->Cancel(id, &ev).ok());
  auto r = *sched_->GetResult(id);
  EXPECT_EQ(r.progress().state(), v1::JOB_STATE_CANCELLED);
  EXPECT_TRUE(r.progress().partial());
  EXPECT_EQ(Value(id), "0,2");
  EXPECT_EQ(sched_->Retry(id, &ev).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace gridless
