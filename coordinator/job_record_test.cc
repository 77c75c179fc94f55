// Tests of JobRecord: planning, attempts and counts, fixed-order reduce,
// multi-stage planning, final states that never change.
#include "coordinator/job_record.h"

#include "common/clock.h"
#include "coordinator/testing/test_kinds.h"
#include "gtest/gtest.h"

namespace gridless {
namespace {

using testing::ConcatKind;
using testing::Spec;
using testing::TestPartial;
using testing::TwoStageKind;

TEST(JobRecordTest, PlansStageZeroAndMergesInIndexOrder) {
  FakeClock clock;
  ConcatKind kind;
  auto job =
      JobRecord::Create("job-1", 1, Spec("concat", 5), &kind, 3, clock.Now());
  ASSERT_TRUE(job.ok()) << job.status();
  JobRecord& j = **job;
  EXPECT_EQ(j.state(), v1::JOB_STATE_RUNNING);
  EXPECT_EQ(j.stage_tasks(), 5u);
  EXPECT_EQ(j.payload(3), "3");
  EXPECT_EQ(j.counts().total(), 5u);
  for (uint64_t i : {4, 0, 2, 1, 3}) {
    EXPECT_EQ(j.StartAttempt(i), 1u);
    EXPECT_EQ(j.counts().running(), 1u);
    j.EndAttempt();
    EXPECT_EQ(j.OnSucceeded(i, j.payload(i), 0.5, clock.Now()), 0u);
  }
  EXPECT_EQ(j.state(), v1::JOB_STATE_SUCCEEDED);
  EXPECT_EQ(j.result().fields().at("value").string_value(), "0,1,2,3,4");
  EXPECT_EQ(j.counts().succeeded(), 5u);
  clock.Advance(absl::Seconds(3));
  v1::Progress p = j.Progress(clock.Now(), 2);
  EXPECT_EQ(p.job_id(), "job-1");
  EXPECT_EQ(p.kind(), "concat");
  EXPECT_DOUBLE_EQ(p.worker_seconds(), 2.5);
  EXPECT_DOUBLE_EQ(p.wall_seconds(), 0);  // ended at submit time
  EXPECT_EQ(p.workers(), 2u);
}

TEST(JobRecordTest, AttemptsCountAndUndo) {
  FakeClock clock;
  ConcatKind kind;
  auto job =
      *JobRecord::Create("job-1", 1, Spec("concat", 2), &kind, 3, clock.Now());
  EXPECT_EQ(job->StartAttempt(1), 1u);
  job->EndAttempt();
  job->CountRetry();
  EXPECT_EQ(job->StartAttempt(1), 2u);
  job->EndAttempt();
  job->UndoAttempt(1);
  EXPECT_EQ(job->attempts(1), 1u);
  EXPECT_EQ(job->counts().retried(), 1u);
  EXPECT_EQ(job->counts().running(), 0u);
}

TEST(JobRecordTest, PlanErrorIsReturnedVerbatim) {
  testing::BadPlanKind kind;
  auto job =
      JobRecord::Create("job-1", 1, Spec("badplan", 1), &kind, 3, absl::Now());
  ASSERT_FALSE(job.ok());
  EXPECT_EQ(job.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(job.status().message(),
            "parameter \"x\": expected a number, got \"y\"");
}

TEST(JobRecordTest, AJobWithoutTasksSucceedsAtOnce) {
  ConcatKind kind;
  auto job =
      JobRecord::Create("job-1", 1, Spec("concat", 0), &kind, 3, absl::Now());
  ASSERT_TRUE(job.ok());
  EXPECT_EQ((*job)->state(), v1::JOB_STATE_SUCCEEDED);
  EXPECT_EQ((*job)->result().fields().at("value").string_value(), "");
}

TEST(JobRecordTest, SecondStageIsPlannedFromTheFirstStagesAccumulator) {
  FakeClock clock;
  TwoStageKind kind;
  auto job = *JobRecord::Create("job-1", 1, Spec("twostage", 3), &kind, 3,
                                clock.Now());
  EXPECT_EQ(job->stage(), 0u);
  uint64_t planned = 0;
  for (uint64_t i = 0; i < 3; ++i) {
    job->StartAttempt(i);
    job->EndAttempt();
    planned =
        job->OnSucceeded(i, TestPartial("twostage", 0, i, ""), 0, clock.Now());
  }
  EXPECT_EQ(planned, 6u);
  EXPECT_EQ(job->stage(), 1u);
  EXPECT_EQ(job->stage_tasks(), 6u);
  EXPECT_EQ(job->payload(5), "s1:5");
  EXPECT_EQ(job->attempts(0), 0u);
  EXPECT_EQ(job->counts().total(), 9u);
  EXPECT_FALSE(job->merged(0));
  for (uint64_t i = 0; i < 6; ++i) {
    EXPECT_EQ(
        job->OnSucceeded(i, TestPartial("twostage", 1, i, ""), 0, clock.Now()),
        0u);
  }
  EXPECT_EQ(job->state(), v1::JOB_STATE_SUCCEEDED);
  EXPECT_EQ(job->result().fields().at("stage0").number_value(), 3);
  EXPECT_EQ(job->result().fields().at("stage1").number_value(), 6);
}

// A worker's lost-task list is bounded before it is copied: no longer than
// the previous stage, every index below its task count; none in stage 0.
TEST(JobRecordTest, LostPreviousTaskListsAreBounded) {
  TwoStageKind kind;
  auto job = *JobRecord::Create("job-1", 1, Spec("twostage", 3), &kind, 3,
                                absl::Now());
  google::protobuf::RepeatedField<uint64_t> lost;
  lost.Add(1);
  EXPECT_EQ(job->CheckLostPreviousTasks(lost).status().code(),
            absl::StatusCode::kInvalidArgument)
      << "stage 0 has no previous stage";
  for (uint64_t i = 0; i < 3; ++i) {
    job->StartAttempt(i);
    job->EndAttempt();
    job->OnSucceeded(i, TestPartial("twostage", 0, i, ""), 0, absl::Now());
  }
  ASSERT_EQ(job->stage(), 1u);
  ASSERT_EQ(job->previous_stage_tasks(), 3u);
  lost.Clear();
  for (uint64_t i : {2, 0, 2}) lost.Add(i);
  auto ok = job->CheckLostPreviousTasks(lost);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(*ok, (std::vector<uint64_t>{2, 0, 2}));
  lost.Add(1);  // 4 entries, 3 tasks: refused even though all are in range
  EXPECT_EQ(job->CheckLostPreviousTasks(lost).status().message(),
            "it names 4 tasks, but stage 0 had 3");
  lost.Clear();
  lost.Add(3);
  EXPECT_EQ(job->CheckLostPreviousTasks(lost).status().message(),
            "lost task 3 is out of range: stage 0 had 3 tasks");
}

TEST(JobRecordTest, MergeErrorFailsTheJobNamingTheTask) {
  TwoStageKind kind;
  auto job = *JobRecord::Create("job-1", 1, Spec("twostage", 2), &kind, 3,
                                absl::Now());
  job->OnSucceeded(0, TestPartial("twostage", 0, 0, ""), 0, absl::Now());
  job->OnSucceeded(1, "bad", 0, absl::Now());
  EXPECT_EQ(job->state(), v1::JOB_STATE_FAILED);
  EXPECT_NE(job->error().find("task 1 (stage 0)"), std::string::npos)
      << job->error();
  EXPECT_NE(job->error().find("8 bytes"), std::string::npos) << job->error();
}

TEST(JobRecordTest, FinalStatesNeverChange) {
  FakeClock clock;
  ConcatKind kind;
  auto job =
      *JobRecord::Create("job-1", 1, Spec("concat", 3), &kind, 3, clock.Now());
  job->OnSucceeded(0, "0", 0, clock.Now());
  clock.Advance(absl::Seconds(2));
  job->Cancel(clock.Now());
  EXPECT_EQ(job->state(), v1::JOB_STATE_CANCELLED);
  EXPECT_NE(job->error().find("1 of 3"), std::string::npos) << job->error();
  job->OnSucceeded(1, "1", 0, clock.Now());
  job->DeadLetter(2, "late", clock.Now());
  job->Fail("late", clock.Now());
  job->Cancel(clock.Now());
  EXPECT_EQ(job->state(), v1::JOB_STATE_CANCELLED);
  EXPECT_EQ(job->counts().succeeded(), 1u);
  EXPECT_EQ(job->counts().failed(), 0u);
  clock.Advance(absl::Seconds(5));
  EXPECT_DOUBLE_EQ(job->Progress(clock.Now(), 0).wall_seconds(), 2.0);
}

}  // namespace
}  // namespace gridless
