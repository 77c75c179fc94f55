#include "worker/task_executor.h"

#include <map>
#include <string>
#include <utility>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "worker/test_kinds.h"

namespace gridless {
namespace {

using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

constexpr absl::Duration kPatience = absl::Seconds(10);

class TaskExecutorTest : public ::testing::Test {
 protected:
  TaskExecutorTest() {
    EXPECT_TRUE(registry_.Register(testing::NewTestKind(&control_)).ok());
  }

  std::unique_ptr<TaskExecutor> NewExecutor(int slots,
                                            const Clock* clock = nullptr) {
    ExecutorOptions options;
    options.slots = slots;
    options.registry = &registry_;
    options.clock = clock;
    options.max_partial_bytes = 64;
    return std::make_unique<TaskExecutor>(options);
  }

  // A batch defining `job` (unless empty) with one task per payload.
  static v1::TaskBatch Batch(const std::string& define, const std::string& job,
                             std::vector<std::string> payloads,
                             uint64_t first_index = 0, double timeout_s = 0) {
    v1::TaskBatch batch;
    if (!define.empty()) {
      v1::JobDefinition* def = batch.add_jobs();
      def->set_job_id(define);
      def->mutable_spec()->set_kind("test");
    }
    for (size_t i = 0; i < payloads.size(); ++i) {
      v1::Task* t = batch.add_tasks();
      t->set_job_id(job);
      t->set_task_index(first_index + i);
      t->set_attempt(1);
      t->set_payload(payloads[i]);
      t->set_timeout_s(timeout_s);
    }
    return batch;
  }

  // Collects output until `results` results and `credits` credits arrived.
  // Keyed by "job/index".
  std::map<std::string, v1::TaskResult> Collect(TaskExecutor& executor,
                                                size_t results,
                                                uint32_t credits) {
    std::map<std::string, v1::TaskResult> out;
    const absl::Time give_up = absl::Now() + kPatience;
    while ((out.size() < results || credits_ < credits) &&
           absl::Now() < give_up) {
      executor.WaitForOutput(absl::Now() + absl::Milliseconds(100));
      TaskExecutor::Output o;
      executor.TakeOutput(&o);
      credits_ += o.credits;
      for (const v1::TaskResult& r : o.results.results()) {
        out[absl::StrCat(r.job_id(), "/", r.task_index())] = r;
      }
    }
    EXPECT_EQ(out.size(), results);
    EXPECT_EQ(credits_, credits);
    return out;
  }

  testing::TestControl control_;
  JobRegistry registry_;
  uint32_t credits_ = 0;
};

TEST_F(TaskExecutorTest, RunsTasksAndReportsPartialsAndErrors) {
  auto executor = NewExecutor(2);
  v1::TaskBatch batch =
      Batch("j", "j", {"a", "fail", "b", "throw", "c", std::string(65, 'x')});
  executor->Add(batch);
  auto results = Collect(*executor, 6, 6);
  EXPECT_EQ(results["j/0"].partial(), "partial:a");
  EXPECT_EQ(results["j/2"].partial(), "partial:b");
  EXPECT_EQ(results["j/4"].partial(), "partial:c");
  EXPECT_EQ(results["j/1"].error().code(),
            static_cast<int>(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(results["j/1"].error().message(), "task failed on purpose");
  EXPECT_EQ(results["j/3"].error().code(),
            static_cast<int>(absl::StatusCode::kInternal));
  EXPECT_THAT(results["j/3"].error().message(), HasSubstr("boom"));
  EXPECT_EQ(results["j/5"].error().code(),
            static_cast<int>(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(results["j/5"].error().message(), HasSubstr("split the job"));
  for (auto& [key, r] : results) {
    EXPECT_EQ(r.attempt(), 1u) << key;
    EXPECT_GE(r.run_seconds(), 0.0) << key;
  }
  EXPECT_EQ(control_.prepares.load(), 1);
}

TEST_F(TaskExecutorTest, PrepareErrorFailsEveryTaskOfTheJob) {
  auto executor = NewExecutor(2);
  v1::TaskBatch batch = Batch("", "bad", {"a", "b", "c"});
  v1::JobDefinition* def = batch.add_jobs();
  def->set_job_id("bad");
  def->mutable_spec()->set_kind("test");
  (*def->mutable_spec()->mutable_params()->mutable_fields())["fail_prepare"]
      .set_bool_value(true);
  executor->Add(batch);
  auto results = Collect(*executor, 3, 3);
  for (auto& [key, r] : results) {
    EXPECT_EQ(r.error().code(),
              static_cast<int>(absl::StatusCode::kFailedPrecondition));
    EXPECT_THAT(r.error().message(), HasSubstr("prepare failed on purpose"));
    EXPECT_THAT(r.error().message(), HasSubstr("job bad"));
    // The worker's fault, not the task's: the coordinator runs it elsewhere.
    EXPECT_TRUE(r.error().prepare_failed()) << key;
  }
  EXPECT_EQ(control_.prepares.load(), 1);
  EXPECT_EQ(control_.runs.load(), 0);
}

TEST_F(TaskExecutorTest, UnknownKindAndUndefinedJobFail) {
  auto executor = NewExecutor(1);
  v1::TaskBatch batch = Batch("", "nodef", {"a"});
  v1::JobDefinition* def = batch.add_jobs();
  def->set_job_id("nokind");
  def->mutable_spec()->set_kind("no-such-kind");
  v1::Task* t = batch.add_tasks();
  t->set_job_id("nokind");
  t->set_task_index(3);
  executor->Add(batch);
  auto results = Collect(*executor, 2, 2);
  EXPECT_EQ(results["nodef/0"].error().code(),
            static_cast<int>(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(results["nodef/0"].error().message(),
              HasSubstr("without a JobDefinition"));
  EXPECT_EQ(results["nokind/3"].error().code(),
            static_cast<int>(absl::StatusCode::kNotFound));
  EXPECT_FALSE(results["nodef/0"].error().prepare_failed());
  EXPECT_FALSE(results["nokind/3"].error().prepare_failed());
  EXPECT_THAT(results["nokind/3"].error().message(), HasSubstr("no-such-kind"));
}

TEST_F(TaskExecutorTest, RunsSlotsTasksAtOnce) {
  auto executor = NewExecutor(2);
  v1::TaskBatch batch = Batch("j", "j", {"block", "block"});
  executor->Add(batch);
  // Both can only start if the arena really has two threads.
  ASSERT_TRUE(control_.WaitStarted(2));
  EXPECT_EQ(executor->running(), 2u);
  EXPECT_EQ(executor->IdleSince(), absl::InfiniteFuture());
  control_.Release();
  Collect(*executor, 2, 2);
}

TEST_F(TaskExecutorTest, CancelDropsQueuedAndRunningTasks) {
  auto executor = NewExecutor(1);
  v1::TaskBatch batch = Batch("a", "a", {"block", "x"});
  batch.MergeFrom(Batch("b", "b", {"y", "z"}));
  executor->Add(batch);
  ASSERT_TRUE(control_.WaitStarted(1));
  v1::Cancel cancel;
  cancel.add_job_ids("b");
  v1::TaskRef* ref = cancel.add_tasks();
  ref->set_job_id("a");
  ref->set_task_index(0);  // attempt 0: any attempt
  executor->Cancel(cancel);
  // Only a/1 reports; all four tasks free their credit.
  auto results = Collect(*executor, 1, 4);
  EXPECT_EQ(results["a/1"].partial(), "partial:x");
  EXPECT_EQ(executor->queued(), 0u);
}

TEST_F(TaskExecutorTest, StopAcceptingSetsQueuedAndLaterTasksAside) {
  auto executor = NewExecutor(1);
  v1::TaskBatch batch = Batch("j", "j", {"block", "q1", "q2"});
  executor->Add(batch);
  ASSERT_TRUE(control_.WaitStarted(1));
  executor->StopAccepting();
  v1::TaskBatch later = Batch("", "j", {"q3"}, /*first_index=*/3);
  executor->Add(later);
  std::vector<uint64_t> returned;
  for (const v1::TaskRef& r : executor->TakeReturned()) {
    EXPECT_EQ(r.job_id(), "j");
    EXPECT_EQ(r.attempt(), 1u);
    returned.push_back(r.task_index());
  }
  EXPECT_THAT(returned, UnorderedElementsAre(1, 2, 3));
  control_.Release();
  auto results = Collect(*executor, 1, 1);
  EXPECT_EQ(results["j/0"].partial(), "partial:block");
}

TEST_F(TaskExecutorTest, TimeoutIsReportedAtOnceAndTheTaskCancelled) {
  FakeClock clock;
  auto executor = NewExecutor(1, &clock);
  v1::TaskBatch batch =
      Batch("j", "j", {"block"}, /*first_index=*/0, /*timeout_s=*/5);
  executor->Add(batch);
  ASSERT_TRUE(control_.WaitStarted(1));
  EXPECT_EQ(executor->CheckTimeouts(), clock.Now() + absl::Seconds(5));
  clock.Advance(absl::Seconds(5));
  EXPECT_EQ(executor->CheckTimeouts(), absl::InfiniteFuture());
  // The DEADLINE_EXCEEDED result, then the credit once the task returned
  // (it sees its token cancelled; what it returns is discarded).
  auto results = Collect(*executor, 1, 1);
  EXPECT_EQ(results["j/0"].error().code(),
            static_cast<int>(absl::StatusCode::kDeadlineExceeded));
  EXPECT_THAT(results["j/0"].error().message(), HasSubstr("timeout of 5 s"));
  EXPECT_DOUBLE_EQ(results["j/0"].run_seconds(), 5.0);
}

TEST_F(TaskExecutorTest, ResetDiscardsEverythingAndStartsAgain) {
  auto executor = NewExecutor(1);
  v1::TaskBatch batch = Batch("j", "j", {"block", "q"});
  executor->Add(batch);
  ASSERT_TRUE(control_.WaitStarted(1));
  executor->Reset();
  // Job definitions are forgotten with the stream: define it again.
  v1::TaskBatch again = Batch("j", "j", {"r"}, /*first_index=*/7);
  executor->Add(again);
  auto results = Collect(*executor, 1, 1);
  EXPECT_EQ(results["j/7"].partial(), "partial:r");
  EXPECT_EQ(control_.prepares.load(), 2);
}

TEST_F(TaskExecutorTest, IdleSinceTracksTheQueue) {
  FakeClock clock;
  auto executor = NewExecutor(1, &clock);
  EXPECT_EQ(executor->IdleSince(), clock.Now());
  v1::TaskBatch batch = Batch("j", "j", {"block"});
  executor->Add(batch);
  ASSERT_TRUE(control_.WaitStarted(1));
  EXPECT_EQ(executor->IdleSince(), absl::InfiniteFuture());
  clock.Advance(absl::Seconds(3));
  control_.Release();
  Collect(*executor, 1, 1);
  // The runner marks itself idle just after the result; wait for it.
  const absl::Time give_up = absl::Now() + kPatience;
  while (executor->running() > 0 && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  EXPECT_EQ(executor->IdleSince(), clock.Now());
}

}  // namespace
}  // namespace gridless
