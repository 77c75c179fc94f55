// Unit tests of the scheduler's policies on their own (suspects,
// speculation, refusals, admission, ended jobs, restore): pure, no
// scheduler, no threads, no sleeping (times are values).
#include <string>
#include <variant>
#include <vector>

#include "coordinator/admission.h"
#include "coordinator/ended_jobs.h"
#include "coordinator/refusals.h"
#include "coordinator/restore.h"
#include "coordinator/retry_policy.h"
#include "coordinator/speculation.h"
#include "coordinator/suspects.h"
#include "coordinator/testing/test_kinds.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gridless {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

const absl::Time kT0 = absl::FromUnixSeconds(1'000'000);

TaskKey Key(uint64_t index, JobHandle job = 1) {
  return TaskKey{job, 0, index};
}

// ---- Suspects ----

TEST(SuspectsTest, ASuspectHeldByADeadWorkerIsChargedOthersAreNot) {
  Suspects s;
  EXPECT_EQ(s.OnWorkerLost(7, Key(1)), Suspects::Blame::kSuspect);
  s.Add(Key(1));
  std::vector<TaskKey> leased;
  auto take = [&](WorkerId w, size_t slots, size_t held_leases) {
    return s.Take(
        w, slots, held_leases, 10, [](const TaskKey&) { return true; },
        [](const TaskKey&) { return Suspects::Candidate::kTake; },
        [&](const TaskKey& k) { leased.push_back(k); });
  };
  EXPECT_EQ(take(7, 1, 0), 1u);
  EXPECT_THAT(leased, ElementsAre(Key(1)));
  // Worker 7 dies holding it: charged; a second loss of it is not.
  EXPECT_EQ(s.OnWorkerLost(7, Key(1)), Suspects::Blame::kCharge);
  EXPECT_EQ(s.OnWorkerLost(7, Key(1)), Suspects::Blame::kSuspect);
}

TEST(SuspectsTest, OnlyIntoFreeSlotsAndAtMostSlotsHeld) {
  Suspects s;
  for (uint64_t i = 0; i < 5; ++i) s.Add(Key(i));
  size_t n = 0;
  auto take = [&](size_t slots, size_t leased) {
    return s.Take(
        3, slots, leased, 100, [](const TaskKey&) { return true; },
        [](const TaskKey&) { return Suspects::Candidate::kTake; },
        [&](const TaskKey&) { ++n; });
  };
  EXPECT_EQ(take(2, 2), 0u) << "no free slot";
  EXPECT_EQ(take(2, 0), 2u);
  // 3 slots, 2 suspects held (and leased): one more at most.
  EXPECT_EQ(take(3, 0), 1u);
  EXPECT_EQ(n, 3u);
}

TEST(SuspectsTest, StaleEntriesAreDroppedRefusedOnesWaitForAnotherWorker) {
  Suspects s;
  s.Add(Key(0));  // its job ended
  s.Add(Key(1));  // worker 3 refused its job
  s.Add(Key(2));  // leased elsewhere meanwhile
  auto classify = [](WorkerId w) {
    return [w](const TaskKey& k) {
      if (k.index == 0) return Suspects::Candidate::kStale;
      if (k.index == 2) return Suspects::Candidate::kNotNow;
      return w == 3 ? Suspects::Candidate::kElsewhere
                    : Suspects::Candidate::kTake;
    };
  };
  std::vector<TaskKey> leased;
  auto lease = [&](const TaskKey& k) { leased.push_back(k); };
  auto holds = [](const TaskKey&) { return true; };
  EXPECT_EQ(s.Take(3, 8, 0, 10, holds, classify(3), lease), 0u);
  EXPECT_FALSE(s.Contains(Key(0)));
  EXPECT_TRUE(s.Contains(Key(2))) << "still a suspect, just not queued";
  EXPECT_EQ(s.queued(), 1u);
  EXPECT_EQ(s.Take(4, 8, 0, 10, holds, classify(4), lease), 1u);
  EXPECT_THAT(leased, ElementsAre(Key(1)));
}

TEST(SuspectsTest, AResultClearsAndAnEndedJobForgets) {
  Suspects s;
  s.Add(Key(0));
  s.Add(Key(1, 2));
  s.Clear(9, Key(0));
  EXPECT_FALSE(s.Contains(Key(0)));
  s.ForgetJob(2);
  EXPECT_FALSE(s.Contains(Key(1, 2)));
}

// ---- Speculation ----

TEST(SpeculationTest, ThresholdIsTheMultipleOfTheMedianAtLeastTheMinimum) {
  Speculation sp(absl::Seconds(1));
  v1::JobSpec spec;
  auto median = [](absl::Duration d) {
    return [d]() -> std::optional<absl::Duration> { return d; };
  };
  EXPECT_EQ(*sp.Threshold(spec, median(absl::Seconds(2))), absl::Seconds(8));
  EXPECT_EQ(*sp.Threshold(spec, median(absl::Milliseconds(10))),
            absl::Seconds(1));
  spec.set_speculation_multiple(1.5);
  EXPECT_EQ(*sp.Threshold(spec, median(absl::Seconds(2))), absl::Seconds(3));
  spec.set_speculation_multiple(-1);
  bool asked = false;
  EXPECT_FALSE(sp.Threshold(spec, [&]() -> std::optional<absl::Duration> {
                   asked = true;
                   return absl::Seconds(1);
                 }).has_value());
  EXPECT_FALSE(asked) << "off: the median is not computed";
  spec.set_speculation_multiple(0);
  EXPECT_FALSE(sp.Threshold(spec, [] {
                   return std::optional<absl::Duration>();
                 }).has_value());
}

TEST(SpeculationTest, ScansAreSpacedAndABackupIsWantedOnce) {
  Speculation sp(absl::Seconds(1));
  EXPECT_TRUE(sp.ScanDue(kT0));
  EXPECT_FALSE(sp.ScanDue(kT0 + absl::Milliseconds(249)));
  EXPECT_TRUE(sp.ScanDue(kT0 + Speculation::kScanInterval));
  EXPECT_TRUE(sp.Want(Key(4)));
  EXPECT_FALSE(sp.Want(Key(4)));
  // Worker of the primary: stays wanted; then another worker takes it.
  std::vector<TaskKey> leased;
  auto lease = [&](const TaskKey& k) { leased.push_back(k); };
  EXPECT_EQ(
      sp.Take(
          5, [](const TaskKey&) { return Speculation::Candidate::kElsewhere; },
          lease),
      0u);
  EXPECT_FALSE(sp.empty());
  EXPECT_EQ(sp.Take(
                5, [](const TaskKey&) { return Speculation::Candidate::kTake; },
                lease),
            1u);
  EXPECT_THAT(leased, ElementsAre(Key(4)));
  EXPECT_TRUE(sp.empty());
  EXPECT_TRUE(sp.Want(Key(4))) << "may be wanted again after its lease";
  EXPECT_EQ(sp.Take(
                5, [](const TaskKey&) { return Speculation::Candidate::kDrop; },
                lease),
            0u);
  EXPECT_TRUE(sp.empty());
}

// ---- Refusals ----

TEST(RefusalsTest, AJobEveryWorkerRefusedFailsAfterTheGraceNamingThem) {
  Refusals r;
  const Refusals::Workers workers = {{1, "w1"}, {2, "w2"}};
  r.Refuse(1, 5, "cannot read /tape");
  EXPECT_TRUE(r.Refused(1, 5));
  EXPECT_FALSE(r.Refused(2, 5));
  EXPECT_THAT(r.RefusedBy(1), UnorderedElementsAre(5));
  EXPECT_TRUE(std::holds_alternative<Refusals::Runnable>(
      r.Check(5, workers, kT0, absl::Seconds(10))));
  r.Refuse(2, 5, std::string(2000, 'x'));
  EXPECT_TRUE(std::holds_alternative<Refusals::Waiting>(
      r.Check(5, workers, kT0, absl::Seconds(10))));
  EXPECT_THAT(r.NotedUnrunnable(), ElementsAre(5));
  EXPECT_TRUE(std::holds_alternative<Refusals::Waiting>(
      r.Check(5, workers, kT0 + absl::Seconds(9), absl::Seconds(10))));
  auto verdict =
      r.Check(5, workers, kT0 + absl::Seconds(10), absl::Seconds(10));
  auto* fail = std::get_if<Refusals::Unrunnable>(&verdict);
  ASSERT_NE(fail, nullptr);
  EXPECT_THAT(fail->reason, HasSubstr("all 2 failed to prepare it"));
  EXPECT_THAT(fail->reason, HasSubstr("worker w1: cannot read /tape"));
  EXPECT_THAT(
      fail->reason,
      HasSubstr("worker w2: " + std::string(Refusals::kMaxReason, 'x') + ")"))
      << "a worker's reason is truncated";
  // A new worker that has not refused it: runnable again, the note gone.
  EXPECT_TRUE(std::holds_alternative<Refusals::Runnable>(
      r.Check(5, {{1, "w1"}, {2, "w2"}, {3, "w3"}}, kT0 + absl::Seconds(11),
              absl::Seconds(10))));
  EXPECT_TRUE(r.NotedUnrunnable().empty());
  r.ForgetJob(5);
  EXPECT_FALSE(r.Refused(1, 5));
  EXPECT_TRUE(r.RefusedByAny().empty());
}

TEST(RefusalsTest, NoWorkerAtAllIsNotUnrunnable) {
  Refusals r;
  r.Refuse(1, 5, "x");
  r.ForgetWorker(1);
  EXPECT_TRUE(std::holds_alternative<Refusals::Runnable>(
      r.Check(5, {}, kT0 + absl::Hours(1), absl::Seconds(1))));
}

// ---- Admission ----

TEST(AdmissionTest, SpecChecksNameTheField) {
  JobRegistry registry;
  testing::RegisterTestKinds(registry);
  v1::JobSpec spec;
  spec.set_kind("concat");
  EXPECT_TRUE(CheckSpec(spec, &registry).ok());
  EXPECT_EQ(CheckSpec(spec, nullptr).status().code(),
            absl::StatusCode::kFailedPrecondition);
  v1::JobSpec bad = spec;
  bad.set_kind("nope");
  EXPECT_THAT(CheckSpec(bad, &registry).status().message(),
              HasSubstr("\"kind\""));
  bad = spec;
  bad.set_max_attempts(kMaxAttemptsLimit + 1);
  EXPECT_THAT(CheckSpec(bad, &registry).status().message(),
              HasSubstr("\"max_attempts\": expected at most 1000"));
  bad = spec;
  bad.set_task_timeout_s(-1);
  EXPECT_THAT(CheckSpec(bad, &registry).status().message(),
              HasSubstr("\"task_timeout_s\""));
  bad = spec;
  bad.set_speculation_multiple(std::numeric_limits<double>::quiet_NaN());
  EXPECT_THAT(CheckSpec(bad, &registry).status().message(),
              HasSubstr("\"speculation_multiple\""));
}

TEST(AdmissionTest, OpenJobsLimit) {
  OpenJobs open(2);
  EXPECT_TRUE(open.Reserve().ok());
  EXPECT_TRUE(open.Reserve().ok());
  absl::Status full = open.Reserve();
  EXPECT_EQ(full.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(full.message(), HasSubstr("--max-open-jobs"));
  open.Release();
  EXPECT_TRUE(open.Reserve().ok());
  open.Reopen();  // a retried job, whatever the limit
  EXPECT_EQ(open.open(), 3u);
}

// ---- Ended jobs ----

TEST(EndedJobsTest, TheOldestEndedJobsBeyondKeepAreForgotten) {
  EndedJobs ended(2);
  EXPECT_TRUE(ended.Note(1).empty());
  EXPECT_TRUE(ended.Note(2).empty());
  ended.Reopen(1);  // retried: not among the ended
  EXPECT_TRUE(ended.Note(3).empty());
  EXPECT_THAT(ended.Note(1), ElementsAre(2));
  EXPECT_THAT(ended.Note(4), ElementsAre(3));
  EXPECT_EQ(EndedJobs(0).keep(), 1u);
}

// ---- Restore ----

TEST(RestoreTest, JobIdsAreJobN) {
  EXPECT_EQ(JobHandleOf("job-12"), 12u);
  EXPECT_FALSE(JobHandleOf("job-0").has_value());
  EXPECT_FALSE(JobHandleOf("job-x").has_value());
  EXPECT_FALSE(JobHandleOf("12").has_value());
}

TEST(RestoreTest, ARunningJobReplaysItsMergedTasksAndQueuesTheRest) {
  JobRegistry registry;
  testing::RegisterTestKinds(registry);
  Journal::JobRecord saved;
  saved.job_id = "job-3";
  saved.spec = testing::Spec("concat", 6);
  saved.submitted = kT0;
  for (uint64_t i : {4u, 1u, 2u, 99u, 1u}) {
    saved.done.push_back(Journal::TaskDone{
        0, i, testing::TestPartial("concat", 0, i, std::to_string(i)), 0.1});
  }
  RestoredJob r =
      RestoreJob(saved, 3, registry, 3, 1000, kT0 + absl::Seconds(5));
  ASSERT_EQ(r.what, RestoredJob::What::kRunning);
  ASSERT_NE(r.record, nullptr);
  EXPECT_EQ(r.record->counts().succeeded(), 3u);
  EXPECT_THAT(r.to_queue, ElementsAre(std::pair<uint64_t, uint64_t>(0, 1),
                                      std::pair<uint64_t, uint64_t>(3, 4),
                                      std::pair<uint64_t, uint64_t>(5, 6)));
}

TEST(RestoreTest, EndedAndUnresumableJobs) {
  JobRegistry registry;
  testing::RegisterTestKinds(registry);
  Journal::JobRecord ended;
  ended.job_id = "job-1";
  ended.spec = testing::Spec("concat", 2);
  ended.state = v1::JOB_STATE_SUCCEEDED;
  ended.wall_seconds = 2.5;
  RestoredJob r = RestoreJob(ended, 1, registry, 3, 1000, kT0);
  EXPECT_EQ(r.what, RestoredJob::What::kEnded);
  EXPECT_EQ(r.record->state(), v1::JOB_STATE_SUCCEEDED);

  Journal::JobRecord gone;
  gone.job_id = "job-2";
  gone.spec.set_kind("no-longer-registered");
  gone.submitted = kT0;
  r = RestoreJob(gone, 2, registry, 3, 1000, kT0 + absl::Seconds(4));
  EXPECT_EQ(r.what, RestoredJob::What::kFailed);
  EXPECT_EQ(r.record->state(), v1::JOB_STATE_FAILED);
  EXPECT_THAT(r.record->error(), HasSubstr("could not resume the job"));
  EXPECT_DOUBLE_EQ(r.wall_seconds, 4);
}

}  // namespace
}  // namespace gridless
