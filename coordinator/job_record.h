// One submitted job as the coordinator keeps it: the spec, the current stage's
// task payloads (stored once, shared by every attempt), the attempt count of
// each task, its dead letters, the counters shown to users, and the
// fixed-order reduce of the current stage.
//
// Stages: a kind with NumStages() > 1 has its stage s+1 planned from the
// merged accumulator of stage s when the last partial of stage s is merged; a
// stage that plans no task completes at once.  After the last stage the
// accumulator is finalized into the result and the job SUCCEEDED.
//
// Dead letters and the failure budget: a task the Scheduler gives up on
// (attempts exhausted, or a permanent error) is dead-lettered with the record
// of each failed attempt.  More dead letters than spec.max_failed_tasks fail
// the job at once; within the budget the stage goes on, and when every other
// task of the last stage is merged the job ends PARTIAL with a result over
// the merged tasks (TreeReducer::PartialResult).  Dead letters in a stage
// that is not the last fail the job when the stage is otherwise done (the
// next stage needs all of its inputs).  A job that ended FAILED or PARTIAL
// because of dead letters keeps its tasks and reducer, so that Retry can put
// it back to RUNNING and complete it: the full result is then bit-identical
// to an undisturbed run's.
//
// Repairs (lost intermediate data): the payloads of the previous stage are
// kept, so that a task of the current stage that found some of the previous
// stage's output missing can have those tasks run again (RequestRepair); it
// waits until they have (RepairDone).  Their partials were merged already and
// are not merged again.  Several tasks may report the same loss; a report
// from an attempt leased before the repair finished may describe the data
// as it was before the repair (it read early), so it requeues the task
// instead of repairing again.  Lease age is the lease table's grant
// sequence, not a time, so the rule holds with any clock.
//
// A JobRecord only keeps books and runs the kind's Plan/Merge/Finalize; what
// to do with a failed attempt (retry or dead-letter) is the Scheduler's
// policy.  Once the job is in a final state nothing changes any more, except
// through Retry.
//
// Not thread-safe: the owner (the Scheduler) serializes calls.  The JobKind
// must outlive the record.
#ifndef GRIDLESS_COORDINATOR_JOB_RECORD_H_
#define GRIDLESS_COORDINATOR_JOB_RECORD_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/btree_set.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "coordinator/task_key.h"
#include "google/protobuf/repeated_field.h"
#include "gridless/v1/job.pb.h"
#include "jobs/job.h"
#include "jobs/tree_reducer.h"

namespace gridless {

class JobRecord {
 public:
  // Plans the first stage.  A Plan error (INVALID_ARGUMENT naming the
  // parameter) is returned verbatim; RESOURCE_EXHAUSTED when a stage plans
  // more than `max_stage_tasks` tasks.
  static absl::StatusOr<std::unique_ptr<JobRecord>> Create(
      std::string id, JobHandle handle, v1::JobSpec spec, const JobKind* kind,
      uint32_t max_attempts, absl::Time now,
      uint64_t max_stage_tasks = UINT64_MAX);
  // A job that had ended before a coordinator restart, as the journal kept
  // it.  `kind` may be nullptr (the kind is no longer registered).
  static std::unique_ptr<JobRecord> Ended(std::string id, JobHandle handle,
                                          v1::JobSpec spec, v1::JobState state,
                                          std::string error,
                                          google::protobuf::Struct result,
                                          absl::Time submitted,
                                          double wall_seconds);

  JobRecord(const JobRecord&) = delete;
  JobRecord& operator=(const JobRecord&) = delete;

  const std::string& id() const { return id_; }
  JobHandle handle() const { return handle_; }
  const v1::JobSpec& spec() const { return spec_; }
  uint32_t max_attempts() const { return max_attempts_; }
  absl::Time submitted() const { return submitted_; }

  v1::JobState state() const { return state_; }
  bool finished() const { return state_ != v1::JOB_STATE_RUNNING; }
  const std::string& error() const { return error_; }
  // The finalized result: complete when SUCCEEDED, over the merged tasks
  // when PARTIAL or CANCELLED (partial()), empty otherwise.
  const google::protobuf::Struct& result() const { return result_; }
  bool partial() const {
    return state_ == v1::JOB_STATE_PARTIAL || state_ == v1::JOB_STATE_CANCELLED;
  }
  const v1::TaskCounts& counts() const { return counts_; }
  // Whether Retry can put the job back to RUNNING (it ended because of
  // dead letters and kept its tasks).
  bool retryable() const { return retryable_; }

  // The current stage, the number of stages, the stage's task count, and a
  // task's payload.
  uint32_t stage() const { return stage_; }
  uint32_t num_stages() const;
  uint64_t stage_tasks() const { return payloads_.size(); }
  // The previous stage's task count (0 in the first stage).
  uint64_t previous_stage_tasks() const { return previous_payloads_.size(); }
  // REQUIRES: index < stage_tasks().
  const std::string& payload(uint64_t index) const { return payloads_[index]; }
  // The payload of a task of the current or the previous stage.
  // REQUIRES: a valid (stage, index).
  const std::string& payload(uint32_t stage, uint64_t index) const;
  // Attempts started so far for a task of the current stage.
  uint32_t attempts(uint64_t index) const { return attempts_[index]; }
  // Whether a task of the current stage has been merged / dead-lettered.
  bool merged(uint64_t index) const;
  bool dead(uint64_t index) const;
  // Whether `key` is a task of the current stage that still needs to run
  // (neither merged nor dead-lettered).  REQUIRES: the job is running.
  bool Unfinished(const TaskKey& key) const {
    return key.stage == stage_ && key.index < stage_tasks() &&
           !merged(key.index) && !dead(key.index);
  }

  // A lease of a task of the current stage begins: counts the attempt and a
  // running task.  Returns the attempt number (1-based).
  uint32_t StartAttempt(uint64_t index);
  // A lease ended without a merge (failed, lost, returned or dropped).
  void EndAttempt();
  // The worker handed the task back unstarted: the attempt does not count.
  void UndoAttempt(uint64_t index);
  // A failed or lost attempt goes back for another try.
  void CountRetry() { counts_.set_retried(counts_.retried() + 1); }
  void CountSpeculative() {
    counts_.set_speculative(counts_.speculative() + 1);
  }
  void CountTimedOut() { counts_.set_timed_out(counts_.timed_out() + 1); }

  // Keeps the record of a failed attempt of a current-stage task (shown in
  // its dead letter if it comes to that; forgotten when the task merges).
  void RecordFailedAttempt(uint64_t index, v1::AttemptRecord attempt);

  // Merges task `index`'s partial (its lease has ended: call EndAttempt
  // first).  When this completes the stage, plans the next stage or
  // finalizes the job.  Returns the number of tasks of a newly planned stage
  // (0 when none), which the caller must queue as [0, n) of stage().  A Merge,
  // Plan or Finalize error fails the job (see state()/error()).
  uint64_t OnSucceeded(uint64_t index, std::string partial, double run_seconds,
                       absl::Time now);

  // Dead-letters task `index` of the current stage; `error` names the task,
  // its last error and whether a retry can help.  Applies the failure budget
  // (see the file comment): the job may end FAILED or PARTIAL.
  void DeadLetter(uint64_t index, std::string error, absl::Time now);
  // The dead letters, in (stage, index) order.
  std::vector<v1::DeadLetter> DeadLetters() const;

  // Puts a retryable job back to RUNNING with every unmerged task of its
  // stage at zero attempts, and returns those tasks' indices (to queue).
  // FAILED_PRECONDITION when !retryable().
  absl::StatusOr<std::vector<uint64_t>> Retry(absl::Time now);

  // Ends the job as CANCELLED, with the result over the merged tasks when
  // the current stage is the last.  No-op when already finished.
  void Cancel(absl::Time now);
  // Ends the job as FAILED with `error`, not retryable.
  void Fail(std::string error, absl::Time now);

  // ---- Repairs of the previous stage's output ----
  struct RepairPlan {
    // Previous-stage tasks to run again (queue as TaskKey{handle,
    // stage()-1, i}); those already being repaired are not repeated.
    std::vector<uint64_t> to_run;
    // Every lost task has been repaired since the reporting attempt was
    // leased: queue `waiting` again now, it waits for nothing.
    bool requeue_now = false;
  };
  // The attempt of current-stage task `waiting` leased with sequence
  // `leased_at` found tasks `lost` of the previous stage missing (`report`:
  // its error message).  INVALID_ARGUMENT when the current stage is the
  // first or an index is out of range (`lost` comes from a worker).
  // Each previous-stage task it has run again counts against the job's
  // repair limit (max_repairs()); a report that would go past it fails the
  // job, naming the kind's IntermediateStore and the likely cause (a store
  // not shared by all workers), and returns FAILED_PRECONDITION with that
  // message: the caller must then end the job (finished() is true).
  // The lost-task list of a worker's report (TaskError.lost_previous_tasks:
  // hostile), checked before anything is copied: at most the previous
  // stage's task count entries, each below it.  INVALID_ARGUMENT saying
  // what is wrong otherwise (and in the first stage, which has no previous).
  absl::StatusOr<std::vector<uint64_t>> CheckLostPreviousTasks(
      const google::protobuf::RepeatedField<uint64_t>& lost) const;
  absl::StatusOr<RepairPlan> RequestRepair(uint64_t waiting,
                                           const std::vector<uint64_t>& lost,
                                           uint64_t leased_at,
                                           absl::string_view report,
                                           absl::Time now);
  // The job's repair limit: spec.max_repairs, or 3 x the previous stage's
  // task count when 0.  Previous-stage reruns started so far.
  uint64_t max_repairs() const;
  uint64_t repairs() const { return repairs_; }
  bool repairing(uint64_t previous_index) const {
    return repair_attempts_.contains(previous_index);
  }
  // An attempt of a repair begins; returns its attempt number.
  uint32_t StartRepairAttempt(uint64_t previous_index);
  // The repair's worker could not run it (not the task's fault): the
  // attempt does not count.
  void UndoRepairAttempt(uint64_t previous_index);
  // The repair succeeded before any lease of sequence >= `next_lease`
  // was granted: returns the current-stage tasks no longer waiting for
  // anything (to queue again).
  std::vector<uint64_t> RepairDone(uint64_t previous_index,
                                   uint64_t next_lease);
  // The repair failed for good: returns the current-stage tasks that were
  // waiting for it (to dead-letter), and forgets them.
  std::vector<uint64_t> RepairFailed(uint64_t previous_index);
  uint32_t repair_attempts(uint64_t previous_index) const {
    auto it = repair_attempts_.find(previous_index);
    return it == repair_attempts_.end() ? 0 : it->second;
  }
  // Tasks of the current stage waiting for a repair.
  bool waiting_for_repair(uint64_t index) const {
    return waiting_.contains(index);
  }

  // The median run time of the current stage's merged tasks; nullopt
  // before the first merge.
  std::optional<absl::Duration> MedianRunTime() const;

  // Snapshot for Watch/ListJobs; `workers` is the connected worker count.
  v1::Progress Progress(absl::Time now, uint32_t workers) const;

 private:
  JobRecord(std::string id, JobHandle handle, v1::JobSpec spec,
            const JobKind* kind, uint32_t max_attempts, absl::Time now,
            uint64_t max_stage_tasks);

  // Plans stage `stage` from `previous`, installing its payloads and
  // reducer; while a stage has no task, goes on to the next (or finalizes).
  // Returns the error of Plan/Finalize without changing state.
  absl::Status EnterStage(uint32_t stage, std::string previous, absl::Time now);
  // Once every task of the stage is merged or dead: plans the next stage,
  // finalizes, or applies the dead letters.  Returns the number of tasks of
  // a newly planned stage.
  uint64_t MaybeEndStage(absl::Time now);
  // The kind's Finalize over the reducer's partial result (or "" when the
  // stage is not the last); the error, if any, goes into error_.
  void FinalizePartial();
  // `retryable`: keep the tasks for Retry.
  void Finish(v1::JobState state, std::string error, absl::Time now,
              bool retryable = false);

  const std::string id_;
  const JobHandle handle_;
  const v1::JobSpec spec_;
  const JobContext ctx_;  // refers to id_ and spec_
  const JobKind* const kind_;
  const uint32_t max_attempts_;
  const uint64_t max_stage_tasks_;
  const absl::Time submitted_;
  absl::Time ended_ = absl::InfinitePast();

  v1::JobState state_ = v1::JOB_STATE_RUNNING;
  std::string error_;
  google::protobuf::Struct result_;
  v1::TaskCounts counts_;
  double worker_seconds_ = 0;
  bool retryable_ = false;

  uint32_t stage_ = 0;
  std::vector<std::string> payloads_;
  std::vector<std::string> previous_payloads_;
  std::vector<uint32_t> attempts_;
  std::unique_ptr<TreeReducer> reducer_;
  // Run times of the current stage's merged tasks, seconds.
  std::vector<float> run_times_;
  // Failed attempts of current-stage tasks not merged (yet).
  absl::flat_hash_map<uint64_t, std::vector<v1::AttemptRecord>> failures_;
  // Dead-lettered tasks of the current stage.
  absl::btree_set<uint64_t> dead_;
  // Repairs: previous-stage task -> attempts so far; current-stage task ->
  // the repairs it waits for.
  absl::flat_hash_map<uint64_t, uint32_t> repair_attempts_;
  absl::btree_map<uint64_t, absl::btree_set<uint64_t>> waiting_;
  // Previous-stage task -> the lease sequence before which its last repair
  // finished (leases older than that may have read the lost data).
  absl::flat_hash_map<uint64_t, uint64_t> repaired_before_;
  // Previous-stage reruns started since the job was submitted (or retried).
  uint64_t repairs_ = 0;
};

}  // namespace gridless

#endif  // GRIDLESS_COORDINATOR_JOB_RECORD_H_
