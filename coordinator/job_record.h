// One submitted job as the coordinator keeps it: the spec, the current stage's
// task payloads (stored once, shared by every attempt), the attempt count of
// each task, the counters shown to users, and the fixed-order reduce of the
// current stage.
//
// Stages: a kind with NumStages() > 1 has its stage s+1 planned from the
// merged accumulator of stage s when the last partial of stage s is merged; a
// stage that plans no task completes at once.  After the last stage the
// accumulator is finalized into the result and the job SUCCEEDED.
//
// A JobRecord only keeps books and runs the kind's Plan/Merge/Finalize; what
// to do with a failed attempt (retry or fail) is the Scheduler's policy.  Once
// the job is in a final state nothing changes any more (results never change
// after the fact), and the memory of its tasks is released.
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

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "coordinator/task_key.h"
#include "gridless/v1/job.pb.h"
#include "jobs/job.h"
#include "jobs/tree_reducer.h"

namespace gridless {

class JobRecord {
 public:
  // Plans the first stage.  A Plan error (INVALID_ARGUMENT naming the
  // parameter) is returned verbatim.
  static absl::StatusOr<std::unique_ptr<JobRecord>> Create(
      std::string id, JobHandle handle, v1::JobSpec spec, const JobKind* kind,
      uint32_t max_attempts, absl::Time now);

  JobRecord(const JobRecord&) = delete;
  JobRecord& operator=(const JobRecord&) = delete;

  const std::string& id() const { return id_; }
  JobHandle handle() const { return handle_; }
  const v1::JobSpec& spec() const { return spec_; }
  const JobKind& kind() const { return *kind_; }
  uint32_t max_attempts() const { return max_attempts_; }

  v1::JobState state() const { return state_; }
  bool finished() const { return state_ != v1::JOB_STATE_RUNNING; }
  const std::string& error() const { return error_; }
  // The finalized result; empty unless SUCCEEDED.
  const google::protobuf::Struct& result() const { return result_; }
  const v1::TaskCounts& counts() const { return counts_; }

  // The current stage, its task count, and a task's payload.
  uint32_t stage() const { return stage_; }
  uint64_t stage_tasks() const { return payloads_.size(); }
  // REQUIRES: !finished(), index < stage_tasks().
  const std::string& payload(uint64_t index) const { return payloads_[index]; }
  // Attempts started so far for a task of the current stage.
  uint32_t attempts(uint64_t index) const { return attempts_[index]; }
  // Whether a task of the current stage has been merged.
  bool merged(uint64_t index) const;

  // A lease of a task of the current stage begins: counts the attempt and a
  // running task.  Returns the attempt number (1-based).
  uint32_t StartAttempt(uint64_t index);
  // A lease ended without a merge (failed, lost, returned or dropped).
  void EndAttempt();
  // The worker handed the task back unstarted: the attempt does not count.
  void UndoAttempt(uint64_t index);
  // A failed or lost attempt goes back for another try.
  void CountRetry() { counts_.set_retried(counts_.retried() + 1); }

  // Merges task `index`'s partial (its lease has ended: call EndAttempt
  // first).  When this completes the stage, plans the next stage or
  // finalizes the job.  Returns the number of tasks of a newly planned stage
  // (0 when none), which the caller must queue as [0, n) of stage().  A Merge,
  // Plan or Finalize error fails the job (see state()/error()).
  uint64_t OnSucceeded(uint64_t index, std::string partial, double run_seconds,
                       absl::Time now);

  // A task exhausted its attempts or failed permanently: the job fails with
  // `error` (which should name the task and say whether a retry can help).
  void FailTask(std::string error, absl::Time now);
  // Ends the job as CANCELLED.  No-op when already finished.
  void Cancel(absl::Time now);

  // Snapshot for Watch/ListJobs; `workers` is the connected worker count.
  v1::Progress Progress(absl::Time now, uint32_t workers) const;

 private:
  JobRecord(std::string id, JobHandle handle, v1::JobSpec spec,
            const JobKind* kind, uint32_t max_attempts, absl::Time now);

  // Plans stage `stage` from `previous`, installing its payloads and
  // reducer; while a stage has no task, goes on to the next (or finalizes).
  // Returns the error of Plan/Finalize without changing state.
  absl::Status EnterStage(uint32_t stage, std::string previous, absl::Time now);
  void Finish(v1::JobState state, std::string error, absl::Time now);

  const std::string id_;
  const JobHandle handle_;
  const v1::JobSpec spec_;
  const JobContext ctx_;  // refers to id_ and spec_
  const JobKind* const kind_;
  const uint32_t max_attempts_;
  const absl::Time submitted_;
  absl::Time ended_ = absl::InfinitePast();

  v1::JobState state_ = v1::JOB_STATE_RUNNING;
  std::string error_;
  google::protobuf::Struct result_;
  v1::TaskCounts counts_;
  double worker_seconds_ = 0;

  uint32_t stage_ = 0;
  std::vector<std::string> payloads_;
  std::vector<uint32_t> attempts_;
  std::unique_ptr<TreeReducer> reducer_;
};

}  // namespace gridless

#endif  // GRIDLESS_COORDINATOR_JOB_RECORD_H_
