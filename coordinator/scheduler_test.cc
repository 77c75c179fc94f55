// Tests of the Scheduler: dispatch, leases and expiry, requeue on
// disconnect, backoff, max attempts, permanent errors, exactly-once merge,
// fairness, cancel, multi-stage jobs, determinism, and a concurrent run (for
// TSan).  Time is a FakeClock; nothing sleeps.
#include "coordinator/scheduler.h"

#include <algorithm>
#include <map>
#include <random>
#include <thread>

#include "common/clock.h"
#include "coordinator/testing/scheduler_fixture.h"
#include "coordinator/testing/test_kinds.h"
#include "gtest/gtest.h"
#include "jobs/local_run.h"

namespace gridless {
namespace {

using testing::Spec;
using testing::TestPartial;

using SchedulerTest = testing::SchedulerFixture;

TEST_F(SchedulerTest, DispatchesBatchesWithEachJobDefinitionOnce) {
  const std::string id = Submit(Spec("concat", 10));
  EXPECT_EQ(id, "job-1");
  v1::TaskBatch none;
  EXPECT_EQ(sched_->TakeTasks(1, 4, &none), 0u);  // unknown worker
  sched_->WorkerConnected(1, "w1", 2);
  v1::TaskBatch b = Take(1, 4);
  ASSERT_EQ(b.tasks_size(), 4);
  ASSERT_EQ(b.jobs_size(), 1);
  EXPECT_EQ(b.jobs(0).job_id(), id);
  EXPECT_EQ(b.jobs(0).spec().kind(), "concat");
  EXPECT_EQ(b.tasks(2).task_index(), 2u);
  EXPECT_EQ(b.tasks(2).payload(), "2");
  EXPECT_EQ(b.tasks(2).attempt(), 1u);
  v1::TaskBatch b2 = Take(1, 100);
  EXPECT_EQ(b2.tasks_size(), 6);
  EXPECT_EQ(b2.jobs_size(), 0);  // already sent on this stream
  EXPECT_EQ(sched_->GetProgress(id)->tasks().running(), 10u);
  // Another stream gets the definition again.
  sched_->WorkerConnected(2, "w2", 2);
  SucceedAll(1, b);
  SucceedAll(1, b2);
  auto result = sched_->GetResult(id);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->progress().state(), v1::JOB_STATE_SUCCEEDED);
  EXPECT_EQ(result->result().fields().at("value").string_value(),
            "0,1,2,3,4,5,6,7,8,9");
  EXPECT_EQ(result->progress().tasks().succeeded(), 10u);
  EXPECT_EQ(result->progress().tasks().running(), 0u);
  EXPECT_DOUBLE_EQ(result->progress().worker_seconds(), 2.5);
  EXPECT_EQ(result->progress().workers(), 2u);
}

TEST_F(SchedulerTest, BatchesStopNearTheirByteBudget) {
  v1::JobSpec spec = Spec("concat", 100);
  (*spec.mutable_params()->mutable_fields())["pad"].set_number_value(
      Scheduler::kMaxBatchBytes / 10);
  Submit(spec);
  sched_->WorkerConnected(1, "w1", 100);
  v1::TaskBatch b = Take(1, 100);
  EXPECT_GE(b.tasks_size(), 10);
  EXPECT_LT(b.tasks_size(), 100);
  EXPECT_LT(b.ByteSizeLong(), 2 * Scheduler::kMaxBatchBytes);
  EXPECT_EQ(Take(1, 100).tasks_size() + b.tasks_size() +
                static_cast<int>(sched_->Metrics().queue_depth),
            100);
}

TEST_F(SchedulerTest, BadSpecsAreInvalidArgument) {
  auto r = sched_->Submit(Spec("nosuchkind", 1));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("nosuchkind"), std::string::npos);
  EXPECT_NE(r.status().message().find("concat"), std::string::npos);
  r = sched_->Submit(Spec("badplan", 1));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(),
            "parameter \"x\": expected a number, got \"y\"");
  r = sched_->Submit(Spec("concat", -1));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("tasks"), std::string::npos);
  v1::JobSpec spec = Spec("concat", 1);
  spec.set_task_timeout_s(-1);
  EXPECT_EQ(sched_->Submit(spec).status().code(),
            absl::StatusCode::kInvalidArgument);
  spec = Spec("concat", 1, Scheduler::kMaxAttemptsLimit + 1);
  EXPECT_EQ(sched_->Submit(spec).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(sched_->ListJobs().jobs().empty());
}

// A worker silent past the lease timeout is presumed dead: its lease goes
// back at once, without an attempt, as a suspect; a late result of the
// expired lease is ignored.
TEST_F(SchedulerTest, SilentWorkersLeaseIsRequeuedAtOnceAsASuspect) {
  const std::string id = Submit(Spec("concat", 2));
  sched_->WorkerConnected(1, "w1", 1);
  sched_->WorkerConnected(2, "w2", 1);
  v1::TaskBatch b1 = Take(1, 1);  // task 0 to the worker that goes silent
  v1::TaskBatch b2 = Take(2, 1);  // task 1 to a worker that heartbeats
  clock_.Advance(absl::Seconds(9));
  sched_->WorkerSeen(2);
  clock_.Advance(absl::Seconds(1));
  SchedulerEvents ev = sched_->Tick(clock_.Now());
  EXPECT_TRUE(ev.ended_jobs.empty());
  EXPECT_TRUE(ev.tasks_ready);
  auto p = *sched_->GetProgress(id);
  EXPECT_EQ(p.tasks().retried(), 1u);
  EXPECT_EQ(p.tasks().running(), 1u);
  CoordinatorMetrics m = sched_->Metrics();
  EXPECT_EQ(m.delayed_tasks, 0u);  // no backoff: not the task's fault
  EXPECT_EQ(m.queue_depth, 1u);
  EXPECT_EQ(m.tasks_retried, 1u);
  // A suspect goes only into a free slot: w2's one slot runs task 1.
  EXPECT_EQ(Take(2, 10).tasks_size(), 0);
  SucceedAll(2, b2);
  v1::TaskBatch again = Take(2, 10);
  ASSERT_EQ(again.tasks_size(), 1);
  EXPECT_EQ(again.tasks(0).task_index(), 0u);
  EXPECT_EQ(again.tasks(0).attempt(), 1u);
  // The late result of the expired lease is ignored; the new one counts.
  Send(1, {Ok(b1.tasks(0))});
  EXPECT_EQ(sched_->ignored_results(), 1u);
  EXPECT_EQ(sched_->GetProgress(id)->tasks().succeeded(), 1u);  // task 1 only
  SucceedAll(2, again);
  EXPECT_EQ(State(id), v1::JOB_STATE_SUCCEEDED);
  EXPECT_EQ(sched_->GetResult(id)->result().fields().at("value").string_value(),
            "0,1");
}

TEST_F(SchedulerTest, DisconnectRequeuesAllLeasesAtOnceWithoutAnAttempt) {
  const std::string id = Submit(Spec("concat", 6));
  sched_->WorkerConnected(1, "w1", 4);
  v1::TaskBatch b = Take(1, 4);
  ASSERT_EQ(b.tasks_size(), 4);
  SchedulerEvents ev = sched_->WorkerDisconnected(1);
  EXPECT_TRUE(ev.ended_jobs.empty());
  EXPECT_TRUE(ev.tasks_ready);
  auto p = *sched_->GetProgress(id);
  EXPECT_EQ(p.tasks().running(), 0u);
  EXPECT_EQ(p.tasks().retried(), 4u);
  EXPECT_EQ(p.workers(), 0u);
  EXPECT_EQ(sched_->Metrics().delayed_tasks, 0u);
  EXPECT_EQ(sched_->Metrics().queue_depth, 6u);
  // Results on the dead stream are ignored.
  SucceedAll(1, b);
  EXPECT_EQ(sched_->GetProgress(id)->tasks().succeeded(), 0u);
  // A worker of 4 slots takes 4 suspects (one per slot), then the rest.
  sched_->WorkerConnected(2, "w2", 4);
  v1::TaskBatch b2 = Take(2, 100);
  ASSERT_EQ(b2.tasks_size(), 6);
  for (const v1::Task& t : b2.tasks()) EXPECT_EQ(t.attempt(), 1u);
  SucceedAll(2, b2);
  EXPECT_EQ(State(id), v1::JOB_STATE_SUCCEEDED);
}

TEST_F(SchedulerTest, RetryWaitsForAGrowingBackoff) {
  const std::string id = Submit(Spec("concat", 1, /*max_attempts=*/10));
  sched_->WorkerConnected(1, "w1", 1);
  // Attempt a's backoff is within [0, min(100ms * 2^(a-1), 1s)]: after that
  // ceiling the task is always back, and the ceilings grow then cap.
  const absl::Duration ceilings[] = {
      absl::Milliseconds(100), absl::Milliseconds(200), absl::Milliseconds(400),
      absl::Milliseconds(800), absl::Seconds(1),        absl::Seconds(1)};
  for (uint32_t attempt = 1; attempt <= 6; ++attempt) {
    v1::TaskBatch b = Take(1, 1);
    ASSERT_EQ(b.tasks_size(), 1) << "attempt " << attempt;
    EXPECT_EQ(b.tasks(0).attempt(), attempt);
    Send(1, {Err(b.tasks(0), absl::StatusCode::kUnavailable, "flaky")});
    EXPECT_EQ(sched_->Metrics().delayed_tasks, 1u);
    clock_.Advance(ceilings[attempt - 1]);
    sched_->Tick(clock_.Now());
    EXPECT_EQ(sched_->Metrics().delayed_tasks, 0u);
  }
  EXPECT_EQ(sched_->GetProgress(id)->tasks().retried(), 6u);
  EXPECT_EQ(State(id), v1::JOB_STATE_RUNNING);
}

TEST_F(SchedulerTest, MaxAttemptsFailsTheJobWithTheTasksLastError) {
  const std::string id = Submit(Spec("concat", 5));
  const std::string other = Submit(Spec("concat", 5));
  sched_->WorkerConnected(1, "w1", 1);
  SchedulerEvents ended;
  for (uint32_t attempt = 1; attempt <= 3; ++attempt) {
    // Find task 3 of the first job among what is ready.
    v1::TaskBatch b = Take(1, 100);
    std::vector<v1::TaskResult> results;
    for (const v1::Task& t : b.tasks()) {
      if (t.job_id() == id && t.task_index() == 3) {
        EXPECT_EQ(t.attempt(), attempt);
        results.push_back(Err(t, absl::StatusCode::kInternal,
                              absl::StrCat("boom ", attempt)));
      } else {
        results.push_back(Ok(t));
      }
    }
    ended = Send(1, std::move(results));
    clock_.Advance(absl::Seconds(1));
    sched_->Tick(clock_.Now());
  }
  ASSERT_EQ(ended.ended_jobs.size(), 1u);
  EXPECT_EQ(ended.ended_jobs[0].job_id, id);
  EXPECT_EQ(ended.ended_jobs[0].state, v1::JOB_STATE_FAILED);
  auto p = *sched_->GetProgress(id);
  EXPECT_EQ(p.state(), v1::JOB_STATE_FAILED);
  EXPECT_EQ(p.tasks().failed(), 1u);
  EXPECT_EQ(p.tasks().retried(), 2u);
  EXPECT_EQ(p.error().rfind("task 3 (stage 0) failed after 3 attempts: ", 0),
            0u)
      << p.error();
  EXPECT_NE(p.error().find("INTERNAL: boom 3"), std::string::npos) << p.error();
  EXPECT_NE(p.error().find("a retry may succeed"), std::string::npos);
  EXPECT_EQ(State(other), v1::JOB_STATE_SUCCEEDED);
  EXPECT_EQ(sched_->Metrics().tasks_failed, 1u);
  EXPECT_EQ(sched_->Metrics().jobs_failed, 1u);
}

// A task that kills every worker it runs on: the first death makes it a
// suspect (free); each death of a worker holding it as its suspect costs an
// attempt; it is dead-lettered after max_attempts + 1 deaths.
TEST_F(SchedulerTest, ATaskThatKillsItsWorkersIsDeadLettered) {
  const std::string id = Submit(Spec("concat", 1, /*max_attempts=*/2));
  for (WorkerId w = 1; w <= 3; ++w) {
    sched_->WorkerConnected(w, absl::StrCat("host:", w), 1);
    v1::TaskBatch b = Take(w, 1);
    ASSERT_EQ(b.tasks_size(), 1) << "worker " << w;
    EXPECT_EQ(b.tasks(0).attempt(), w == 1 ? 1u : w - 1) << "worker " << w;
    SchedulerEvents ev = sched_->WorkerDisconnected(w);
    clock_.Advance(absl::Seconds(1));
    sched_->Tick(clock_.Now());
    EXPECT_EQ(ev.ended_jobs.size(), w == 3 ? 1u : 0u) << "worker " << w;
  }
  auto p = *sched_->GetProgress(id);
  EXPECT_EQ(p.state(), v1::JOB_STATE_FAILED);
  EXPECT_NE(p.error().find("task 0 (stage 0) failed after 2 attempts"),
            std::string::npos)
      << p.error();
  EXPECT_NE(p.error().find("worker host:3 disconnected"), std::string::npos)
      << p.error();
}

// The neighbours of a poison task in a worker's prefetch queue lose no
// attempt: after the first death they come back one suspect per slot, and
// only the suspect a dying worker held is charged.
TEST_F(SchedulerTest, PoisonTasksNeighboursLoseNothing) {
  const std::string id = Submit(Spec("concat", 4, /*max_attempts=*/3));
  sched_->WorkerConnected(1, "w1", 1);
  ASSERT_EQ(Take(1, 4).tasks_size(), 4);
  sched_->WorkerDisconnected(1);  // task 2 killed it; nobody knows yet
  WorkerId next = 2;
  int deaths = 1;
  while (State(id) == v1::JOB_STATE_RUNNING && next < 20) {
    const WorkerId w = next++;
    sched_->WorkerConnected(w, absl::StrCat("host:", w), 1);
    bool died = false;
    while (!died) {
      v1::TaskBatch b = Take(w, 1);
      if (b.tasks_size() == 0) break;
      ASSERT_EQ(b.tasks_size(), 1);
      if (b.tasks(0).task_index() == 2) {
        sched_->WorkerDisconnected(w);
        died = true;
        ++deaths;
      } else {
        EXPECT_EQ(b.tasks(0).attempt(), 1u)
            << "task " << b.tasks(0).task_index() << " was charged";
        SucceedAll(w, b);
      }
    }
    clock_.Advance(absl::Seconds(2));
    sched_->Tick(clock_.Now());
  }
  EXPECT_EQ(deaths, 4);  // max_attempts + 1
  auto r = *sched_->GetResult(id);
  EXPECT_EQ(r.progress().state(), v1::JOB_STATE_FAILED);  // no budget
  EXPECT_EQ(r.progress().tasks().succeeded(), 3u);
  EXPECT_EQ(r.progress().tasks().failed(), 1u);
  auto failures = *sched_->ListFailures(id);
  ASSERT_EQ(failures.dead_letters_size(), 1);
  EXPECT_EQ(failures.dead_letters(0).task_index(), 2u);
}

TEST_F(SchedulerTest, PermanentErrorFailsAtOnce) {
  const std::string id = Submit(Spec("concat", 4));
  sched_->WorkerConnected(1, "w1", 4);
  v1::TaskBatch b = Take(1, 4);
  SchedulerEvents ev = Send(
      1, {Ok(b.tasks(0)), Err(b.tasks(1), absl::StatusCode::kInvalidArgument,
                              "row 7: bad rate")});
  ASSERT_EQ(ev.ended_jobs.size(), 1u);
  auto p = *sched_->GetProgress(id);
  EXPECT_EQ(p.state(), v1::JOB_STATE_FAILED);
  EXPECT_EQ(p.tasks().retried(), 0u);
  EXPECT_EQ(p.tasks().running(), 0u);
  EXPECT_NE(p.error().find("task 1 (stage 0) failed with a permanent error "
                           "on attempt 1: INVALID_ARGUMENT: row 7: bad rate"),
            std::string::npos)
      << p.error();
  EXPECT_NE(p.error().find("retrying cannot help"), std::string::npos);
  // The other leases were dropped; their results change nothing.
  Send(1, {Ok(b.tasks(2)), Ok(b.tasks(3))});
  EXPECT_EQ(sched_->GetProgress(id)->tasks().succeeded(), 1u);
  EXPECT_EQ(sched_->Metrics().running_tasks, 0u);
}

TEST_F(SchedulerTest, CancelledByTheWorkerIsRetriedNotFatal) {
  const std::string id = Submit(Spec("concat", 1));
  sched_->WorkerConnected(1, "w1", 1);
  v1::TaskBatch b = Take(1, 1);
  Send(1, {Err(b.tasks(0), absl::StatusCode::kCancelled, "draining")});
  EXPECT_EQ(State(id), v1::JOB_STATE_RUNNING);
  EXPECT_EQ(sched_->GetProgress(id)->tasks().retried(), 1u);
}

TEST_F(SchedulerTest, EachPartialIsMergedExactlyOnce) {
  const std::string id = Submit(Spec("concat", 3));
  sched_->WorkerConnected(1, "w1", 4);
  v1::TaskBatch b = Take(1, 3);
  // The same result twice in one batch, and again later.
  Send(1, {Ok(b.tasks(0)), Ok(b.tasks(0))});
  Send(1, {Ok(b.tasks(0))});
  EXPECT_EQ(sched_->GetProgress(id)->tasks().succeeded(), 1u);
  EXPECT_EQ(sched_->ignored_results(), 2u);
  // A result with the wrong attempt or from another stream is ignored.
  v1::TaskResult wrong = Ok(b.tasks(1));
  wrong.set_attempt(7);
  Send(1, {wrong});
  sched_->WorkerConnected(2, "w2", 1);
  Send(2, {Ok(b.tasks(1))});
  EXPECT_EQ(sched_->GetProgress(id)->tasks().succeeded(), 1u);
  Send(1, {Ok(b.tasks(1)), Ok(b.tasks(2))});
  ASSERT_EQ(State(id), v1::JOB_STATE_SUCCEEDED);
  const std::string value =
      sched_->GetResult(id)->result().fields().at("value").string_value();
  EXPECT_EQ(value, "0,1,2");
  // After the end, nothing changes the result.
  Send(1, {Ok(b.tasks(2))});
  SchedulerEvents ev;
  EXPECT_EQ(*sched_->Cancel(id, &ev), v1::JOB_STATE_SUCCEEDED);
  EXPECT_TRUE(ev.ended_jobs.empty());
  EXPECT_EQ(sched_->GetResult(id)->result().fields().at("value").string_value(),
            value);
  EXPECT_EQ(sched_->GetProgress(id)->tasks().succeeded(), 3u);
}

TEST_F(SchedulerTest, TwoJobsShareWorkersFairly) {
  const std::string big = Submit(Spec("concat", 1000));
  const std::string small = Submit(Spec("concat", 10));
  sched_->WorkerConnected(1, "w1", 8);
  v1::TaskBatch b = Take(1, 8);
  ASSERT_EQ(b.tasks_size(), 8);
  int from_small = 0;
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(b.tasks(i).job_id(), i % 2 == 0 ? big : small);
    from_small += b.tasks(i).job_id() == small;
  }
  EXPECT_EQ(from_small, 4);
  EXPECT_EQ(b.jobs_size(), 2);
  // The small job finishes long before the big one.
  for (int round = 0; round < 4; ++round) {
    SucceedAll(1, b);
    b = Take(1, 8);
  }
  EXPECT_EQ(State(small), v1::JOB_STATE_SUCCEEDED);
  EXPECT_EQ(State(big), v1::JOB_STATE_RUNNING);
}

TEST_F(SchedulerTest, CancelStopsDispatchAndIgnoresLaterResults) {
  const std::string id = Submit(Spec("concat", 100));
  const std::string other = Submit(Spec("concat", 2));
  sched_->WorkerConnected(1, "w1", 4);
  v1::TaskBatch b = Take(1, 4);
  Send(1, {Ok(b.tasks(0))});
  SchedulerEvents ev;
  auto state = sched_->Cancel(id, &ev);
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(*state, v1::JOB_STATE_CANCELLED);
  ASSERT_EQ(ev.ended_jobs.size(), 1u);
  EXPECT_EQ(ev.ended_jobs[0].job_id, id);
  EXPECT_EQ(ev.ended_jobs[0].state, v1::JOB_STATE_CANCELLED);
  EXPECT_TRUE(sched_->AwaitFinal(id, absl::Now()));
  SucceedAll(1, b);
  auto p = *sched_->GetProgress(id);
  EXPECT_EQ(p.state(), v1::JOB_STATE_CANCELLED);
  EXPECT_EQ(p.tasks().succeeded(), 1u);
  EXPECT_EQ(p.tasks().running(), 0u);
  EXPECT_NE(p.error().find("cancelled"), std::string::npos);
  v1::TaskBatch rest = Take(1, 100);
  for (const v1::Task& t : rest.tasks()) EXPECT_EQ(t.job_id(), other);
  SucceedAll(1, rest);
  EXPECT_EQ(State(other), v1::JOB_STATE_SUCCEEDED);
  EXPECT_EQ(sched_->Cancel("job-99", &ev).status().code(),
            absl::StatusCode::kNotFound);
  CoordinatorMetrics m = sched_->Metrics();
  EXPECT_EQ(m.jobs_cancelled, 1u);
  EXPECT_EQ(m.jobs_succeeded, 1u);
  EXPECT_EQ(m.queue_depth + m.delayed_tasks + m.running_tasks, 0u);
  EXPECT_EQ(m.desired_workers, 0u);
}

TEST_F(SchedulerTest, MultiStageJobPlansTheNextStageFromTheMergedResult) {
  const std::string id = Submit(Spec("twostage", 3));
  sched_->WorkerConnected(1, "w1", 4);
  v1::TaskBatch b = Take(1, 100);
  ASSERT_EQ(b.tasks_size(), 3);
  SchedulerEvents ev = SucceedAll(1, b);
  EXPECT_TRUE(ev.tasks_ready);
  v1::TaskBatch s1 = Take(1, 100);
  ASSERT_EQ(s1.tasks_size(), 6);
  EXPECT_EQ(s1.jobs_size(), 0);
  EXPECT_EQ(s1.tasks(4).stage(), 1u);
  EXPECT_EQ(s1.tasks(4).payload(), "s1:4");
  EXPECT_EQ(sched_->GetProgress(id)->tasks().total(), 9u);
  // A stage-0 result arriving now is ignored.
  SucceedAll(1, b);
  SucceedAll(1, s1);
  auto r = *sched_->GetResult(id);
  EXPECT_EQ(r.progress().state(), v1::JOB_STATE_SUCCEEDED);
  EXPECT_EQ(r.result().fields().at("stage1").number_value(), 6);
  EXPECT_EQ(r.progress().tasks().succeeded(), 9u);
}

TEST_F(SchedulerTest, GoodbyeReturnsTasksWithoutCountingAnAttempt) {
  const std::string id = Submit(Spec("concat", 3));
  sched_->WorkerConnected(1, "w1", 4);
  v1::TaskBatch b = Take(1, 3);
  v1::Goodbye bye;
  for (int i = 1; i < 3; ++i) {
    v1::TaskRef* ref = bye.add_returned();
    ref->set_job_id(id);
    ref->set_stage(0);
    ref->set_task_index(b.tasks(i).task_index());
    ref->set_attempt(b.tasks(i).attempt());
  }
  SchedulerEvents ev = sched_->ReturnTasks(1, bye);
  EXPECT_TRUE(ev.tasks_ready);
  EXPECT_EQ(sched_->GetProgress(id)->tasks().retried(), 0u);
  sched_->WorkerDisconnected(1);  // task 0 is lost: a free retry (suspect)
  sched_->WorkerConnected(2, "w2", 4);
  v1::TaskBatch again = Take(2, 10);
  ASSERT_EQ(again.tasks_size(), 3);
  for (const v1::Task& t : again.tasks()) EXPECT_EQ(t.attempt(), 1u);
  EXPECT_EQ(sched_->GetProgress(id)->tasks().retried(), 1u);
}

TEST_F(SchedulerTest, ResultIsIdenticalWhateverTheOrderFailuresAndWorkers) {
  const int kTasks = 100;
  auto reference =
      RunJobLocally(**registry_.Find("fsum"), Spec("fsum", kTasks));
  ASSERT_TRUE(reference.ok()) << reference.status();
  const double expected = reference->fields().at("sum").number_value();
  // A naive left-to-right sum differs, so the order really matters here.
  double naive = 0;
  for (int i = 0; i < kTasks; ++i) {
    naive += testing::DecodeDouble(TestPartial("fsum", 0, i, ""));
  }
  ASSERT_NE(naive, expected);

  for (uint64_t seed = 1; seed <= 10; ++seed) {
    std::mt19937_64 rng(seed);
    const std::string id = Submit(Spec("fsum", kTasks, /*max_attempts=*/50));
    const WorkerId w = 100 + seed;
    sched_->WorkerConnected(w, "w", 8);
    for (int round = 0; State(id) == v1::JOB_STATE_RUNNING; ++round) {
      ASSERT_LT(round, 10000);
      v1::TaskBatch b = Take(w, 1 + rng() % 16);
      std::vector<v1::TaskResult> results;
      for (const v1::Task& t : b.tasks()) {
        switch (rng() % 5) {
          case 0:
            results.push_back(Err(t, absl::StatusCode::kUnavailable, "x"));
            break;
          case 1:
            results.push_back(Ok(t));
            results.push_back(Ok(t));  // duplicate
            break;
          default:
            results.push_back(Ok(t));
        }
      }
      std::shuffle(results.begin(), results.end(), rng);
      Send(w, std::move(results));
      clock_.Advance(absl::Seconds(1));
      sched_->Tick(clock_.Now());
    }
    auto r = *sched_->GetResult(id);
    ASSERT_EQ(r.progress().state(), v1::JOB_STATE_SUCCEEDED)
        << r.progress().error();
    EXPECT_EQ(r.result().fields().at("sum").number_value(), expected)
        << "seed " << seed;
  }
}

TEST_F(SchedulerTest, MetricsCountWorkersSlotsAndDesiredWorkers) {
  CoordinatorMetrics m = sched_->Metrics();
  EXPECT_EQ(m.desired_workers, 0u);
  Submit(Spec("concat", 10));
  sched_->WorkerConnected(1, "w1", 2);
  sched_->WorkerConnected(2, "w2", 2);
  Take(1, 3);
  m = sched_->Metrics();
  EXPECT_EQ(m.workers, 2u);
  EXPECT_EQ(m.worker_slots, 4u);
  EXPECT_EQ(m.queue_depth, 7u);
  EXPECT_EQ(m.running_tasks, 3u);
  EXPECT_EQ(m.jobs_running, 1u);
  EXPECT_EQ(m.desired_workers, 5u);  // 10 tasks / 2 slots per worker
}

TEST_F(SchedulerTest, AwaitFinalTimesOutOrReturnsOnStop) {
  const std::string id = Submit(Spec("concat", 1));
  EXPECT_FALSE(sched_->AwaitFinal(id, absl::Now()));
  EXPECT_FALSE(sched_->AwaitFinal("job-42", absl::InfiniteFuture()));
  std::thread stopper([&] { sched_->Stop(); });
  EXPECT_FALSE(sched_->AwaitFinal(id, absl::InfiniteFuture()));
  stopper.join();
  EXPECT_EQ(sched_->Submit(Spec("concat", 1)).status().code(),
            absl::StatusCode::kUnavailable);
}

// Several workers, submitters and a ticker at once; run under TSan in CI.
TEST_F(SchedulerTest, ConcurrentWorkersSubmittersAndTicker) {
  constexpr int kJobs = 8;
  constexpr int kWorkers = 4;
  std::vector<std::string> ids(kJobs);
  std::atomic<bool> done{false};
  std::vector<std::thread> threads;
  for (int w = 1; w <= kWorkers; ++w) {
    sched_->WorkerConnected(w, absl::StrCat("w", w), 4);
    threads.emplace_back([&, w] {
      std::mt19937_64 rng(w);
      while (!done.load()) {
        v1::TaskBatch b;
        if (sched_->TakeTasks(w, 1 + rng() % 32, &b) == 0) {
          std::this_thread::yield();
          continue;
        }
        v1::ResultBatch results;
        for (const v1::Task& t : b.tasks()) {
          v1::TaskResult* r = results.add_results();
          r->set_job_id(t.job_id());
          r->set_stage(t.stage());
          r->set_task_index(t.task_index());
          r->set_attempt(t.attempt());
          if (rng() % 10 == 0) {
            r->mutable_error()->set_code(
                static_cast<int>(absl::StatusCode::kUnavailable));
          } else {
            r->set_partial(t.payload());
          }
        }
        sched_->OnResults(w, &results);
        sched_->WorkerSeen(w);
      }
    });
  }
  std::thread ticker([&] {
    while (!done.load()) {
      clock_.Advance(absl::Milliseconds(10));
      sched_->Tick(clock_.Now());
      sched_->Metrics();
      sched_->ListJobs();
      std::this_thread::yield();
    }
  });
  std::thread submitter([&] {
    for (int j = 0; j < kJobs; ++j) {
      auto r = sched_->Submit(Spec("concat", 200, /*max_attempts=*/100));
      ASSERT_TRUE(r.ok());
      ids[j] = r->job_id();
    }
  });
  submitter.join();
  for (const std::string& id : ids) {
    while (!sched_->AwaitFinal(id, absl::Now() + absl::Milliseconds(50))) {
    }
  }
  done.store(true);
  for (auto& t : threads) t.join();
  ticker.join();
  std::string expected;
  for (int i = 0; i < 200; ++i) {
    absl::StrAppend(&expected, i == 0 ? "" : ",", i);
  }
  for (const std::string& id : ids) {
    auto r = *sched_->GetResult(id);
    ASSERT_EQ(r.progress().state(), v1::JOB_STATE_SUCCEEDED)
        << r.progress().error();
    EXPECT_EQ(r.result().fields().at("value").string_value(), expected);
  }
}

}  // namespace
}  // namespace gridless
